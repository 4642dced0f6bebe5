"""Conversations: a root post and every reply under it, oldest first. Queries only.

Every reply carries its conversation's ``root_id``, so a conversation of any size pages by
keyset along the (root_id, created_at, id) index, after a restart as before it.
"""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Post
from bot.domain.values import Audience, Position
from bot.repositories.posts import visible_to


class ThreadRepository:
    """Replies as ``audience`` may see them; removed ones are kept (shown as removed)."""

    def __init__(self, session: AsyncSession, audience: Audience) -> None:
        self.session = session
        self.audience = audience

    async def replies(
        self,
        root_id: int,
        *,
        limit: int,
        after: Position | None = None,
        before: Position | None = None,
    ) -> list[tuple[Post, Account]]:
        """Up to ``limit`` replies oldest first: after ``after`` (or from the start), or the
        ones just before ``before``."""
        key = tuple_(Post.created_at, Post.id)
        query = (
            select(Post, Account)
            .join(Account, Account.id == Post.author_id)
            .where(Post.root_id == root_id, *visible_to(self.audience, keep_removed=True))
        )
        if before is not None:
            # Walk backwards from the cursor, then present oldest first.
            query = query.where(key < tuple_(before.created_at, before.post_id))
            query = query.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit)
            rows = [(post, author) for post, author in await self.session.execute(query)]
            return rows[::-1]
        if after is not None:
            query = query.where(key > tuple_(after.created_at, after.post_id))
        query = query.order_by(Post.created_at.asc(), Post.id.asc()).limit(limit)
        return [(post, author) for post, author in await self.session.execute(query)]
