"""Trust and safety end to end: the real discord.py client, the loopback Discord, both databases.

Look-alike names, blocks and mutes, reports and their buttons, every /mod and /server
command, and every /account action, as people would use them.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Account, Base, ModerationAction, Post
from bot.front.client import MicroblogBot
from discord_double import DiscordDouble, RecordedMessage
from discord_double.interactions import base_payload
from tests.cogs.conftest import BotFactory, Person, bodies, post_id
from tests.conftest import STRONG_PASSWORD

COMMAND, COMPONENT = 2, 3
NEW_PASSWORD = "purple elephant juggling quietly"


@pytest.fixture
def moderator(double: DiscordDouble) -> Person:
    return Person(double, double.add_user("mod_discord"))


@pytest.fixture
def carol(double: DiscordDouble) -> Person:
    return Person(double, double.add_user("carol_discord"))


@pytest.fixture
async def safe_bot(
    start_microblog: BotFactory, double: DiscordDouble, moderator: Person
) -> AsyncIterator[MicroblogBot]:
    reports = double.add_channel("reports")
    async with start_microblog(
        run_scheduler=False,
        moderation={"moderators": [moderator.user.id], "reports_channel_id": reports.id},
    ) as bot:
        bot.reports_channel = reports.id  # type: ignore[attr-defined]
        yield bot


async def _sub(person: Person, group: str, subcommand: str, **options: object) -> RecordedMessage:
    handle = await person.double.send_slash(
        person.user, group, options or None, subcommand=subcommand
    )
    return await handle.message()


def _feed_bodies(message: RecordedMessage) -> list[str]:
    return [body.split("\n")[0] for body in bodies(message)]


async def _post(person: Person, text: str) -> int:
    return post_id(await person.run("post", content=text))


async def _count(bot: MicroblogBot, model: Any) -> int:
    async with bot.services.database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- names -----------------------------------------------------------------------------------
async def test_look_alike_names_are_refused_and_a_combining_accent_registers(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, carol: Person
) -> None:
    modal = await (await double.send_slash(alice.user, "register")).modal()
    password_field = next(i for i in modal.inputs if i.custom_id == "password")
    assert "not your Discord password" in password_field.label
    assert "Discord" in (password_field.placeholder or "")

    assert "Welcome, **alice**" in (await alice.register("alice")).content
    for look_alike in ("аlice", "АLICE", "ａlice", "alice"):  # Cyrillic а/А, fullwidth a
        reply = await bob.register(look_alike)
        assert reply.content == "That username is taken. Please choose another one.", look_alike
    assert "Welcome, **paypal**" in (await bob.register("paypal")).content
    assert (await carol.register("paypaI")).content.startswith("That username is taken")

    typed = "Rene\u0301"  # e + COMBINING ACUTE ACCENT, as some keyboards send it
    assert unicodedata.normalize("NFC", typed) != typed
    assert (await carol.register(typed)).content.startswith("Welcome, **René**")
    await carol.run("logout")
    assert (await carol.login(typed)).content == "Logged in as **René**."
    assert (await carol.login("René")).content == "Logged in as **René**."
    assert await _count(safe_bot, Account) == 3
    assert double.violations == []


# -- blocks and mutes ------------------------------------------------------------------------
async def test_a_block_hides_both_ways_and_a_mute_only_for_the_muter(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, carol: Person
) -> None:
    for person, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        await person.register(name)
        await _post(person, f"{name} says hi")

    assert (await alice.run("block", user="bob")).content.startswith("Blocked **bob**.")
    assert (await alice.run("mute", user="carol")).content.startswith("Muted **carol**")
    assert _feed_bodies(await alice.run("feed")) == ["alice says hi"]
    assert _feed_bodies(await bob.run("feed")) == ["carol says hi", "bob says hi"]  # both ways
    assert _feed_bodies(await carol.run("feed")) == [
        "carol says hi", "bob says hi", "alice says hi",
    ]  # fmt: skip
    # A user's timeline is no way around it.
    assert _feed_bodies(await bob.run("feed", user="alice")) == []
    assert _feed_bodies(await alice.run("feed", user="carol")) == []
    # Bob cannot report what he cannot see.
    handle = await double.send_slash(bob.user, "report", {"post": 1})
    modal = await handle.modal()
    submitted = await double.submit_modal(bob.user, modal, {"reason": "spam"})
    assert (
        await submitted.message()
    ).content == "Post #1 does not exist (it may have been deleted)."

    listing = await _sub(alice, "account", "blocked")
    fields = {f["name"]: f["value"] for f in listing.embeds[0]["fields"]}
    assert fields["Blocked (1)"].startswith("**bob**") and fields["Muted (1)"].startswith(
        "**carol**"
    )
    assert (await alice.run("block", user="bob")).content == "You have already blocked bob."
    assert (await alice.run("block", user="alice")).content == "You cannot block yourself."
    assert (await alice.run("mute", user="nobody")).content == "There is no user called 'nobody'."

    await alice.run("unblock", user="bob")
    await alice.run("unmute", user="carol")
    assert len(_feed_bodies(await alice.run("feed"))) == 3
    assert len(_feed_bodies(await bob.run("feed"))) == 3
    assert double.violations == []


async def test_user_options_autocomplete_microblog_usernames(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.register("alina")
    handle = await double.send_autocomplete(alice.user, "block", {"user": "al"}, focused="user")
    choices = await handle.choices()
    assert [c["value"] for c in choices] == ["alice", "alina"]
    assert double.violations == []


# -- reports and moderators ------------------------------------------------------------------
async def _report(person: Person, post_id: int, reason: str) -> RecordedMessage:
    return await person.fill_modal("report", {"reason": reason}, post=post_id)


async def test_a_report_reaches_the_channel_and_only_a_moderator_acts_on_it(
    safe_bot: MicroblogBot,
    double: DiscordDouble,
    alice: Person,
    bob: Person,
    carol: Person,
    moderator: Person,
) -> None:
    await alice.register("alice")
    await bob.register("bob")
    post_id = await _post(alice, "buy cheap followers at example.com")
    assert (await _report(alice, post_id, "mine")).content.startswith("You cannot report your own")
    thanks = await _report(bob, post_id, "spam")
    assert thanks.ephemeral and thanks.content.startswith("Thank you. Report #1 about post")
    again = await _report(bob, post_id, "still spam")
    assert again.content == "You already reported that post; a moderator will look at it."

    channel = safe_bot.reports_channel  # type: ignore[attr-defined]
    posted = await double.wait_for_channel_message(channel)
    assert len(double.channel_messages(channel)) == 1
    assert posted.embeds[0]["title"] == "Report #1"
    assert [label for label, _, _ in posted.buttons] == ["Dismiss", "Remove post", "Suspend author"]

    # Anyone who can read the channel can press; only a moderator changes anything.
    refused = await carol.click(posted, "Remove post")
    assert refused.ephemeral and refused.content == "Only the bot's moderators can do that."
    assert _feed_bodies(await carol.run("feed")) == ["buy cheap followers at example.com"]

    done = await moderator.click(posted, "Remove post")
    assert (
        done.ephemeral
        and done.content == f"Report #1: Post #{post_id} removed by moderator {moderator.user.id}."
    )
    assert double.message(posted.id).buttons == []  # the report shows it was handled
    assert _feed_bodies(await carol.run("feed")) == []
    assert _feed_bodies(await alice.run("feed", user="alice")) == []
    edit = await alice.run("edit", post=post_id, content="sorry")
    assert edit.content.startswith("That post was removed by a moderator")
    assert (await _sub(moderator, "mod", "reports")).content == "No open reports."
    assert double.violations == []


async def test_suspend_from_a_report_and_every_mod_command(
    safe_bot: MicroblogBot,
    double: DiscordDouble,
    alice: Person,
    bob: Person,
    moderator: Person,
    clock: Any,
) -> None:
    await alice.register("alice")
    await bob.register("bob")
    first = await _post(alice, "first")
    clock.advance(seconds=1)
    second = await _post(alice, "second")
    await _report(bob, first, "harassment")
    await _report(bob, second, "more harassment")

    # /mod is refused privately to anyone else, whatever they ask.
    for person in (alice, bob):
        for subcommand, options in (("reports", {}), ("log", {}), ("who", {"post": first})):
            refused = await _sub(person, "mod", subcommand, **options)
            assert refused.ephemeral and refused.content == "Only the bot's moderators can do that."

    listing = await _sub(moderator, "mod", "reports")
    assert [e["title"] for e in listing.embeds] == ["Report #2", "Report #1"]
    who = await _sub(moderator, "mod", "who", post=first)
    assert (
        who.content
        == f"Post #{first} by **alice** was written by <@{alice.user.id}> ({alice.user.id})."
    )

    handle = await double.click_button(moderator.user, listing, listing.button("Suspend author"))
    modal = await handle.modal()
    submitted = await double.submit_modal(
        moderator.user, modal, {"reason": "repeated harassment", "days": "3"}
    )
    assert (await submitted.message()).content.startswith("**alice** is suspended until <t:")

    # Suspended: no session, no login, no posts shown; reports closed.
    assert (await alice.run("post", content="still here")).content.startswith(
        "You are not logged in"
    )
    assert (await alice.login("alice")).content.startswith("This account is suspended until")
    assert _feed_bodies(await bob.run("feed")) == []
    assert (await _sub(moderator, "mod", "reports")).content == "No open reports."

    lifted = await _sub(moderator, "mod", "unsuspend", user="alice")
    assert lifted.content == "**alice** is no longer suspended."
    assert (await alice.login("alice")).content == "Logged in as **alice**."
    assert _feed_bodies(await bob.run("feed")) == ["second", "first"]

    removed = await _sub(moderator, "mod", "remove", post=second, reason="off-topic")
    assert removed.content == f"Post #{second} by **alice** removed."
    indefinitely = await _sub(moderator, "mod", "suspend", user="bob", reason="spam account")
    assert (
        indefinitely.content == "**bob** is suspended until /mod unsuspend; their sessions ended."
    )

    log = await _sub(moderator, "mod", "log")
    names = [f["name"] for f in log.embeds[0]["fields"]]
    assert [name.split(" · ")[1] for name in names] == [
        "suspend (until lifted)", "remove_post", "unsuspend", "suspend (3 days)", "who",
    ]  # fmt: skip
    assert f"by moderator {moderator.user.id}" in log.embeds[0]["fields"][0]["value"]
    assert "spam account" in log.embeds[0]["fields"][0]["value"]
    assert double.violations == []


async def test_a_forged_mod_payload_from_a_non_moderator_changes_nothing(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.register("bob")
    post_id = await _post(alice, "keep me")
    await _report(bob, post_id, "spam")
    posted = await double.wait_for_channel_message(safe_bot.reports_channel)  # type: ignore[attr-defined]
    commands = {c["name"]: c for c in double.registered_commands(double.guild_id)}
    before = (await _count(safe_bot, ModerationAction), await _count(safe_bot, Post))

    forged = [
        (COMMAND, {
            "id": commands["mod"]["id"], "name": "mod", "type": 1,
            "options": [{"name": "remove", "type": 1, "options": [
                {"name": "post", "type": 4, "value": post_id},
                {"name": "reason", "type": 3, "value": "forged"},
            ]}],
        }, None),
        (COMMAND, {
            "id": commands["mod"]["id"], "name": "mod", "type": 1,
            "options": [{"name": "suspend", "type": 1, "options": [
                {"name": "user", "type": 3, "value": "alice"},
                {"name": "reason", "type": 3, "value": "forged"},
            ]}],
        }, None),
        (COMPONENT, {"custom_id": posted.buttons[1][1], "component_type": 2}, posted.payload),
        (COMPONENT, {"custom_id": posted.buttons[0][1], "component_type": 2}, posted.payload),
    ]  # fmt: skip
    for kind, data, message in forged:
        payload = base_payload(
            double.world, interaction_type=kind, user=bob.user, channel=double.channel(),
            data=data, message=dict(message) if message else None,
        )  # fmt: skip
        reply = await (await double.send_interaction(payload)).message()
        assert reply.ephemeral and reply.content == "Only the bot's moderators can do that."
    assert (await _count(safe_bot, ModerationAction), await _count(safe_bot, Post)) == before
    assert _feed_bodies(await bob.run("feed")) == ["keep me"]
    assert "Logged in" in (await alice.login("alice")).content
    assert double.violations == []


async def test_the_report_button_on_a_post_opens_the_form(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    """The Report button on everyone else's post cards: a form, then the same report."""
    await alice.register("alice")
    await bob.register("bob")
    number = await _post(alice, "card")
    feed = await bob.run("feed")
    assert [label for label, _, _ in feed.buttons] == [
        "Reply",
        "Like",
        "Repost",
        "Report",
        "Newer",
        "Older",
    ]
    assert feed.button("Report") == f"mb:rp:{number}"
    modal = await (await double.click_button(bob.user, feed, feed.button("Report"))).modal()
    assert modal.title == f"Report post #{number}"
    submitted = await double.submit_modal(bob.user, modal, {"reason": "rude"})
    assert (await submitted.message()).content.startswith("Thank you. Report #1")
    assert double.violations == []


# -- server admins ---------------------------------------------------------------------------
async def test_server_admins_hide_an_account_in_their_server_only(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    admin = Person(double, double.add_user("owner", permissions=(1 << 5) | (1 << 11) | (1 << 10)))
    await alice.register("alice")
    await bob.register("bob")
    await _post(alice, "from alice")
    await _post(bob, "from bob")
    other_guild = double.add_guild("Elsewhere")
    await safe_bot.wait_until_ready()

    refused = await _sub(bob, "server", "hide", user="alice")
    assert refused.content == "You need the Manage Server permission for that."
    done = await _sub(admin, "server", "hide", user="alice")
    assert done.content.startswith("**alice**'s posts no longer appear")

    assert _feed_bodies(await bob.run("feed")) == ["from bob"]
    handle = await double.send_slash(bob.user, "feed", dm=True)
    assert _feed_bodies(await handle.message()) == ["from bob", "from alice"]
    elsewhere = await double.send_slash(bob.user, "feed", guild_id=other_guild.id)
    assert _feed_bodies(await elsewhere.message()) == ["from bob", "from alice"]

    hidden = await _sub(admin, "server", "hidden")
    assert hidden.embeds[0]["description"].startswith("**alice**, by <@")
    typed = await double.send_autocomplete(
        admin.user, "server", {"user": "a"}, focused="user", subcommand="unhide"
    )
    assert [c["value"] for c in await typed.choices()] == ["alice"]
    assert (await _sub(admin, "server", "unhide", user="alice")).content.startswith("**alice**")
    assert len(_feed_bodies(await bob.run("feed"))) == 2
    assert double.violations == []


# -- your account ----------------------------------------------------------------------------
async def _account_form(person: Person, subcommand: str, values: dict[str, str]) -> str:
    handle = await person.double.send_slash(person.user, "account", None, subcommand=subcommand)
    modal = await handle.modal()
    submitted = await person.double.submit_modal(person.user, modal, values)
    reply = await submitted.message()
    assert reply.ephemeral
    return reply.content


async def test_changing_the_password_ends_the_other_sessions(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.login("alice")  # a second Discord user on the same account
    wrong = await _account_form(
        alice, "password",
        {"current_password": "not it at all", "password": NEW_PASSWORD,
         "password_repeat": NEW_PASSWORD},
    )  # fmt: skip
    assert wrong == "That is not your current password. Nothing was changed."
    assert "**alice**" in (await bob.run("whoami")).content
    done = await _account_form(
        alice, "password",
        {"current_password": STRONG_PASSWORD, "password": NEW_PASSWORD,
         "password_repeat": NEW_PASSWORD},
    )  # fmt: skip
    assert done == (
        "Your password is changed; you stay logged in here. "
        "1 other chat session of this account ended."
    )
    assert "**alice**" in (await alice.run("whoami")).content
    assert (await bob.run("whoami")).content.startswith("You are not logged in")
    assert (await bob.login("alice")).content == "Incorrect username or password."
    assert (await bob.login("alice", NEW_PASSWORD)).content == "Logged in as **alice**."
    assert double.violations == []


async def test_the_export_holds_everything_stored_about_the_account(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.register("bob")
    bobs = await _post(bob, "hello from bob")
    await _post(alice, "my first post")
    await alice.run("block", user="bob")
    await alice.run("unblock", user="bob")
    await alice.run("mute", user="bob")
    await _report(alice, bobs, "rude")
    reply = await _sub(alice, "account", "export")
    assert reply.ephemeral
    (attachment,) = reply.attachments
    assert attachment["filename"] == "microblog-alice.json"
    data = json.loads(double.attachment_bytes(attachment))
    assert data["profile"]["username"] == "alice"
    assert [p["body"] for p in data["posts"]] == ["my first post"]
    assert data["posts"][0]["written_by_discord_user"] == str(alice.user.id)
    assert [m["username"] for m in data["muted"]] == ["bob"]
    assert data["blocked"] == []
    assert [(r["post_id"], r["reason"]) for r in data["reports_made"]] == [(bobs, "rude")]
    assert [s["chat_user_id"] for s in data["sessions"]] == [str(alice.user.id)]
    assert "password" not in json.dumps(data).lower()  # no hash, no secret
    assert double.violations == []


async def test_an_export_over_the_upload_limit_is_refused_clearly(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    await alice.register("alice")
    await _post(alice, "x" * 400)
    commands = {c["name"]: c for c in double.registered_commands(double.guild_id)}
    payload = base_payload(
        double.world, interaction_type=COMMAND, user=alice.user, channel=double.channel(),
        data={"id": commands["account"]["id"], "name": "account", "type": 1,
              "options": [{"name": "export", "type": 1}]},
    )  # fmt: skip
    payload["attachment_size_limit"] = 300  # a server whose limit is tiny
    reply = await (await double.send_interaction(payload)).message()
    assert reply.ephemeral and reply.attachments == []
    assert reply.content.startswith("Your export is larger than the")
    assert double.violations == []


async def _rows_referencing(
    database_url: str, account_id: int, post_ids: list[int], username: str
) -> list[str]:
    """Every row in every table that points at the account or its posts, or names it."""
    database = Database(database_url)
    found: list[str] = []
    try:
        async with database.read() as session:
            for table in Base.metadata.sorted_tables:
                for column in table.columns:
                    targets = {fk.column.table.name for fk in column.foreign_keys}
                    ids = (
                        [account_id] if "account" in targets
                        else post_ids if "post" in targets
                        else []
                    )  # fmt: skip
                    if table.name == "account" and column.name == "id":
                        ids = [account_id]
                    if table.name == "post" and column.name == "id":
                        ids = post_ids
                    if ids:
                        count = await session.scalar(
                            select(func.count()).select_from(table).where(column.in_(ids))
                        )
                        if count:
                            found.append(f"{table.name}.{column.name}: {count}")
                    named = table.name == "account" and column.name == "username"
                    if named and await session.scalar(
                        select(func.count()).select_from(table).where(column == username)
                    ):
                        found.append("account.username")
    finally:
        await database.dispose()
    return found


async def test_deleting_the_account_leaves_no_row_that_references_it(
    safe_bot: MicroblogBot,
    double: DiscordDouble,
    database_url: str,
    alice: Person,
    bob: Person,
    carol: Person,
    moderator: Person,
) -> None:
    await alice.register("alice")
    await bob.register("bob")
    await carol.login("alice")  # another Discord user's session on the account
    alice_posts = [await _post(alice, "one"), await _post(alice, "two")]
    bobs = await _post(bob, "bob's")
    await alice.run("block", user="bob")
    await bob.run("mute", user="alice")
    await _report(alice, bobs, "rude")
    await _report(bob, alice_posts[0], "spam")
    await _sub(moderator, "mod", "remove", post=alice_posts[1], reason="off-topic")
    admin = Person(double, double.add_admin("owner"))
    await _sub(admin, "server", "hide", user="alice")
    async with safe_bot.services.database.read() as session:
        alice_id = await session.scalar(select(Account.id).where(Account.username == "alice"))
    assert alice_id is not None

    missing = await _account_form(
        alice, "delete", {"password": STRONG_PASSWORD, "confirm": "delete"}
    )
    assert missing == "Type DELETE in capitals to confirm. Nothing was deleted."
    wrong = await _account_form(alice, "delete", {"password": "not it at all", "confirm": "DELETE"})
    assert wrong == "That is not your current password. Nothing was changed."
    assert await _rows_referencing(database_url, alice_id, alice_posts, "alice") != []

    gone = await _account_form(alice, "delete", {"password": STRONG_PASSWORD, "confirm": "DELETE"})
    assert gone.startswith("The account **alice** is deleted")
    assert await _rows_referencing(database_url, alice_id, alice_posts, "alice") == []
    # Others keep what is theirs; the moderation log keeps the action, unlinked.
    assert _feed_bodies(await bob.run("feed")) == ["bob's"]
    assert (await carol.run("whoami")).content.startswith("You are not logged in")
    log = await _sub(moderator, "mod", "log")
    assert any("remove_post" in f["name"] for f in log.embeds[0]["fields"])
    assert await _count(safe_bot, ModerationAction) == 1
    # The name is free again.
    assert (await carol.register("alice")).content.startswith("Welcome, **alice**")
    assert double.violations == []
