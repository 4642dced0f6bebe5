"""The contract operators rely on, as a black box: config file in, Discord traffic out.

``python -m bot run --config FILE`` runs as its own process against the loopback double.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import AuthSettings, DigestSettings, PostSettings, write_config
from bot.db.engine import Database
from bot.db.models import DigestSubscription
from bot.domain.clock import utcnow
from bot.domain.security import PasswordHasher
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.digests import DigestService
from bot.services.posts import PostService
from discord_double import DiscordDouble
from tests.cogs.conftest import Person, bodies, e2e_config
from tests.conftest import STRONG_PASSWORD
from tests.databases import copy_sqlite

PASSWORD = "Zebra-Quantum-Marmalade-42"


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    async with DiscordDouble(heartbeat_interval_ms=2_000) as instance:
        yield instance


async def start_process(*args: str, cwd: Path) -> asyncio.subprocess.Process:
    # The child reads only the files a test gives it, whatever this shell has set.
    overrides = {"DISCORD_TOKEN", "DISCORD_TOKEN_FILE", "DATABASE_URL", "MICROBLOG_CONFIG"}
    env = {k: v for k, v in os.environ.items() if k not in overrides}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_run_against_the_double_then_sigterm_stops_cleanly(
    double: DiscordDouble, tmp_path: Path, sqlite_template: Path
) -> None:
    config = write_config(
        tmp_path / "config.toml",
        e2e_config(
            double,
            copy_sqlite(sqlite_template, tmp_path),
            logging={"level": "DEBUG", "format": "json"},
        ),
    )
    process = await start_process("run", "--config", str(config), cwd=tmp_path)
    try:
        await double.wait_for_ready(timeout=30)
        alice = Person(double, double.add_user("alice_discord"))
        # setup_hook synced the commands to the dev guild before the gateway connected.
        assert double.registered_commands(double.guild_id)
        assert "Welcome, **alice**" in (await alice.register("alice", PASSWORD)).content
        assert bodies(await alice.run("post", content="hello from a process"))
        feed = await alice.run("feed")
        assert bodies(feed) == ["hello from a process"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    log = stderr.decode()
    assert process.returncode == 0, log[-3000:]
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert any(line["message"] == "Stopped cleanly" for line in lines)
    assert any("INTERACTION_CREATE" in line["message"] for line in lines)  # DEBUG was on
    assert PASSWORD not in log
    assert double.token not in log
    assert double.violations == []


async def test_run_without_a_token_says_how_to_set_one(tmp_path: Path) -> None:
    process = await start_process("run", cwd=tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert stderr.decode().strip().splitlines() == [
        "No Discord token: set DISCORD_TOKEN or [discord] token in config.toml (see README, "
        "'Running for real'). To try the bot without one: python -m bot sandbox"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "[auth]\nbcrypt_rounds = 99\n",
            "error: config.toml: [auth] bcrypt_rounds: "
            "Input should be less than or equal to 16 (got 99)",
        ),
        ("[discord]\ntokn = 'x'\n", "error: config.toml: [discord] tokn: unknown key"),
    ],
)
async def test_bad_config_stops_with_one_line(tmp_path: Path, content: str, expected: str) -> None:
    (tmp_path / "config.toml").write_text(content)
    for verb in ("run", "check-config"):
        process = await start_process(verb, cwd=tmp_path)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 2
        lines = stderr.decode().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(expected)


async def test_sync_registers_only_when_needed(
    double: DiscordDouble, tmp_path: Path, sqlite_template: Path
) -> None:
    write_config(
        tmp_path / "config.toml", e2e_config(double, copy_sqlite(sqlite_template, tmp_path))
    )
    answers = []
    for args in ([], [], ["--force"]):
        process = await start_process("sync", "--guild", str(double.guild_id), *args, cwd=tmp_path)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, stderr.decode()[-2000:]
        answers.append(stdout.decode().strip())
    assert answers == [
        "Commands synced.",
        "Commands already up to date; nothing sent.",
        "Commands synced.",
    ]
    assert len(double.command_puts) == 2
    assert not double.identifies  # REST only: sync never opens the gateway


async def test_sync_never_sends_due_summaries(
    double: DiscordDouble, tmp_path: Path, sqlite_template: Path
) -> None:
    """sync starts the bot's setup but must not start the digest scheduler."""
    url = copy_sqlite(sqlite_template, tmp_path)
    write_config(tmp_path / "config.toml", e2e_config(double, url))
    database = Database(url)
    hasher = PasswordHasher(rounds=4)
    try:
        auth = AuthService(database, hasher, AuthSettings(bcrypt_rounds=4))
        writer = ChatUser("discord", "1")
        await auth.register(writer, "writer", STRONG_PASSWORD)
        digests = DigestService(
            database, DigestSettings(), clock=lambda: utcnow() - timedelta(days=1)
        )
        await digests.subscribe(
            guild_id=double.guild_id,
            channel_id=double.channel_id,
            interval="15m",
            author=None,
            min_posts=1,
            created_by="1",
        )  # due since yesterday
        await PostService(database, auth, PostSettings(cooldown_seconds=0)).create_post(
            writer, "would be summarised"
        )
        # A rate-limited PUT keeps the sync busy long enough for a scheduler to act.
        commands = f"/applications/{double.application_id}/guilds/{double.guild_id}/commands"
        double.fail_route(commands, status=429, retry_after=0.5, method="PUT", times=1)
        for _ in range(2):
            process = await start_process("sync", "--force", cwd=tmp_path)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
            assert process.returncode == 0, stderr.decode()[-2000:]
        async with database.read() as session:
            subscription = await session.scalar(select(DigestSubscription))
        assert subscription is not None
        # Untouched: never claimed (no lease taken), never prepared (no pinned window).
        assert (subscription.lease_owner, subscription.pending_nonce) == (None, None)
    finally:
        hasher.close()
        await database.dispose()
    assert double.channel_messages(double.channel_id) == []
