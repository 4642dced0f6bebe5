"""A bounded history: the double keeps the newest ``history`` records of each kind, replays
what it kept on RESUME, and refuses (op 9, fresh IDENTIFY) a RESUME it can no longer serve."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest

from discord_double import DiscordDouble, running_bot

from .sample_bot import SampleBot

HISTORY = 16


@pytest.fixture
async def small() -> AsyncIterator[DiscordDouble]:
    async with DiscordDouble(heartbeat_interval_ms=2_000, history=HISTORY) as instance:
        yield instance
    assert instance.internal_errors == []


@pytest.fixture
async def bot(small: DiscordDouble) -> AsyncIterator[SampleBot]:
    client = SampleBot()
    seen: list[int] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message.id)

    client.add_listener(on_message)
    client.seen = seen  # type: ignore[attr-defined]
    async with running_bot(client, small):
        yield client


async def _until_seen(bot: SampleBot, ids: list[int]) -> None:
    """Client-side state is not announced to the double, so poll it briefly."""
    for _ in range(500):
        if set(ids) <= set(bot.seen):  # type: ignore[attr-defined]
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the bot never saw {ids}")


async def test_a_long_run_keeps_only_the_newest_records(
    small: DiscordDouble, bot: SampleBot
) -> None:
    alice = small.add_user("alice")
    handles = []
    for _ in range(3 * HISTORY):
        handle = await small.send_slash(alice, "ping")
        assert (await handle.message()).content == "pong"
        handles.append(handle)
    assert small.interactions == handles[-HISTORY:]
    assert len(small.requests) == HISTORY
    assert small.requests[-1].path.startswith(f"/interactions/{handles[-1].id}/")
    assert list(small.messages.values()) == [h.messages[0] for h in handles[-HISTORY:]]
    (session,) = small.gateway.live_sessions()
    assert [frame["s"] for frame in session.frames] == list(
        range(session.seq - HISTORY + 1, session.seq + 1)
    )
    assert len(small.gateway_log) <= HISTORY and len(small.gateway.received) <= HISTORY
    assert small.violations == []


async def test_a_resume_replays_what_the_history_kept(small: DiscordDouble, bot: SampleBot) -> None:
    alice = small.add_user("alice")
    await small.drop_gateway()
    sent = [int((await small.send_message(alice, f"hi {i}"))["id"]) for i in range(HISTORY - 1)]
    resumed = await small.wait_for_gateway("RESUMED")
    assert resumed.detail["replayed"] == HISTORY - 1
    await _until_seen(bot, sent)
    assert len(small.identifies) == 1


async def test_a_resume_the_history_cannot_serve_is_refused(
    small: DiscordDouble, bot: SampleBot
) -> None:
    alice = small.add_user("alice")
    await small.drop_gateway()
    for i in range(HISTORY + 1):
        await small.send_message(alice, f"lost {i}")
    refused = await small.wait_for_gateway("RESUME_REFUSED")
    assert "no longer buffered" in refused.detail["reason"]
    await small.wait_for_ready()
    assert len(small.identifies) == 2  # a fresh session, as Discord would start
    assert (await (await small.send_slash(alice, "ping")).message()).content == "pong"
    assert small.violations == []


async def test_a_socket_that_falls_too_far_behind_loses_its_session(
    small: DiscordDouble, bot: SampleBot
) -> None:
    alice = small.add_user("alice")
    (session,) = small.gateway.live_sessions()
    async with session.lock:  # as if the socket were stuck writing while events pile up
        piling = [
            asyncio.create_task(small.send_message(alice, f"piled {i}")) for i in range(HISTORY + 1)
        ]
        await asyncio.sleep(0.05)
    await asyncio.gather(*piling)
    lost = await small.wait_for_gateway("SESSION_LOST")
    assert lost.session_id == session.session_id and not session.alive
    await small.wait_for_gateway("IDENTIFY", count=2)
    await small.wait_for_ready()
    assert (await (await small.send_slash(alice, "ping")).message()).content == "pong"
    assert small.violations == []


def test_history_keeps_at_least_one_record() -> None:
    with pytest.raises(ValueError, match="at least one"):
        DiscordDouble(history=0)


async def test_a_session_buffer_always_holds_its_ready() -> None:
    async with DiscordDouble(heartbeat_interval_ms=2_000, history=2) as tiny:
        for number in range(3):
            tiny.add_guild(f"guild {number}")  # READY and four GUILD_CREATEs: five frames
        client = SampleBot()
        async with running_bot(client, tiny):
            assert {guild.id for guild in client.guilds} == set(tiny.guilds)
            assert len(tiny.identifies) == 1
        assert tiny.internal_errors == []
