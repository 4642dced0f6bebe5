"""The heartbeat the bot writes and the verdict ``health`` draws from it, in-process.

A real bot on the loopback Discord and real databases (or a real server that never
answers); only the clock of the verdict is moved by hand, to judge staleness.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services, open_services
from bot.config import HealthSettings
from bot.db.engine import Database
from bot.front.client import MicroblogBot
from bot.ops.health import STALE_AFTER_INTERVALS, Heartbeat, check, probe_database
from discord_double import DiscordDouble, running_bot
from tests import databases
from tests.cogs.conftest import e2e_settings

INTERVAL = 0.2


@pytest.fixture
async def services(
    double: DiscordDouble, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Services]:
    url = databases.copy_sqlite(sqlite_template, tmp_path)
    async with open_services(e2e_settings(double, url)) as opened:
        yield opened


@pytest.fixture
def settings(tmp_path: Path) -> HealthSettings:
    return HealthSettings(file=str(tmp_path / "health.json"), interval_seconds=INTERVAL)


async def wait_for_verdict(settings: HealthSettings, healthy: bool, timeout: float = 5) -> float:
    """Seconds until ``check`` gives the wanted verdict."""
    started = time.perf_counter()
    while check(settings)[0] is not healthy:
        assert time.perf_counter() - started < timeout, check(settings)[1]
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def test_healthy_within_one_interval_of_ready_and_gone_on_stop(
    double: DiscordDouble, services: Services, settings: HealthSettings
) -> None:
    bot = MicroblogBot(services, guild_ready_timeout=0.05)
    assert check(settings) == (
        False,
        f"unhealthy: no heartbeat file at {settings.file} (bot not running or not started)",
    )
    async with Heartbeat(bot, services.database, settings) as heartbeat:
        await asyncio.sleep(INTERVAL / 2)
        healthy, line = check(settings)
        assert not healthy
        assert line == "unhealthy: gateway not connected (not ready yet)"
        async with running_bot(bot, double):
            to_healthy = await wait_for_verdict(settings, healthy=True)
            assert to_healthy <= INTERVAL + 0.1, to_healthy
            healthy, line = check(settings)
            assert line.startswith("healthy: gateway 1 shard(s), latency ")
            assert "; database SELECT 1 in " in line
        # The client closed (a gateway that is gone for good): the next beat says so.
        to_unhealthy = await wait_for_verdict(settings, healthy=False)
        assert to_unhealthy <= INTERVAL + 0.1, to_unhealthy
        assert check(settings)[1] == "unhealthy: gateway not connected (client closed)"
        await heartbeat.stop()
        assert not Path(settings.file).exists()
    print(f"\nready -> healthy: {to_healthy:.2f} s; closed -> unhealthy: {to_unhealthy:.2f} s")


async def test_a_database_that_fails_makes_the_bot_unhealthy(
    double: DiscordDouble, services: Services, settings: HealthSettings, tmp_path: Path
) -> None:
    broken = Database(f"sqlite+aiosqlite:///{tmp_path}/no/such/directory/microblog.db")
    bot = MicroblogBot(services, guild_ready_timeout=0.05)
    try:
        async with running_bot(bot, double), Heartbeat(bot, broken, settings) as heartbeat:
            record = await heartbeat.beat()
            assert record["gateway"]["ok"] and not record["database"]["ok"]
            healthy, line = check(settings)
    finally:
        await broken.dispose()
    assert not healthy
    assert line == (
        "unhealthy: database check failed (OperationalError: "
        "(sqlite3.OperationalError) unable to open database file)"
    )


async def test_a_database_that_never_answers_times_out() -> None:
    # A server that accepts connections and says nothing: a hung database, not a refusal.
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    database = Database(f"postgresql+asyncpg://nobody@127.0.0.1:{port}/none")
    try:
        started = time.perf_counter()
        probe = await probe_database(database, timeout=0.3)
        elapsed = time.perf_counter() - started
    finally:
        await database.dispose()
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
    assert probe.ok is False
    assert probe.detail == "SELECT 1 timed out after 0.3 s"
    assert elapsed < 1


async def test_a_heartbeat_older_than_three_intervals_is_stale(
    double: DiscordDouble, services: Services, settings: HealthSettings
) -> None:
    bot = MicroblogBot(services, guild_ready_timeout=0.05)
    async with running_bot(bot, double):
        record = await Heartbeat(bot, services.database, settings).beat()
    limit = STALE_AFTER_INTERVALS * INTERVAL
    assert check(settings, now=record["time"] + limit - 0.01)[0] is True
    healthy, line = check(settings, now=record["time"] + limit + 1)
    assert not healthy
    assert line == (
        f"unhealthy: heartbeat is 2 s old (limit {limit:g} s): "
        f"process {record['pid']} stopped or stuck"
    )


async def test_a_stuck_event_loop_goes_stale(
    double: DiscordDouble, services: Services, settings: HealthSettings
) -> None:
    bot = MicroblogBot(services, guild_ready_timeout=0.05)
    async with running_bot(bot, double), Heartbeat(bot, services.database, settings):
        await wait_for_verdict(settings, healthy=True)
        time.sleep(STALE_AFTER_INTERVALS * INTERVAL + 0.1)  # noqa: ASYNC251 (the stuck loop)
        # Checked from outside the loop, as the container's HEALTHCHECK would.
        healthy, line = check(settings)
    assert not healthy
    assert "stopped or stuck" in line


@pytest.mark.parametrize("content", ["", "{not json", '{"time": 1}', json.dumps([1, 2])])
def test_an_unreadable_heartbeat_file_is_unhealthy(settings: HealthSettings, content: str) -> None:
    Path(settings.file).write_text(content, encoding="utf-8")
    healthy, line = check(settings)
    assert not healthy
    assert line.startswith(f"unhealthy: unreadable heartbeat file {settings.file} (")
