"""/digest and the scheduler end to end: real discord.py client, loopback Discord, fake clock.

The scheduler's background loop is off; each test runs ``bot.scheduler.tick()`` after
moving the clock, so nothing sleeps through real intervals.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.front.client import MicroblogBot
from discord_double import DiscordDouble, RecordedMessage
from tests.cogs.conftest import BotFactory, Person, bodies
from tests.conftest import FakeClock

SUPPRESS_NOTIFICATIONS = 1 << 12
MANAGE_CHANNELS = 1 << 4


@pytest.fixture
async def quiet_bot(start_microblog: BotFactory) -> AsyncIterator[MicroblogBot]:
    async with start_microblog(run_scheduler=False) as bot:
        yield bot


@pytest.fixture
def admin(double: DiscordDouble) -> Person:
    return Person(double, double.add_admin("moderator"))


async def _subscribe(admin: Person, double: DiscordDouble, **options: object) -> RecordedMessage:
    values: dict[str, object] = {"channel": double.channel_id, "interval": "1h"}
    values.update(options)
    handle = await double.send_slash(admin.user, "digest", values, subcommand="subscribe")
    return await handle.message()


async def _digest(person: Person, subcommand: str, **options: object) -> RecordedMessage:
    handle = await person.double.send_slash(
        person.user, "digest", options or None, subcommand=subcommand
    )
    return await handle.message()


async def _one_post_due(admin: Person, alice: Person, clock: FakeClock) -> None:
    """A subscription on the default channel, one new post, and its summary due now."""
    await _subscribe(admin, admin.double)
    await alice.register("alice")
    await alice.run("post", content="hello")
    clock.advance(hours=1)


def _summaries(double: DiscordDouble) -> list[RecordedMessage]:
    return double.channel_messages(double.channel_id)


async def test_posted_at_the_interval_silently_and_not_before(
    quiet_bot: MicroblogBot, double: DiscordDouble, admin: Person, alice: Person, clock: FakeClock
) -> None:
    confirmation = await _subscribe(admin, double)
    assert confirmation.ephemeral and confirmation.content.startswith("Summary #1: all posts in")
    await alice.register("alice")
    for n in range(7):
        await alice.run("post", content=f"news {n} @everyone")
        clock.advance(seconds=1)
    clock.advance(minutes=59)  # 59 min 7 s after subscribing: not yet
    assert await quiet_bot.scheduler.tick() == 0
    assert _summaries(double) == []
    clock.advance(minutes=1)
    assert await quiet_bot.scheduler.tick() == 1
    (summary,) = _summaries(double)
    assert summary.components_v2 and not summary.content and not summary.embeds
    assert summary.texts[0] == "### Microblog: 7 new posts"
    assert bodies(summary) == [f"news {n} @everyone" for n in (6, 5, 4, 3, 2)]
    assert summary.texts[-1] == "-# …and 2 more. Read everything with /feed."
    assert summary.flags & SUPPRESS_NOTIFICATIONS
    assert summary.allowed_mentions == {"parse": []}
    # Nothing new: nothing posted at the next interval.
    clock.advance(hours=1)
    assert await quiet_bot.scheduler.tick() == 0
    assert len(_summaries(double)) == 1
    assert double.violations == []


async def test_only_channel_managers_may_change_subscriptions(
    quiet_bot: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    (digest,) = [c for c in double.registered_commands(double.guild_id) if c["name"] == "digest"]
    assert int(digest["default_member_permissions"]) == MANAGE_CHANNELS
    # An admin may have shown the command to everyone: the check still refuses.
    refused = await _subscribe(alice, double)
    assert refused.ephemeral
    assert refused.content == "You need the Manage Channels permission for that."
    assert "None yet" in (await _digest(alice, "list")).embeds[0]["description"]


@pytest.mark.parametrize("interval", ["10m", "8d", "every now and then"])
async def test_intervals_outside_the_range_are_refused(
    quiet_bot: MicroblogBot, double: DiscordDouble, admin: Person, interval: str
) -> None:
    refused = await _subscribe(admin, double, interval=interval)
    assert refused.ephemeral
    assert "15 minutes and 7 days" in refused.content or "e.g. 30m, 6h or 1d" in refused.content


async def test_hostile_posts_stay_within_every_limit(
    start_microblog: BotFactory,
    double: DiscordDouble,
    admin: Person,
    alice: Person,
    clock: FakeClock,
) -> None:
    async with start_microblog(
        run_scheduler=False, posts={"max_length": 4000}, digests={"posts_per_summary": 10}
    ) as bot:
        await _subscribe(admin, double)
        await alice.register("alice")
        nasty = [
            "```" + "x" * 1990,
            "**bold** __under__ ~~strike~~ ||spoiler|| " * 40,
            "<@&1> <@1> @everyone @here " * 60,
            "\u200b\u200d\u202e" * 600 + "visible",
            "# Heading\n" * 300,
            "w" * 4000,
        ]
        for body in nasty * 2:
            await alice.run("post", content=body[:4000])
            clock.advance(seconds=1)
        clock.advance(hours=1)
        assert await bot.scheduler.tick() == 1
    summary = _summaries(double)[0]
    assert sum(len(text) for text in summary.texts) <= 4000
    assert len(bodies(summary)) == 10  # no buttons on a summary: all ten fit, cut to share
    assert all(body for body in bodies(summary))
    assert double.violations == []


async def test_permission_loss_pauses_until_resume(
    quiet_bot: MicroblogBot, double: DiscordDouble, admin: Person, alice: Person, clock: FakeClock
) -> None:
    await _one_post_due(admin, alice, clock)
    double.fail_channel(double.channel_id, status=403, code=50013)
    assert await quiet_bot.scheduler.tick() == 0
    listing = (await _digest(admin, "list")).embeds[0]["fields"][0]["value"]
    assert "**Paused**: Discord refused access" in listing and "(error 50013)" in listing
    clock.advance(hours=3)
    assert await quiet_bot.scheduler.tick() == 0  # paused: not even tried
    resumed = await _digest(admin, "resume", subscription=1)
    assert resumed.content.startswith("Summary #1 in")
    assert await quiet_bot.scheduler.tick() == 1
    assert _summaries(double)[0].texts[0] == "### Microblog: 1 new post"


async def test_deleted_channel_removes_the_subscription(
    quiet_bot: MicroblogBot, double: DiscordDouble, admin: Person, alice: Person, clock: FakeClock
) -> None:
    await _one_post_due(admin, alice, clock)
    double.fail_channel(double.channel_id, status=404, code=10003)
    await quiet_bot.scheduler.tick()
    assert "None yet" in (await _digest(admin, "list")).embeds[0]["description"]


async def test_rate_limit_then_success_posts_once(
    quiet_bot: MicroblogBot, double: DiscordDouble, admin: Person, alice: Person, clock: FakeClock
) -> None:
    await _one_post_due(admin, alice, clock)
    double.fail_channel(double.channel_id, status=429, retry_after=0.05, method="POST")
    assert await quiet_bot.scheduler.tick() == 1  # discord.py waited as told, then sent
    assert len(_summaries(double)) == 1


async def test_server_errors_retry_later_with_the_same_nonce(
    start_microblog: BotFactory,
    double: DiscordDouble,
    admin: Person,
    alice: Person,
    clock: FakeClock,
) -> None:
    # discord.py itself retries a 5xx after sleeping 1 s or more; the send timeout (1 s)
    # gives up first, so the scheduler's own retry-with-backoff path is what runs here.
    async with start_microblog(run_scheduler=False, digests={"send_timeout_seconds": 1}) as bot:
        await _subscribe(admin, double)
        await alice.register("alice")
        await alice.run("post", content="hello")
        clock.advance(hours=1)
        double.fail_channel(double.channel_id, status=502, times=2, method="POST")
        assert await bot.scheduler.tick() == 0
        listing = (await _digest(admin, "list")).embeds[0]["fields"][0]["value"]
        assert "Last error (will retry): TimeoutError" in listing
        clock.advance(seconds=29)
        assert await bot.scheduler.tick() == 0  # backing off: 30 s after the first failure
        clock.advance(seconds=1)
        assert await bot.scheduler.tick() == 0  # the second 502
        clock.advance(seconds=60)
        assert await bot.scheduler.tick() == 1
    assert len(_summaries(double)) == 1
    attempts = [r for r in double.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(attempts) == 3
    assert len({r.json["nonce"] for r in attempts}) == 1


async def test_restart_between_ticks_keeps_subscriptions_and_position(
    start_microblog: BotFactory,
    double: DiscordDouble,
    admin: Person,
    alice: Person,
    clock: FakeClock,
) -> None:
    async with start_microblog(run_scheduler=False) as bot:
        await _subscribe(admin, double)
        await alice.register("alice")
        await alice.run("post", content="first")
        clock.advance(hours=1)
        assert await bot.scheduler.tick() == 1
    async with start_microblog(run_scheduler=False) as bot:
        await alice.run("post", content="second")
        clock.advance(hours=1)
        assert await bot.scheduler.tick() == 1
    second = _summaries(double)[1]
    assert second.texts[0] == "### Microblog: 1 new post"
    assert bodies(second) == ["second"]


async def test_preview_shows_the_next_summary_only_to_the_asker(
    quiet_bot: MicroblogBot, double: DiscordDouble, admin: Person, alice: Person
) -> None:
    await alice.register("alice")
    await _subscribe(admin, double, author="alice")
    nothing = await _digest(admin, "preview", subscription=1)
    assert nothing.content == "Nothing new since the last summary: nothing would be posted."
    await alice.run("post", content="preview me")
    preview = await _digest(admin, "preview", subscription=1)
    assert preview.ephemeral
    assert preview.texts[:2] == [
        "The next summary, if it were sent now:",
        "### Microblog: 1 new post from alice",
    ]
    assert _summaries(double) == []


async def test_a_slow_channel_does_not_hold_up_the_others(
    quiet_bot: MicroblogBot, double: DiscordDouble, admin: Person, alice: Person, clock: FakeClock
) -> None:
    other = double.add_channel("elsewhere")
    await double.announce_channel(other)
    await _subscribe(admin, double)
    await _subscribe(admin, double, channel=other.id)
    await alice.register("alice")
    await alice.run("post", content="hello both")
    clock.advance(hours=1)
    double.slow_channel(double.channel_id, seconds=3)  # this channel answers 3 s late
    tick = asyncio.create_task(quiet_bot.scheduler.tick())
    delivered = await double.wait_for_channel_message(other.id, timeout=1)
    assert delivered.texts[0] == "### Microblog: 1 new post"
    assert not tick.done()  # the slow channel is still waiting for its answer
    assert await tick == 2
