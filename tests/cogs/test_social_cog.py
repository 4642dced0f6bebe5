"""Following people through the real discord.py client, on SQLite and PostgreSQL:
/follow, /unfollow, /home, /profile, /followers, /following and the /account profile form."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.rules import BIO_MAX_CHARS, DISPLAY_NAME_MAX_CHARS
from bot.front.client import MicroblogBot
from bot.services.social import PEOPLE_PAGE_SIZE
from discord_double import DiscordDouble, RecordedMessage, choice_names
from tests.cogs.conftest import BotFactory, Person, bodies, post_cards
from tests.conftest import FakeClock

_FACTS = re.compile(
    r"^-# Joined <t:\d+:D> · Posts: (?P<Posts>\d+) · Followers: (?P<Followers>\d+) · "
    r"Following: (?P<Following>\d+)$"
)


def _bodies(message: RecordedMessage) -> list[str]:
    return [body.split("\n")[0] for body in bodies(message)]


def _about(message: RecordedMessage) -> list[str]:
    """A profile card's first text: heading, @username, bio, facts, how you two relate."""
    return next(text for text in message.texts if text.startswith("## ")).splitlines()


def _field(message: RecordedMessage, name: str) -> str:
    """One of a profile's counts (Posts, Followers, Following), or "You and them"."""
    about = _about(message)
    if name == "You and them":
        return about[-1]
    facts = next(m for m in map(_FACTS.match, about) if m is not None)
    return facts[name]


def _people(message: RecordedMessage) -> list[str]:
    lines = message.texts[0].splitlines()[1:]
    return [line.split("**")[1].replace("\\", "") for line in lines if "**" in line]


async def _account_form(double: DiscordDouble, person: Person) -> Any:
    handle = await double.send_slash(person.user, "account", subcommand="profile")
    return await handle.modal()


async def test_follow_unfollow_answers_privately_and_refuses_clearly(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.register("bob_the.builder")
    followed = await alice.run("follow", user="BOB_the.builder")
    assert followed.ephemeral
    assert followed.content == (
        "You now follow **bob\\_the.builder**. Their posts appear in /home."
    )
    again = await alice.run("follow", user="bob_the.builder")
    assert again.content == "You already follow **bob\\_the.builder**."
    yourself = await alice.run("follow", user="alice")
    assert yourself.ephemeral
    assert yourself.content.startswith("You cannot follow yourself")
    unknown = await alice.run("follow", user="nobody")
    assert unknown.ephemeral and unknown.content == "There is no user called 'nobody'."
    profile = await alice.run("profile", user="bob_the.builder")
    assert _field(profile, "Followers") == "1"

    gone = await alice.run("unfollow", user="bob_the.builder")
    assert gone.ephemeral and gone.content == "You no longer follow **bob\\_the.builder**."
    not_following = await alice.run("unfollow", user="bob_the.builder")
    assert not_following.content == "You were not following **bob\\_the.builder**."
    stranger = Person(double, double.add_user("carol_discord"))
    refused = await stranger.run("follow", user="alice")
    assert refused.content == "You are not logged in. Use /login first."
    assert double.violations == []


async def test_home_pages_both_ways_in_place_and_after_a_restart(
    start_microblog: BotFactory,
    double: DiscordDouble,
    alice: Person,
    bob: Person,
    clock: FakeClock,
) -> None:
    carol = Person(double, double.add_user("carol_discord"))
    async with start_microblog():
        await alice.register("alice")
        await bob.register("bobby")
        await carol.register("carol")
        await alice.run("follow", user="bobby")
        for n in range(12):
            author = (alice, bob, carol)[n % 3]
            await author.run("post", content=f"post {n}")
            clock.advance(seconds=1)
        home = await alice.run("home")
        assert home.ephemeral
        assert home.texts[0].startswith("## Home timeline of alice\n")
        # carol's posts (2, 5, 8, 11) are not there: alice does not follow her.
        # Four cards fill Discord's 40 components; the next page goes on right behind them.
        assert _bodies(home) == ["post 10", "post 9", "post 7", "post 6"]
        # Reply, Like and Repost under every post; Report under bob's (10, 7), Edit and
        # Delete under her own (9, 6).
        talk = ["Reply", "Like", "Repost"]
        bobs, hers = [*talk, "Report"], [*talk, "Edit", "Delete"]
        rows = [*bobs, *hers, *bobs, *hers]
        assert [label for label, _, _ in home.buttons] == [*rows, "Newer", "Older"]
        assert home.buttons[-2][2] is True  # nothing newer than the top
        older = await alice.click(home, "Older")
        assert older.id == home.id  # a private page is updated in place
        assert _bodies(older) == ["post 4", "post 3", "post 1", "post 0"]
        assert older.buttons[-1][2] is True  # the end
    async with start_microblog():  # a new process: the buttons still work
        newer = await alice.click(double.message(home.id), "Newer")
        assert _bodies(newer) == ["post 10", "post 9", "post 7", "post 6"]
        assert all(len(custom_id or "") <= 100 for _, custom_id, _ in newer.buttons)
    assert double.violations == []


async def test_shared_home_stays_put_and_clickers_page_privately(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, clock: FakeClock
) -> None:
    await alice.register("alice")
    for n in range(7):
        await alice.run("post", content=f"a{n}")
        clock.advance(seconds=1)
    shared = await alice.run("home", share=True)
    assert not shared.ephemeral
    assert shared.allowed_mentions == {"parse": []}
    page = await bob.click(shared, "Older")  # bob is not logged in: timelines are public
    assert page.ephemeral and page.id != shared.id
    assert page.texts[0].startswith("## Home timeline of alice\n")
    assert _bodies(page) == ["a2", "a1", "a0"]  # alice's own page held four of hers
    assert _bodies(double.message(shared.id)) == ["a6", "a5", "a4", "a3"]
    needs_login = await bob.run("home")
    assert needs_login.content == "You are not logged in. Use /login first."
    assert double.violations == []


async def test_profile_counts_bio_flags_and_follow_button(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, clock: FakeClock
) -> None:
    await alice.register("alice")
    await bob.register("bobby")
    for n in range(4):
        await bob.run("post", content=f"bob says {n}")
        clock.advance(seconds=1)
    await bob.run("follow", user="alice")
    form = await _account_form(double, bob)
    saved = await (
        await double.submit_modal(
            bob.user, form, {"display_name": "Bob **the** Builder", "bio": "I build.\nI fix."}
        )
    ).message()
    assert saved.ephemeral and saved.texts[0].startswith("Profile saved")

    profile = await alice.run("profile", user="BOBBY")
    assert profile.ephemeral
    about = _about(profile)
    assert about[0] == r"## Bob \*\*the\*\* Builder"  # a name, not markdown
    assert about[1] == "@bobby"  # identity: the username, always
    assert about[2:4] == ["I build.", "I fix."]
    assert (_field(profile, "Posts"), _field(profile, "Followers")) == ("4", "0")
    assert _field(profile, "Following") == "1"
    assert _field(profile, "You and them") == "You do not follow them; they follow you."
    assert _bodies(profile) == ["bob says 3", "bob says 2", "bob says 1"]
    assert post_cards(profile)[0][1].startswith(r"**Bob \*\*the\*\* Builder** @bobby · ")

    followed = await alice.click(profile, "Follow")
    assert followed.id == profile.id  # updated in place
    assert _field(followed, "Followers") == "1"
    assert _field(followed, "You and them") == "You follow them; they follow you."
    assert [label for label, _, _ in followed.buttons] == ["Unfollow"]
    unfollowed = await alice.click(followed, "Unfollow")
    assert _field(unfollowed, "Followers") == "0"
    assert [label for label, _, _ in unfollowed.buttons] == ["Follow"]

    own = await bob.run("profile")
    assert own.buttons == []  # no Follow button on your own profile
    assert _field(own, "You and them").startswith("This is you")
    ghost = await alice.run("profile", user="ghost")
    assert ghost.content == "There is no user called 'ghost'."
    assert double.violations == []


async def test_account_profile_form_limits_match_the_service(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    await alice.register("alice")
    form = await _account_form(double, alice)
    assert form.input("display_name").max_length == DISPLAY_NAME_MAX_CHARS
    assert form.input("bio").max_length == BIO_MAX_CHARS
    assert not form.input("display_name").required and not form.input("bio").required

    async def submit(values: dict[str, str], *, hostile: bool = False) -> RecordedMessage:
        opened = await _account_form(double, alice)
        handle = await double.submit_modal(
            alice.user, opened, values, enforce_client_rules=not hostile
        )
        return await handle.message()

    refusals = {
        "\u200b\u200b": "A display name needs some visible text (or leave it empty).",
        "   ": "A display name needs some visible text (or leave it empty).",
        "bad\u202ename": "Display names cannot contain control characters.",
    }
    for display_name, message in refusals.items():
        refused = await submit({"display_name": display_name, "bio": ""})
        assert refused.ephemeral and refused.content == message
    # A client that skips Discord's length check meets the service's.
    too_long = await submit({"display_name": "x" * 33, "bio": ""}, hostile=True)
    assert too_long.content == "Display names can be at most 32 characters; yours has 33."
    long_bio = await submit({"display_name": "", "bio": "b" * 301}, hostile=True)
    assert long_bio.content == "A bio can be at most 300 characters; yours has 301."

    saved = await submit({"display_name": "x" * 32, "bio": "b" * 300})
    assert _about(saved)[0] == "## " + "x" * 32
    prefilled = await _account_form(double, alice)
    assert prefilled.input("display_name").value == "x" * 32
    assert prefilled.input("bio").value == "b" * 300
    cleared = await submit({"display_name": "", "bio": ""})
    assert _about(cleared)[:2] == ["## alice", "No bio yet."]
    stranger = await double.send_slash(double.add_user("nobody"), "account", subcommand="profile")
    assert (await stranger.message()).content == "You are not logged in. Use /login first."
    assert double.violations == []


async def test_display_names_never_stand_in_for_usernames(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.register("bobby")
    form = await _account_form(double, bob)
    await (await double.submit_modal(bob.user, form, {"display_name": "alice"})).message()
    # /follow takes usernames only: "alice" is alice, whatever bob calls himself.
    followed = await alice.run("follow", user="alice")
    assert followed.content.startswith("You cannot follow yourself")
    by_display_name = await bob.run("follow", user="Bob")
    assert by_display_name.content == "There is no user called 'Bob'."
    await bob.run("follow", user="alice")
    listed = await alice.run("followers")
    assert "**bobby** · alice" in listed.texts[0]  # username first, always
    await bob.run("post", content="hello")
    home = await bob.run("home")
    assert post_cards(home)[0][1].startswith("**alice** @bobby · ")  # beside, never instead
    assert double.violations == []


async def test_followers_and_following_lists_page(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    await alice.register("alice")
    fans = [f"fan{n:02d}" for n in range(PEOPLE_PAGE_SIZE + 2)]
    for name in fans:
        fan = Person(double, double.add_user(f"{name}_discord"))
        await fan.register(name)
        await fan.run("follow", user="alice")
        await alice.run("follow", user=name)
        clock.advance(seconds=1)
    newest_first = fans[::-1]
    followers = await alice.run("followers")
    assert followers.ephemeral
    assert followers.texts[0].startswith(f"## alice has {len(fans)} followers\n")
    assert _people(followers) == newest_first[:PEOPLE_PAGE_SIZE]
    rest = await alice.click(followers, "Older")
    assert rest.id == followers.id
    assert _people(rest) == newest_first[PEOPLE_PAGE_SIZE:]
    back = await alice.click(rest, "Newer")
    assert _people(back) == newest_first[:PEOPLE_PAGE_SIZE]

    following = await alice.run("following", user="fan00")
    assert following.texts[0].startswith("## fan00 follows 1 account\n")
    assert _people(following) == ["alice"]
    assert all(disabled for _, _, disabled in following.buttons)
    mine = await alice.run("following")
    assert _people(mine) == newest_first[:PEOPLE_PAGE_SIZE]
    assert double.violations == []


async def test_usernames_autocomplete_in_every_people_command(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.register("albert")
    await Person(double, double.add_user("x")).register("bobby")
    for command in ("follow", "unfollow", "profile", "followers", "following"):
        handle = await double.send_autocomplete(alice.user, command, {"user": "AL"}, focused="user")
        assert choice_names(await handle.choices()) == ["albert", "alice"], command
    assert double.violations == []
