"""Digest subscriptions: queries only. Claims use row leases; PostgreSQL also skips rows
another process is claiming at this instant (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, DigestSubscription
from bot.domain.errors import AlreadySubscribed
from bot.repositories.flushing import add_or_raise

ACTIVE, PAUSED = "active", "paused"
DISCORD_SHARD_SHIFT = 22  # a guild's shard is (guild_id >> 22) % shard_count


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, subscription: DigestSubscription) -> DigestSubscription:
        await add_or_raise(self.session, subscription, AlreadySubscribed)
        return subscription

    async def get(self, subscription_id: int) -> DigestSubscription | None:
        return await self.session.get(DigestSubscription, subscription_id)

    async def for_guild(self, guild_id: int) -> list[tuple[DigestSubscription, str | None]]:
        query = (
            select(DigestSubscription, Account.username)
            .outerjoin(Account, Account.id == DigestSubscription.author_id)
            .where(DigestSubscription.guild_id == guild_id)
            .order_by(DigestSubscription.id)
        )
        return [(sub, name) for sub, name in await self.session.execute(query)]

    async def delete(self, subscription: DigestSubscription) -> None:
        await self.session.delete(subscription)
        await self.session.flush()

    async def claim_due(
        self,
        *,
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
        shard_count: int | None,
        shard_ids: Sequence[int] | None,
    ) -> list[int]:
        """Reserve up to ``limit`` due subscriptions for ``owner``; returns their ids."""
        due = (
            select(DigestSubscription.id)
            .where(
                DigestSubscription.status == ACTIVE,
                DigestSubscription.next_due_at <= now,
                or_(
                    DigestSubscription.lease_expires_at.is_(None),
                    DigestSubscription.lease_expires_at < now,
                ),
            )
            .order_by(DigestSubscription.next_due_at, DigestSubscription.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serialises
        )
        if shard_count is not None and shard_ids is not None:
            # PostgreSQL has bigint >> integer, not bigint >> bigint: type the shift as INTEGER.
            shift = literal(DISCORD_SHARD_SHIFT, Integer)
            shard = DigestSubscription.guild_id.op(">>")(shift).op("%")(shard_count)
            due = due.where(shard.in_(list(shard_ids)))
        ids = list((await self.session.scalars(due)).all())
        if ids:
            await self.session.execute(
                update(DigestSubscription)
                .where(DigestSubscription.id.in_(ids))
                .values(lease_owner=owner, lease_expires_at=lease_until)
            )
        return ids

    async def holding(
        self, subscription_id: int, owner: str, now: datetime
    ) -> DigestSubscription | None:
        """The subscription if ``owner`` still holds an unexpired lease on it."""
        return await self.session.scalar(
            select(DigestSubscription).where(
                DigestSubscription.id == subscription_id,
                DigestSubscription.lease_owner == owner,
                DigestSubscription.lease_expires_at >= now,
            )
        )
