"""Digest subscriptions: queries only. Claims use row leases; PostgreSQL also skips rows
another process is claiming at this instant (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, func, literal, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, DigestSubscription, Post
from bot.domain.errors import AlreadySubscribed
from bot.domain.values import Position
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


class DigestPostQueries:
    """The posts a summary covers: after the cursor, up to a bound, optionally one author."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _window(
        self, author_id: int | None, after: Position | None, upto: Position | None
    ) -> ColumnElement[bool] | None:
        conditions: list[ColumnElement[bool]] = []
        key = (Post.created_at, Post.id)
        if author_id is not None:
            conditions.append(Post.author_id == author_id)
        if after is not None:
            conditions.append(_row_gt(key, after))
        if upto is not None:
            conditions.append(~_row_gt(key, upto))
        return and_(*conditions) if conditions else None

    async def newest(self, author_id: int | None, after: Position | None) -> Position | None:
        query = select(Post.created_at, Post.id).order_by(Post.created_at.desc(), Post.id.desc())
        window = self._window(author_id, after, None)
        if window is not None:
            query = query.where(window)
        row = (await self.session.execute(query.limit(1))).one_or_none()
        return Position(row[0], row[1]) if row else None

    async def count(self, author_id: int | None, after: Position | None, upto: Position) -> int:
        query = select(func.count()).select_from(Post)
        window = self._window(author_id, after, upto)
        if window is not None:
            query = query.where(window)
        return int(await self.session.scalar(query) or 0)

    async def newest_posts(
        self, author_id: int | None, after: Position | None, upto: Position, limit: int
    ) -> list[tuple[Post, str]]:
        query = (
            select(Post, Account.username)
            .join(Account, Account.id == Post.author_id)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(limit)
        )
        window = self._window(author_id, after, upto)
        if window is not None:
            query = query.where(window)
        return [(post, name) for post, name in await self.session.execute(query)]


def _row_gt(key: tuple[Any, Any], position: Position) -> ColumnElement[bool]:
    return tuple_(*key) > tuple_(position.created_at, position.post_id)
