"""A unique violation becomes the domain's refusal, and the transaction goes on (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Account, DigestSubscription
from bot.domain.errors import AlreadySubscribed, UsernameTaken
from bot.domain.rules import username_skeletons
from bot.repositories.accounts import AccountRepository
from bot.repositories.subscriptions import ACTIVE, SubscriptionRepository

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _subscription(channel_id: int) -> DigestSubscription:
    return DigestSubscription(
        guild_id=1,
        channel_id=channel_id,
        author_scope=0,
        interval_seconds=3600,
        min_posts=1,
        created_by="7",
        created_at=WHEN,
        status=ACTIVE,
        next_due_at=WHEN,
        failures=0,
    )


async def test_a_taken_username_is_refused_and_the_transaction_goes_on(
    database: Database,
) -> None:
    async with database.write() as session:
        accounts = AccountRepository(session)
        await accounts.add("alice", "alice", username_skeletons("alice"), "hash", WHEN)
        with pytest.raises(UsernameTaken):
            await accounts.add("ALICE", "alice", username_skeletons("ALICE"), "other", WHEN)
        # A look-alike (Cyrillic а) has its own key but the same skeleton: the partial
        # unique index refuses it even if a racing registration got past the service.
        with pytest.raises(UsernameTaken):
            await accounts.add("аlice", "аlice", username_skeletons("аlice"), "other", WHEN)
        await accounts.add("bob", "bob", username_skeletons("bob"), "hash", WHEN)  # still usable
    async with database.read() as session:
        rows = (await session.execute(select(Account.username, Account.password_hash))).all()
    assert sorted(tuple(row) for row in rows) == [("alice", "hash"), ("bob", "hash")]


async def test_a_second_subscription_for_a_channel_is_refused_and_the_transaction_goes_on(
    database: Database,
) -> None:
    async with database.write() as session:
        subscriptions = SubscriptionRepository(session)
        await subscriptions.add(_subscription(channel_id=10))
        with pytest.raises(AlreadySubscribed):
            await subscriptions.add(_subscription(channel_id=10))
        await subscriptions.add(_subscription(channel_id=11))
    async with database.read() as session:
        channels = (await session.scalars(select(DigestSubscription.channel_id))).all()
    assert sorted(channels) == [10, 11]
