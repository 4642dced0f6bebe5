"""Likes and reposts, and the counters on the post beside them. Queries only.

A like or repost is a row keyed by (account, post): inserted with ON CONFLICT DO NOTHING,
so liking twice, or fifty times at once, leaves one row; the services move the counter
only when a row really appeared or went. The counter moves by ``x = x + n`` in the same
transaction, which PostgreSQL serialises on the post's row and SQLite on its write lock,
so concurrent likes never lose one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, literal, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Post, PostLike, Repost

LIKE, REPOST = "like", "repost"
_TABLES: dict[str, type[PostLike] | type[Repost]] = {LIKE: PostLike, REPOST: Repost}
_COUNTERS = {LIKE: "like_count", REPOST: "repost_count"}


class ReactionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, kind: str, account_id: int, post_id: int, now: datetime) -> bool:
        """True if the like or repost is new; False if it was already there."""
        table = _TABLES[kind]
        insert: Any = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(table)
            .values(account_id=account_id, post_id=post_id, created_at=now)
            .on_conflict_do_nothing(index_elements=[table.account_id, table.post_id])
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def remove(self, kind: str, account_id: int, post_id: int) -> bool:
        """True if a like or repost was removed; False if there was none."""
        table = _TABLES[kind]
        result = await self.session.execute(
            delete(table).where(table.account_id == account_id, table.post_id == post_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def has(self, kind: str, account_id: int, post_id: int) -> bool:
        table = _TABLES[kind]
        found = await self.session.scalar(
            select(literal(1)).where(table.account_id == account_id, table.post_id == post_id)
        )
        return found is not None

    async def of(self, account_id: int, post_ids: list[int]) -> set[tuple[str, int]]:
        """Which of ``post_ids`` the account liked or reposted: {("like", id), ...}, one query."""
        if not post_ids:
            return set()
        parts = [
            select(literal(kind).label("kind"), table.post_id).where(
                table.account_id == account_id, table.post_id.in_(post_ids)
            )
            for kind, table in _TABLES.items()
        ]
        rows = await self.session.execute(union_all(*parts))
        return {(kind, post_id) for kind, post_id in rows}

    async def count_rows(self, kind: str, post_id: int) -> int:
        """The rows behind a counter, counted (tests and repairs; pages read the counter)."""
        table = _TABLES[kind]
        return int(
            await self.session.scalar(select(func.count()).where(table.post_id == post_id)) or 0
        )


async def add_to_post_counts(
    session: AsyncSession, post_id: int, *, replies: int = 0, likes: int = 0, reposts: int = 0
) -> tuple[int, int, int] | None:
    """Move a post's counters in place (``x = x + n``); returns (replies, likes, reposts)
    after the change, or None if the post is gone."""
    deltas = {"reply_count": replies, _COUNTERS[LIKE]: likes, _COUNTERS[REPOST]: reposts}
    values = {name: getattr(Post, name) + delta for name, delta in deltas.items() if delta}
    statement: Any
    if values:
        statement = update(Post).where(Post.id == post_id).values(values)
        statement = statement.returning(Post.reply_count, Post.like_count, Post.repost_count)
        statement = statement.execution_options(synchronize_session=False)
    else:
        statement = select(Post.reply_count, Post.like_count, Post.repost_count).where(
            Post.id == post_id
        )
    row = (await session.execute(statement)).one_or_none()
    return (row[0], row[1], row[2]) if row else None


async def forget_account(session: AsyncSession, account_id: int) -> None:
    """Before an account is deleted: take its likes, reposts and replies off the counters
    of other people's posts (the rows themselves go with the account, ON DELETE CASCADE)."""
    for table, counter in ((PostLike, Post.like_count), (Repost, Post.repost_count)):
        theirs = select(table.post_id).where(table.account_id == account_id)
        await session.execute(
            update(Post)
            .where(Post.id.in_(theirs), Post.author_id != account_id)
            .values({counter: counter - 1})
            .execution_options(synchronize_session=False)
        )
    reply = aliased(Post)
    replies_by_them = (
        select(func.count())
        .where(reply.parent_id == Post.id, reply.author_id == account_id)
        .scalar_subquery()
    )
    answered = select(reply.parent_id).where(
        reply.author_id == account_id, reply.parent_id.is_not(None)
    )
    await session.execute(
        update(Post)
        .where(Post.id.in_(answered), Post.author_id != account_id)
        .values(reply_count=Post.reply_count - replies_by_them)
        .execution_options(synchronize_session=False)
    )


async def made_by(session: AsyncSession, account_id: int) -> dict[str, list[tuple[int, datetime]]]:
    """(post id, when) of every like and repost the account made (its data export)."""
    made: dict[str, list[tuple[int, datetime]]] = {}
    for kind, table in _TABLES.items():
        rows = await session.execute(
            select(table.post_id, table.created_at)
            .where(table.account_id == account_id)
            .order_by(table.created_at)
        )
        made[kind] = [(post_id, when) for post_id, when in rows]
    return made
