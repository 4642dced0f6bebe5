"""Follows: who reads whom. Queries only; the services keep the counters beside them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.models import Account, Follow
from bot.domain.values import Audience, Position
from bot.repositories.posts import account_shown, excluded_accounts


class FollowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, follower_id: int, followed_id: int, now: datetime) -> bool:
        """True if this is a new follow; False if it already existed (nothing changes)."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(Follow)
            .values(follower_id=follower_id, followed_id=followed_id, created_at=now)
            .on_conflict_do_nothing(index_elements=[Follow.follower_id, Follow.followed_id])
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def remove(self, follower_id: int, followed_id: int) -> bool:
        """True if a follow was removed; False if there was none."""
        result = await self.session.execute(
            delete(Follow).where(
                Follow.follower_id == follower_id, Follow.followed_id == followed_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def remove_all_of(self, account_id: int) -> None:
        """Every follow from or of ``account_id`` (the counters are the caller's)."""
        await self.session.execute(
            delete(Follow).where(
                or_(Follow.follower_id == account_id, Follow.followed_id == account_id)
            )
        )

    async def between(self, a: int, b: int) -> tuple[bool, bool]:
        """(a follows b, b follows a), in one primary-key query."""
        rows = await self.session.scalars(
            select(Follow.follower_id).where(
                or_(
                    (Follow.follower_id == a) & (Follow.followed_id == b),
                    (Follow.follower_id == b) & (Follow.followed_id == a),
                )
            )
        )
        followers = set(rows.all())
        return a in followers, b in followers

    async def following_page(
        self,
        account_id: int,
        *,
        audience: Audience,
        limit: int,
        before: Position | None = None,
        after: Position | None = None,
    ) -> list[tuple[datetime, Account]]:
        """Whom ``account_id`` follows that ``audience`` may see, most recent follow first:
        (followed at, account)."""
        return await self._page(
            Follow.follower_id, Follow.followed_id, account_id, audience, limit, before, after
        )

    async def followers_page(
        self,
        account_id: int,
        *,
        audience: Audience,
        limit: int,
        before: Position | None = None,
        after: Position | None = None,
    ) -> list[tuple[datetime, Account]]:
        """Who follows ``account_id`` that ``audience`` may see, most recent follow first:
        (followed at, account)."""
        return await self._page(
            Follow.followed_id, Follow.follower_id, account_id, audience, limit, before, after
        )

    async def everyone(self, account_id: int, *, following: bool) -> list[tuple[str, datetime]]:
        """(username, since) of everyone ``account_id`` follows (or who follows it), oldest
        first: their data export, unfiltered."""
        owner, other = (
            (Follow.follower_id, Follow.followed_id)
            if following
            else (Follow.followed_id, Follow.follower_id)
        )
        rows = await self.session.execute(
            select(Account.username, Follow.created_at)
            .join(Account, Account.id == other)
            .where(owner == account_id)
            .order_by(Follow.created_at, other)
        )
        return [(name, since) for name, since in rows]

    async def _page(
        self,
        owner: InstrumentedAttribute[int],
        other: InstrumentedAttribute[int],
        account_id: int,
        audience: Audience,
        limit: int,
        before: Position | None,
        after: Position | None,
    ) -> list[tuple[datetime, Account]]:
        # Keyset on (created_at, other id) along ix_follow_<owner>_created_at_<other>; the
        # Position's post_id slot carries the other account's id.
        key = tuple_(Follow.created_at, other)
        # The feeds' visibility rule, applied to people: nobody blocked either way, hidden
        # in this server or suspended appears (the counts still count them).
        query = (
            select(Follow.created_at, Account)
            .join(Account, Account.id == other)
            .where(owner == account_id, account_shown(Account, audience.now))
        )
        excluded = excluded_accounts(audience)
        if excluded is not None:
            query = query.where(other.not_in(excluded))
        if after is not None:
            query = query.where(key > tuple_(after.created_at, after.post_id))
            query = query.order_by(Follow.created_at.asc(), other.asc()).limit(limit)
            rows = [(since, account) for since, account in await self.session.execute(query)]
            return rows[::-1]
        if before is not None:
            query = query.where(key < tuple_(before.created_at, before.post_id))
        query = query.order_by(Follow.created_at.desc(), other.desc()).limit(limit)
        return [(since, account) for since, account in await self.session.execute(query)]
