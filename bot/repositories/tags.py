"""Post tags: queries only. One row per (tag, post), written in the post's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Post, PostTag

# Above every character a tag key can hold: tag >= p AND tag < p + this is "starts with p"
# in code-point order (SQLite's BINARY, PostgreSQL's C and C.UTF-8 collations).
PREFIX_END = "\U0010ffff"


class TagRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_tags(self, post_id: int, keys: Sequence[str], created_at: datetime) -> None:
        """Make the post's tags exactly ``keys`` (touching only the rows that change)."""
        current = set(
            await self.session.scalars(select(PostTag.tag).where(PostTag.post_id == post_id))
        )
        wanted = set(keys)
        if gone := current - wanted:
            await self.session.execute(
                delete(PostTag).where(PostTag.post_id == post_id, PostTag.tag.in_(gone))
            )
        if new := [key for key in keys if key not in current]:
            await self.session.execute(
                insert(PostTag),
                [{"tag": key, "post_id": post_id, "created_at": created_at} for key in new],
            )

    async def trending(self, since: datetime, now: datetime, limit: int) -> list[tuple[str, int]]:
        """The most used tags from ``since`` on, with their number of posts (not counting
        posts removed by a moderator or written by suspended accounts)."""
        uses = func.count().label("uses")
        query = (
            select(PostTag.tag, uses)
            .join(Post, Post.id == PostTag.post_id)
            .join(Account, Account.id == Post.author_id)
            .where(
                PostTag.created_at >= since,
                Post.removed_at.is_(None),
                or_(Account.suspended_until.is_(None), Account.suspended_until <= now),
            )
            .group_by(PostTag.tag)
            .order_by(uses.desc(), PostTag.tag)
            .limit(limit)
        )
        return [(str(tag), int(count)) for tag, count in await self.session.execute(query)]

    async def with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Distinct tags starting with ``prefix``, in order, each found by one index probe.

        A loose index scan: the next tag is the smallest one after the previous, so a tag
        with a million posts costs no more than a tag with one.
        """
        statement = text(
            """
            WITH RECURSIVE found(tag, n) AS (
                SELECT (SELECT min(tag) FROM post_tag WHERE tag >= :low AND tag < :high), 1
                UNION ALL
                SELECT (SELECT min(tag) FROM post_tag WHERE tag > found.tag AND tag < :high),
                       n + 1
                FROM found WHERE found.tag IS NOT NULL AND n < :limit
            )
            SELECT tag FROM found WHERE tag IS NOT NULL
            """
        )
        rows = await self.session.scalars(
            statement, {"low": prefix, "high": prefix + PREFIX_END, "limit": limit}
        )
        # Other collations order differently; the filter keeps the answer right regardless.
        return [tag for tag in rows if tag.startswith(prefix)][:limit]
