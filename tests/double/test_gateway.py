"""Gateway resilience: drops, op 7, op 9, heartbeats, and sharding with the real client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import aiohttp
from discord.ext import commands

from discord_double import DiscordDouble, User, running_bot

from .sample_bot import SampleBot


async def _until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Client-side state is not announced to the double, so poll it briefly."""
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_drop_resumes_and_loses_nothing(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    assert await double.drop_gateway() == 1
    # Dispatched while no socket is up: buffered, then replayed on RESUME.
    it = await double.send_slash(alice, "ping")
    resumed = await double.wait_for_gateway("RESUMED")
    assert resumed.detail["replayed"] >= 1
    assert (await it.message()).content == "pong"
    resume = double.gateway.events("RESUME")[0]
    assert resume.session_id == double.identifies[0].session_id
    assert len(double.identifies) == 1  # resumed, not re-identified
    await _until(lambda: "resumed" in sample_bot.events)
    assert double.violations == []


async def test_drop_with_a_close_code_also_resumes(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    await double.drop_gateway(close_code=4000)
    await double.wait_for_gateway("RESUMED")
    it = await double.send_slash(alice, "ping")
    assert (await it.message()).content == "pong"


async def test_op7_reconnect_resumes_on_the_resume_url(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    assert await double.send_reconnect() == 1
    await double.wait_for_gateway("RESUMED")
    connects = double.gateway.events("CONNECT")
    assert [event.detail["path"] for event in connects] == ["/", "/resume"]
    assert connects[0].detail["query"]["v"] == "10"
    it = await double.send_slash(alice, "ping")
    assert (await it.message()).content == "pong"
    assert len(double.identifies) == 1


async def test_op9_invalid_session_forces_a_fresh_identify(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    await double.invalidate_session(resumable=False)
    await double.wait_for_gateway("IDENTIFY", count=2)
    await double.wait_for_ready()
    first, second = double.identifies
    assert first.session_id != second.session_id
    it = await double.send_slash(alice, "ping")
    assert (await it.message()).content == "pong"


async def test_resumable_invalid_session_resumes(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    await double.invalidate_session(resumable=True)
    await double.wait_for_gateway("RESUMED")
    assert len(double.identifies) == 1


async def test_heartbeats_are_acknowledged(double: DiscordDouble, sample_bot: SampleBot) -> None:
    await _until(lambda: sample_bot.latency != float("inf"))  # HELLO's heartbeat was ACKed

    def heartbeats() -> int:
        return sum(1 for frame in double.gateway.received if frame["op"] == 1)

    assert heartbeats() == 1
    await double.request_heartbeat()
    await _until(lambda: heartbeats() == 2)


async def test_identify_with_a_wrong_token_is_closed_4004(double: DiscordDouble) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(double.gateway_url + "?v=10&encoding=json") as ws,
    ):
        hello = await ws.receive_json()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 2_000
        await ws.send_str(json.dumps({"op": 2, "d": {"token": "nope", "intents": 0}}))
        closing = await ws.receive()
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert closing.data == 4004
    assert double.identifies == []


async def test_a_guild_joined_while_connected_reaches_the_client(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    guild = await double.join_guild("Second")
    await _until(lambda: sample_bot.get_guild(guild.id) is not None)
    channel = double.add_channel("news", guild_id=guild.id)
    await double.announce_channel(channel)
    await _until(lambda: sample_bot.get_channel(channel.id) is not None)


async def test_a_restarted_bot_takes_over_with_a_fresh_identify(
    double: DiscordDouble, alice: User
) -> None:
    async with running_bot(SampleBot(), double):
        pass
    # discord.py closes with 4000 while polling, so Discord keeps the old session resumable;
    # a new process IDENTIFYs and replaces it for its shard.
    restarted = SampleBot()
    async with running_bot(restarted, double):
        assert len(double.identifies) == 2
        assert len(double.command_puts) == 2  # SampleBot syncs in every setup_hook
        it = await double.send_slash(alice, "ping")
        assert (await it.message()).content == "pong"
    assert double.violations == []


async def test_auto_sharded_bot_gets_every_shard_ready() -> None:
    async with DiscordDouble(recommended_shards=2, heartbeat_interval_ms=2_000) as double:
        while len({(g.id >> 22) % 2 for g in double.world.guilds.values()}) < 2:
            double.add_guild(f"guild {len(double.world.guilds)}")
            await asyncio.sleep(0.001)  # next millisecond, next snowflake parity
        alice = double.add_user("alice")
        bot = ShardedSampleBot()
        async with running_bot(bot, double):
            assert await double.wait_for_shards(2) == {0, 1}
            assert sorted(record.shard for record in double.identifies) == [(0, 2), (1, 2)]
            assert "/gateway/bot" in [request.path for request in double.requests]
            for guild in double.world.guilds.values():
                client_guild = bot.get_guild(guild.id)
                assert client_guild is not None
                assert client_guild.shard_id == (guild.id >> 22) % 2
                channel_id = guild.channels[0].id
                it = await double.send_slash(alice, "ping", channel_id=channel_id)
                assert (await it.message()).content == "pong"
            await double.drop_gateway(shard_id=1)
            await double.wait_for_gateway("RESUMED")
            assert double.violations == []
        assert double.internal_errors == []


class ShardedSampleBot(commands.AutoShardedBot, SampleBot):
    """The sample bot, sharded (shard_count from GET /gateway/bot)."""
