"""Where people can use the bot: installed by a server or by themselves, in servers, DMs and
group DMs; server administration stays in servers. The two context menus, and the link a
person chooses to make between their Discord profile and their microblog account."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.front.client import MicroblogBot
from discord_double import DiscordDouble
from tests.cogs.conftest import BotFactory, Person, bodies, post_cards, post_id
from tests.conftest import STRONG_PASSWORD

MICROBLOG = {"register", "login", "logout", "whoami", "post", "feed", "edit", "delete", "ping"}
SOCIAL = {"follow", "unfollow", "home", "profile", "followers", "following"}
SAFETY = {"block", "unblock", "mute", "unmute", "report"}
CONVERSATIONS = {"reply", "thread", "like", "unlike", "repost", "unrepost", "notifications"}
SEARCH = {"search", "trending"}
MENUS = {"Post to microblog", "Microblog profile"}


@pytest.fixture
async def global_bot(start_microblog: BotFactory) -> AsyncIterator[MicroblogBot]:
    """Commands synced globally, as in production: only global ones reach user installs."""
    async with start_microblog(discord={"dev_guild_id": None}) as bot:
        yield bot


async def test_commands_are_registered_with_both_install_types_and_the_right_contexts(
    global_bot: MicroblogBot, double: DiscordDouble
) -> None:
    commands = {c["name"]: c for c in double.registered_commands(None)}
    everywhere = MICROBLOG | SOCIAL | SAFETY | CONVERSATIONS | SEARCH | MENUS | {"account"}
    assert set(commands) == everywhere | {"digest", "server", "mod"}
    for name in everywhere:
        assert commands[name]["integration_types"] == [0, 1], name
        assert commands[name]["contexts"] == [0, 1, 2], name
    for name in ("digest", "server"):  # server administration
        assert commands[name]["integration_types"] == [0], name
        assert commands[name]["contexts"] == [0], name
    assert {commands[name]["type"] for name in MENUS} == {2, 3}


async def test_a_user_install_in_a_server_without_the_bot(
    global_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    elsewhere = double.add_guild("Somewhere else", with_bot=False)
    channel = elsewhere.channels[0].id
    await alice.register("alice")
    posted = await (
        await double.send_slash(alice.user, "post", {"content": "from afar"}, channel_id=channel)
    ).message()
    assert bodies(posted) == ["from afar"]
    handle = await double.send_slash(bob.user, "feed", {"share": True}, channel_id=channel)
    shared = await handle.message()
    assert set(handle.payload["authorizing_integration_owners"]) == {"1"}  # the user's own
    assert not shared.ephemeral and bodies(shared) == ["from afar"]
    # A card's buttons work there too: each click is another user-install interaction.
    asked = await alice.double.click_button(alice.user, posted, posted.button("Delete"))
    question = await asked.message()
    assert set(asked.payload["authorizing_integration_owners"]) == {"1"}
    deleted = await alice.click(question, "Yes, delete it")
    assert deleted.texts == [f"Deleted post #{post_id(posted)}."]
    with pytest.raises(ValueError, match="cannot be installed by a user"):
        await double.send_slash(bob.user, "digest", subcommand="list", channel_id=channel)
    assert double.violations == []  # at most five follow-ups, nothing a user app may not do


async def test_dms_and_group_dms(
    global_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    group = double.add_private_channel(alice.user, bob.user)
    opened = await double.send_slash(alice.user, "register", channel_id=group.id)
    form = await opened.modal()
    values = {"username": "alice", "password": STRONG_PASSWORD}
    values["password_repeat"] = values["password"]
    welcome = await (await double.submit_modal(alice.user, form, values)).message()
    assert "Welcome, **alice**" in welcome.content
    in_dm = await double.send_slash(alice.user, "post", {"content": "in a DM"}, dm=True)
    assert bodies(await in_dm.message()) == ["in a DM"]
    feed = await (await double.send_slash(bob.user, "feed", channel_id=group.id)).message()
    assert bodies(feed) == ["in a DM"]
    with pytest.raises(ValueError, match="not offered in context 1"):
        await double.send_slash(alice.user, "digest", subcommand="list", dm=True)
    assert double.violations == []


async def test_post_to_microblog_from_your_own_message_only(
    global_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    mine = await double.send_message(alice.user, "worth keeping\nline two")
    opened = await double.send_message_command(alice.user, "Post to microblog", mine)
    form = await opened.modal()
    assert form.input("content").value == "worth keeping\nline two"  # prefilled
    posted = await (await double.submit_modal(alice.user, form, {})).message()
    assert bodies(posted) == ["worth keeping\nline two"]
    theirs = await double.send_message(bob.user, "not yours")
    refused = await (
        await double.send_message_command(alice.user, "Post to microblog", theirs)
    ).message()
    assert refused.ephemeral and refused.content == "You can only post your own messages."
    assert double.violations == []


async def test_nothing_reveals_the_discord_user_behind_an_account_until_they_link_it(
    global_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    number = post_id(await alice.run("post", content="who wrote this?"))
    unlinked = await (
        await double.send_user_command(bob.user, "Microblog profile", alice.user)
    ).message()
    assert unlinked.ephemeral
    assert unlinked.content == r"Alice\_Discord shows no microblog account."  # a name, not markdown
    feed = await bob.run("feed")
    assert str(alice.user.id) not in str(feed.payload["components"])

    linked = await alice.run("account", subcommand="link", avatar=True)
    assert "Your Discord profile now shows **alice**" in linked.content
    profile = await (
        await double.send_user_command(bob.user, "Microblog profile", alice.user)
    ).message()
    assert profile.texts[0].startswith("## alice\nAlice\\_Discord on Discord · joined <t:")
    assert profile.texts[0].endswith("· 1 post")
    assert bodies(profile) == ["who wrote this?"]
    avatar = f"https://cdn.discordapp.com/embed/avatars/{(alice.user.id >> 22) % 6}.png"
    assert avatar in str((await bob.run("feed")).payload["components"])  # a thumbnail, by URL
    assert [p[0] for p in post_cards(profile)] == [number]

    gone = await alice.run("account", subcommand="unlink")
    assert gone.content.startswith("Your Discord profile no longer shows **alice**")
    again = await (
        await double.send_user_command(bob.user, "Microblog profile", alice.user)
    ).message()
    assert again.content == unlinked.content
    assert "cdn.discordapp.com" not in str((await bob.run("feed")).payload["components"])
    nothing = await alice.run("account", subcommand="unlink")
    assert nothing.content == "Your Discord profile shows no microblog account."
    assert double.violations == []


async def test_linking_needs_a_login_and_moves_with_the_account(
    global_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    refused = await alice.run("account", subcommand="link")
    assert refused.content == "You are not logged in. Use /login first."
    await alice.register("alice")
    await alice.run("account", subcommand="link")
    await bob.login("alice")  # the same account, from another Discord user
    await bob.run("account", subcommand="link")

    async def profile_of(person: Person) -> str:
        handle = await double.send_user_command(alice.user, "Microblog profile", person.user)
        answer = await handle.message()
        return answer.content or answer.texts[0].split("\n")[0]

    # One account is shown by one Discord user: the newest link replaced the first.
    assert await profile_of(alice) == r"Alice\_Discord shows no microblog account."
    assert await profile_of(bob) == "## alice"
    assert double.violations == []
