"""``python -m bot db upgrade`` and ``python -m bot health`` as operators run them: processes.

(check-config is covered in tests/cli/test_run_process.py.)
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import open_services
from bot.config import HealthSettings
from bot.db.migrate import alembic_config
from bot.front.client import MicroblogBot
from bot.ops.health import Heartbeat
from discord_double import DiscordDouble, running_bot
from tests import databases
from tests.cogs.conftest import e2e_settings
from tests.ops.commands import bot_command


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head
    return head


async def test_db_upgrade_creates_the_sqlite_schema_once(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[database]\nurl = "sqlite:///data/microblog.db"\n')
    (tmp_path / "data").mkdir()
    for _ in range(2):  # the second run finds nothing to do and says the same
        code, out, err = await bot_command("db", "upgrade", cwd=tmp_path)
        assert (code, out) == (0, [f"Database at revision {head_revision()}."]), err
    with sqlite3.connect(tmp_path / "data" / "microblog.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"account", "chat_session", "post", "rate_event", "alembic_version"} <= tables


@pytest.mark.postgres
async def test_db_upgrade_migrates_an_empty_postgres_database(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    plain_url = empty_postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    code, out, err = await bot_command("db", "upgrade", cwd=tmp_path, DATABASE_URL=plain_url)
    assert (code, out) == (0, [f"Database at revision {head_revision()}."]), err
    engine = create_async_engine(empty_postgres_url)
    try:
        async with engine.connect() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            posts = await connection.scalar(text('SELECT count(*) FROM "post"'))
    finally:
        await engine.dispose()
    assert (version, posts) == (head_revision(), 0)


async def test_db_upgrade_with_an_unreachable_database_fails(tmp_path: Path) -> None:
    code, _, err = await bot_command(
        "db", "upgrade", cwd=tmp_path, DATABASE_URL="sqlite:///no/such/dir/microblog.db"
    )
    assert code != 0
    assert "unable to open database file" in "\n".join(err)


async def test_health_without_a_running_bot_fails_with_one_line(tmp_path: Path) -> None:
    code, out, err = await bot_command("health", cwd=tmp_path)
    assert (code, out, err) == (
        1,
        ["unhealthy: no heartbeat file at microblog-health.json (bot not running or not started)"],
        [],
    )


async def test_health_passes_while_the_bot_beats_and_fails_once_it_stops(
    tmp_path: Path, sqlite_template: Path, double: DiscordDouble
) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('[health]\nfile = "beat.json"\ninterval_seconds = 0.2\n')
    health = HealthSettings(file=str(tmp_path / "beat.json"), interval_seconds=0.2)
    settings = e2e_settings(double, databases.copy_sqlite(sqlite_template, tmp_path))
    async with open_services(settings) as services:
        bot = MicroblogBot(services, guild_ready_timeout=0.05)
        async with running_bot(bot, double), Heartbeat(bot, services.database, health) as beat:
            await beat.beat()
            # The config comes from MICROBLOG_CONFIG, as in the image.
            code, out, _ = await bot_command("health", cwd=tmp_path, MICROBLOG_CONFIG=str(config))
            assert code == 0, out
            assert len(out) == 1 and out[0].startswith("healthy: gateway 1 shard(s)")
            await beat.stop()
            code, out, _ = await bot_command("health", "--config", str(config), cwd=tmp_path)
            assert code == 1
            assert out == [
                "unhealthy: no heartbeat file at beat.json (bot not running or not started)"
            ]


async def test_health_reports_a_stale_heartbeat(tmp_path: Path) -> None:
    # A heartbeat a dead process left behind: written a minute ago, never refreshed.
    record = {
        "time": time.time() - 60,
        "pid": 4242,
        "gateway": {"ok": True, "detail": "1 shard(s), latency 40 ms"},
        "database": {"ok": True, "detail": "SELECT 1 in 1 ms"},
    }
    (tmp_path / "microblog-health.json").write_text(json.dumps(record))
    code, out, _ = await bot_command("health", cwd=tmp_path)
    assert code == 1
    assert len(out) == 1
    assert re.fullmatch(
        r"unhealthy: heartbeat is 6\d s old \(limit 30 s\): process 4242 stopped or stuck", out[0]
    )


async def test_health_with_a_bad_config_exits_1_not_2(tmp_path: Path) -> None:
    # Docker reads exit 1 as unhealthy and reserves 2; the reason is still one line.
    (tmp_path / "config.toml").write_text("[health]\ninterval_seconds = 0\n")
    code, out, err = await bot_command("health", cwd=tmp_path)
    assert (code, out) == (1, [])
    assert err == [
        "error: config.toml: [health] interval_seconds: "
        "Input should be greater than or equal to 0.1 (got 0)"
    ]
