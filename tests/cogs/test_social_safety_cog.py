"""The social graph under trust and safety, end to end (real discord.py client, the loopback
Discord, both databases): blocked pairs and server hides in /follow, /home, /profile,
/followers and /following."""

from __future__ import annotations

from bot.front.client import MicroblogBot
from discord_double import DiscordDouble, RecordedMessage
from tests.cogs.conftest import Person, bodies
from tests.conftest import FakeClock

MANAGE_SERVER = (1 << 5) | (1 << 11) | (1 << 10)  # Manage Server, send and read messages


def _bodies(message: RecordedMessage) -> list[str]:
    return [body.split("\n")[0] for body in bodies(message)]


def _people(message: RecordedMessage) -> list[str]:
    """The usernames a /followers or /following page lists."""
    lines = message.texts[0].splitlines()[1:]
    return [line.split("**")[1].replace("\\", "") for line in lines if "**" in line]


async def test_a_blocked_pair_cannot_follow_or_see_each_other_anywhere_in_the_graph(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    carol = Person(double, double.add_user("carol_discord"))
    people = {"alice": alice, "bob": bob, "carol": carol}
    for name, person in people.items():
        await person.register(name)
        await person.run("post", content=f"{name} says hi")
    for follower, followed in [
        ("alice", "bob"), ("bob", "alice"), ("carol", "alice"), ("carol", "bob"),
        ("alice", "carol"), ("bob", "carol"),
    ]:  # fmt: skip
        await people[follower].run("follow", user=followed)
    # Before: they see each other everywhere.
    assert "bob says hi" in _bodies(await alice.run("home"))
    assert _bodies(await alice.run("profile", user="bob")) == ["bob says hi"]
    assert _people(await alice.run("followers", user="carol")) == ["bob", "alice"]

    blocked = await alice.run("block", user="bob")
    assert blocked.content.startswith("Blocked **bob**.")
    for person, other in ((alice, "bob"), (bob, "alice")):
        refused = await person.run("follow", user=other)
        assert refused.ephemeral
        assert refused.content == "You cannot interact with that account."

    assert _bodies(await alice.run("home")) == ["carol says hi", "alice says hi"]
    assert _bodies(await bob.run("home")) == ["carol says hi", "bob says hi"]
    assert _bodies(await carol.run("home")) == ["carol says hi", "bob says hi", "alice says hi"]

    bobs_profile = await alice.run("profile", user="bob")
    assert _bodies(bobs_profile) == []
    assert "Followers: 1 · Following: 1" in bobs_profile.texts[0]  # carol; the block ended ours
    assert _bodies(await bob.run("profile", user="alice")) == []
    assert _bodies(await carol.run("profile", user="bob")) == ["bob says hi"]

    for who, other in ((alice, "bob"), (bob, "alice")):
        for command in ("followers", "following"):
            listed = _people(await who.run(command, user="carol"))
            assert other not in listed and len(listed) == 1, (command, listed)
        assert _people(await who.run("followers")) == ["carol"]
        assert _people(await who.run("following")) == ["carol"]
    assert sorted(_people(await carol.run("followers"))) == ["alice", "bob"]
    assert double.violations == []


async def test_a_hidden_accounts_posts_are_absent_from_home_in_that_server_only(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    admin = Person(double, double.add_user("owner", permissions=MANAGE_SERVER))
    await alice.register("alice")
    await bob.register("bob")
    await alice.run("post", content="from alice")
    await bob.run("post", content="from bob")
    await bob.run("follow", user="alice")
    other_guild = double.add_guild("Elsewhere")
    await microblog.wait_until_ready()
    assert _bodies(await bob.run("home")) == ["from bob", "from alice"]

    hidden = await admin.run("server", subcommand="hide", user="alice")
    assert hidden.content.startswith("**alice**'s posts no longer appear")
    home = await bob.run("home")
    assert _bodies(home) == ["from bob"]
    assert _bodies(await bob.run("profile", user="alice")) == []
    assert _people(await bob.run("following")) == []  # hidden here, people lists too
    dm = await (await double.send_slash(bob.user, "home", dm=True)).message()
    assert _bodies(dm) == ["from bob", "from alice"]
    elsewhere = await double.send_slash(bob.user, "home", guild_id=other_guild.id)
    assert _bodies(await elsewhere.message()) == ["from bob", "from alice"]
    assert double.violations == []


async def test_someone_paging_a_shared_home_sees_only_what_they_may(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, clock: FakeClock
) -> None:
    carol = Person(double, double.add_user("carol_discord"))
    for person, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        await person.register(name)
    await carol.run("follow", user="alice")
    for n in range(6):
        for person, name in ((carol, "c"), (alice, "a")):
            await person.run("post", content=f"{name}{n}")
            clock.advance(seconds=1)
    await alice.run("block", user="bob")
    shared = await carol.run("home", share=True)
    newest_first = [f"{who}{n}" for n in range(5, -1, -1) for who in ("a", "c")]
    top = _bodies(shared)  # as many as the message can hold with their buttons
    assert top == newest_first[: len(top)] and len(top) >= 3
    rest = newest_first[len(top) :]
    page = await bob.click(shared, "Older")  # bob pages it: alice blocked him
    assert page.ephemeral and _bodies(page) == [b for b in rest if b.startswith("c")][:4]
    carols = _bodies(await carol.click(shared, "Older"))
    assert carols == rest[: len(carols)] and any(b.startswith("a") for b in carols)
    assert double.violations == []
