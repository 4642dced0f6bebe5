"""Two bot processes on one PostgreSQL database, one killed midway: every summary exactly once.

Both processes serve the same guild, so they compete for the same due summaries. The test
makes summaries due by moving next_due_at (nothing sleeps through real 15-minute
intervals), adds posts each round, and in one round SIGKILLs the process sending the
summaries after the double stored them but before it answered: without the nonce, the
process that takes over would post those summaries a second time.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.config import AuthSettings, DigestSettings, PostSettings, write_config
from bot.db.engine import Database
from bot.db.migrate import upgrade_url
from bot.db.models import DigestSubscription, Post
from bot.domain.clock import utcnow
from bot.domain.security import PasswordHasher
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.digests import DigestService
from bot.services.posts import PostService
from discord_double import Channel, DiscordDouble
from tests import databases
from tests.cli.test_run_process import start_process
from tests.cogs.conftest import post_cards
from tests.conftest import STRONG_PASSWORD

ROUNDS, POSTS_PER_ROUND, CHANNELS, KILL_IN_ROUND = 12, 2, 5, 5


@pytest.fixture
def private_postgres_url() -> Iterator[str]:
    """A database of this test's own: the bot processes migrate and use it."""
    server = databases.require_postgres()
    url = databases.create_postgres_database(server)
    yield url
    databases.drop_postgres_database(server, url)


def _config(path: Path, double: DiscordDouble, url: str) -> Path:
    return write_config(
        path,
        {
            "discord": double.bot_settings(),
            "database": {"url": url},
            "digests": {"tick_seconds": 0.1, "lease_seconds": 2, "send_timeout_seconds": 5},
            "logging": {"level": "WARNING"},
        },
    )


async def _wait_until_delivered(database: Database, timeout: float = 30) -> None:
    """Every subscription's cursor has reached the newest post."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with database.read() as session:
            newest = await session.scalar(select(func.max(Post.id)))
            behind = await session.scalar(
                select(func.count())
                .select_from(DigestSubscription)
                .where(
                    (DigestSubscription.cursor_post_id.is_(None))
                    | (DigestSubscription.cursor_post_id != newest)
                )
            )
        if not behind:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{behind} subscriptions still behind post {newest}")
        await asyncio.sleep(0.05)


async def _kill_after_discord_accepted(
    double: DiscordDouble,
    database: Database,
    channels: list[Channel],
    processes: list[asyncio.subprocess.Process],
    round_number: int,
) -> int:
    """SIGKILL the process sending this round's summaries after the double stored them but
    before it answered: the crash window the nonce is for. Returns the victim's index."""
    for channel in channels:
        await double.wait_for_channel_message(channel.id, count=round_number + 1, timeout=30)
    async with database.read() as session:
        owners = set(
            await session.scalars(
                select(DigestSubscription.lease_owner).where(
                    DigestSubscription.lease_owner.is_not(None)
                )
            )
        )
    pids = {int(owner.split(":")[1]) for owner in owners}
    assert pids, "no process held a lease while its sends were in flight"
    victim = next(i for i, p in enumerate(processes) if p.pid in pids)
    processes[victim].send_signal(signal.SIGKILL)
    return victim


async def test_two_processes_one_killed_every_summary_exactly_once(
    private_postgres_url: str, tmp_path: Path
) -> None:
    async with DiscordDouble(heartbeat_interval_ms=2_000) as double:
        channels = [double.add_channel(f"news-{n}") for n in range(CHANNELS)]
        database = Database(private_postgres_url)
        hasher = PasswordHasher(rounds=4)
        try:
            await upgrade_url(private_postgres_url)
            auth = AuthService(database, hasher, AuthSettings(bcrypt_rounds=4))
            posts = PostService(database, auth, PostSettings(cooldown_seconds=0))
            digests = DigestService(database, DigestSettings())
            writer = ChatUser("discord", "1")
            await auth.register(writer, "writer", STRONG_PASSWORD)
            await posts.create_post(writer, "before any subscription")
            for channel in channels:
                await digests.subscribe(
                    guild_id=double.guild_id,
                    channel_id=channel.id,
                    interval="15m",
                    author=None,
                    min_posts=1,
                    created_by="1",
                )
            config = _config(tmp_path / "config.toml", double, private_postgres_url)
            processes = [await start_process("run", "--config", str(config), cwd=tmp_path)]
            processes.append(await start_process("run", "--config", str(config), cwd=tmp_path))
            victim = 0
            try:
                await double.wait_for_ready(timeout=60)
                expected: list[int] = []
                for round_number in range(ROUNDS):
                    if round_number == KILL_IN_ROUND:
                        for channel in channels:  # stored at once, answered 4 s later
                            double.slow_channel(channel.id, seconds=4, times=1)
                    for n in range(POSTS_PER_ROUND):
                        post = await posts.create_post(writer, f"round {round_number} post {n}")
                        expected.append(post.id)
                    async with database.write() as session:
                        await session.execute(
                            update(DigestSubscription).values(
                                next_due_at=utcnow() - timedelta(seconds=1)
                            )
                        )
                    if round_number == KILL_IN_ROUND:
                        victim = await _kill_after_discord_accepted(
                            double, database, channels, processes, round_number
                        )
                    await _wait_until_delivered(database)
            finally:
                for process in processes:
                    if process.returncode is None:
                        process.send_signal(signal.SIGTERM)
                for process in processes:
                    await asyncio.wait_for(process.communicate(), timeout=20)
            survivor = processes[1 - victim]
            assert survivor.returncode == 0
            assert processes[victim].returncode == -signal.SIGKILL
        finally:
            hasher.close()
            await database.dispose()

        for channel in channels:
            messages = double.channel_messages(channel.id)
            assert len(messages) == ROUNDS, f"#{channel.name}: {len(messages)} summaries"
            shown = [number for message in messages for number, _, _ in post_cards(message)]
            assert sorted(shown) == sorted(expected)  # every post once, none twice
            assert all(
                m.texts[0] == f"### Microblog: {POSTS_PER_ROUND} new posts" for m in messages
            )
        assert double.violations == []
