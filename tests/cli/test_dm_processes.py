"""Two bot processes on one PostgreSQL database, one killed midway: every notification DM
exactly once.

Both processes run the DM scheduler, so they compete for the same due DMs. Each round
every reader gets one new notification (someone likes their newest post); the test makes
the DMs due by moving next_due_at (nothing sleeps through real intervals). In one round
the double stores the DMs at once but answers late, and the process holding them is
SIGKILLed in between: without the pinned content and its nonce, the process that takes
over when the lease expires would send those DMs a second time.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.config import AuthSettings, NotificationSettings, PostSettings, write_config
from bot.db.engine import Database
from bot.db.migrate import upgrade_url
from bot.db.models import Notification, NotificationDm
from bot.domain.clock import utcnow
from bot.domain.security import PasswordHasher
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.conversations import ConversationService
from bot.services.notifications import NotificationService
from bot.services.posts import PostService
from discord_double import DiscordDouble
from tests import databases
from tests.cli.test_run_process import start_process
from tests.conftest import STRONG_PASSWORD

ROUNDS, READERS, KILL_IN_ROUND = 8, 4, 3


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
            "notifications": {"tick_seconds": 0.1, "lease_seconds": 2, "send_timeout_seconds": 8},
            "logging": {"level": "WARNING"},
        },
    )


async def _wait_until_sent(database: Database, timeout: float = 30) -> None:
    """Every reader's DM has covered their newest notification."""
    deadline = asyncio.get_running_loop().time() + timeout
    newest = (
        select(func.max(Notification.id))
        .where(Notification.recipient_id == NotificationDm.account_id)
        .scalar_subquery()
    )
    while True:
        async with database.read() as session:
            behind = await session.scalar(
                select(func.count())
                .select_from(NotificationDm)
                .where(NotificationDm.sent_upto_id < newest)
            )
        if not behind:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{behind} readers still wait for their DM")
        await asyncio.sleep(0.05)


async def _kill_after_discord_accepted(
    double: DiscordDouble,
    database: Database,
    channel_ids: list[int],
    processes: list[asyncio.subprocess.Process],
    round_number: int,
) -> int:
    """SIGKILL the process sending this round's DMs after the double stored them but before
    it answered: the crash window the nonce is for. Returns the victim's index."""
    for channel_id in channel_ids:
        await double.wait_for_channel_message(channel_id, count=round_number + 1, timeout=30)
    async with database.read() as session:
        owners = set(
            await session.scalars(
                select(NotificationDm.lease_owner).where(NotificationDm.lease_owner.is_not(None))
            )
        )
    pids = {int(owner.split(":")[1]) for owner in owners}
    assert pids, "no process held a lease while its DMs were in flight"
    victim = next(i for i, p in enumerate(processes) if p.pid in pids)
    processes[victim].send_signal(signal.SIGKILL)
    return victim


async def test_two_processes_one_killed_every_dm_exactly_once(
    private_postgres_url: str, tmp_path: Path
) -> None:
    async with DiscordDouble(heartbeat_interval_ms=2_000) as double:
        readers = [double.add_user(f"reader{n}_discord") for n in range(READERS)]
        channel_ids = [double.world.dm_channel(user).id for user in readers]
        database = Database(private_postgres_url)
        hasher = PasswordHasher(rounds=4)
        try:
            await upgrade_url(private_postgres_url)
            auth = AuthService(database, hasher, AuthSettings(bcrypt_rounds=4))
            posts = PostService(database, auth, PostSettings(cooldown_seconds=0))
            conversations = ConversationService(database, auth, PostSettings())
            notifications = NotificationService(database, auth, NotificationSettings())
            fan = ChatUser("discord", "1")
            await auth.register(fan, "fan", STRONG_PASSWORD)
            chats = [ChatUser("discord", str(user.id)) for user in readers]
            for n, chat in enumerate(chats):
                await auth.register(chat, f"reader{n}", STRONG_PASSWORD)
                await notifications.set_dm(chat, True)
            config = _config(tmp_path / "config.toml", double, private_postgres_url)
            processes = [await start_process("run", "--config", str(config), cwd=tmp_path)]
            processes.append(await start_process("run", "--config", str(config), cwd=tmp_path))
            victim = 0
            expected: dict[int, list[int]] = {channel: [] for channel in channel_ids}
            try:
                await double.wait_for_shards(1, timeout=60)
                for round_number in range(ROUNDS):
                    if round_number == KILL_IN_ROUND:
                        for channel_id in channel_ids:  # stored at once, answered 4 s later
                            double.slow_channel(channel_id, seconds=4, times=1)
                    for chat, channel_id in zip(chats, channel_ids, strict=True):
                        post = await posts.create_post(chat, f"round {round_number}")
                        await conversations.like(fan, post.id)
                        expected[channel_id].append(post.id)
                    async with database.write() as session:
                        await session.execute(
                            update(NotificationDm).values(
                                next_due_at=utcnow() - timedelta(seconds=1)
                            )
                        )
                    if round_number == KILL_IN_ROUND:
                        victim = await _kill_after_discord_accepted(
                            double, database, channel_ids, processes, round_number
                        )
                    await _wait_until_sent(database)
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

        for channel_id, post_ids in expected.items():
            dms = double.channel_messages(channel_id)
            assert len(dms) == ROUNDS, f"channel {channel_id}: {len(dms)} DMs"
            named = [
                int(match)
                for dm in dms
                for match in re.findall(r"liked your post #(\d+)", dm.content)
            ]
            assert named == post_ids  # every notification once, in order, none twice
            assert all(dm.content.startswith("You have 1 new notification") for dm in dms)
            assert all(dm.allowed_mentions == {"parse": []} for dm in dms)
        assert double.violations == []
