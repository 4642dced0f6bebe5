"""Home timelines, read by fan-out on read: the posts of an account and of those it follows.

Two ways to find a page, chosen per query (measured in bench/social.py, 1M posts):

- **merge**: walk each author's (author_id, created_at, id) index for their newest rows
  past the cursor and keep the overall newest. Cost grows with the number of authors
  (about 3-4 µs each): the right way for up to ``MERGE_MAX_AUTHORS``.
- **window**: walk the global (created_at, id) index from the cursor, keeping posts whose
  author is followed (a primary-key probe each), at most ``WINDOW_POSTS`` posts deep. Cost
  grows with how rare the followed authors' posts are, not with how many they are: an
  account following thousands finds a page within the first few hundred posts. If the
  window holds less than a page (few or quiet follows), the merge answers instead.

Both read only index columns to choose the page; the page's rows are fetched by id after.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, func, literal, or_, select, true, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Subquery

from bot.db.models import Account, Follow, Post, UTCDateTime
from bot.domain.values import Position

MERGE_MAX_AUTHORS = 100
WINDOW_POSTS = 1000
_FLOOR = datetime(1, 1, 1, tzinfo=UTC)
_CEILING = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


class TimelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.postgres = session.bind.dialect.name == "postgresql"

    async def home_page(
        self,
        owner_id: int,
        following_count: int,
        *,
        limit: int,
        before: Position | None = None,
        after: Position | None = None,
    ) -> list[tuple[Post, Account]]:
        """Up to ``limit`` posts newest first, by ``owner_id`` and the accounts it follows:
        older than ``before``, newer than ``after``, or the newest."""
        newer = after is not None
        cursor = after if newer else before
        if following_count + 1 > MERGE_MAX_AUTHORS:
            rows = await self._fetch(self._window(owner_id, cursor, newer, limit), newer)
            if len(rows) == limit:
                return rows
        return await self._fetch(self._merge(owner_id, cursor, newer, limit), newer)

    async def _fetch(self, keys: Subquery, newer: bool) -> list[tuple[Post, Account]]:
        query = (
            select(Post, Account)
            .join(keys, keys.c.id == Post.id)
            .join(Account, Account.id == Post.author_id)
            .order_by(*_order(Post, newer))
        )
        rows = [(post, author) for post, author in await self.session.execute(query)]
        return rows[::-1] if newer else rows

    def _window(self, owner_id: int, cursor: Position | None, newer: bool, limit: int) -> Subquery:
        edge_post = aliased(Post)
        edge = _past(select(edge_post.created_at), edge_post, cursor, newer).offset(WINDOW_POSTS)
        # Where the window ends: the created_at WINDOW_POSTS posts along (or the end).
        if newer:
            within = Post.created_at <= func.coalesce(edge.scalar_subquery(), _stamp(_CEILING))
        else:
            within = Post.created_at >= func.coalesce(edge.scalar_subquery(), _stamp(_FLOOR))
        # A scalar subquery, not EXISTS: PostgreSQL would hash every follow of the owner
        # (5,000 rows: about 1 ms) where a probe per visited post costs a few µs.
        followed = (
            select(true())
            .where(Follow.follower_id == owner_id, Follow.followed_id == Post.author_id)
            .scalar_subquery()
        )
        query = select(Post.id).where(within, or_(Post.author_id == owner_id, followed))
        return _past(query, Post, cursor, newer, limit).subquery("page")

    def _merge(self, owner_id: int, cursor: Position | None, newer: bool, limit: int) -> Subquery:
        authors = union_all(
            select(Follow.followed_id.label("id")).where(Follow.follower_id == owner_id),
            select(literal(owner_id).label("id")),
        ).cte("authors")
        own = aliased(Post)
        if self.postgres:
            # LATERAL: each author's newest ``limit`` rows from its index, then the newest.
            newest = _past(
                select(own.id, own.created_at).where(own.author_id == authors.c.id),
                own,
                cursor,
                newer,
                limit,
            ).lateral("newest")
            query = (
                select(newest.c.id)
                .select_from(authors)
                .join(newest, true())
                .order_by(*_order(newest.c, newer))
                .limit(limit)
            )
            return query.subquery("page")
        # SQLite has no LATERAL. Per author, find the created_at of its limit-th row past
        # the cursor (one index seek, OFFSET limit-1), then join the author's rows up to it:
        # every candidate comes from the covering index, at most ``limit`` per author.
        nth = _past(
            select(own.created_at).where(own.author_id == authors.c.id), own, cursor, newer
        ).offset(limit - 1)
        if newer:
            reach = Post.created_at <= func.coalesce(nth.scalar_subquery(), _stamp(_CEILING))
        else:
            reach = Post.created_at >= func.coalesce(nth.scalar_subquery(), _stamp(_FLOOR))
        query = select(Post.id).join(authors, Post.author_id == authors.c.id).where(reach)
        return _past(query, Post, cursor, newer, limit).subquery("page")


def _order(table: object, newer: bool) -> tuple[ColumnElement[object], ...]:
    created_at, post_id = table.created_at, table.id  # type: ignore[attr-defined]
    if newer:
        return (created_at.asc(), post_id.asc())
    return (created_at.desc(), post_id.desc())


def _past(
    query: Select,  # type: ignore[type-arg]
    table: object,
    cursor: Position | None,
    newer: bool,
    limit: int = 1,
) -> Select:  # type: ignore[type-arg]
    """``query`` walking ``table`` away from the cursor (or from the top), ``limit`` rows."""
    if cursor is not None:
        key = tuple_(table.created_at, table.id)  # type: ignore[attr-defined]
        point = tuple_(cursor.created_at, cursor.post_id)
        query = query.where(key > point if newer else key < point)
    return query.order_by(*_order(table, newer)).limit(limit)


def _stamp(moment: datetime) -> ColumnElement[datetime]:
    return literal(moment, UTCDateTime())
