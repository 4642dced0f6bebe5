"""Mentions: which existing accounts a post names with @username. Queries only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Mention


class MentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def accounts_named(self, keys: Sequence[str]) -> list[tuple[int, str]]:
        """(id, username) of the accounts whose username key is in ``keys``."""
        if not keys:
            return []
        rows = await self.session.execute(
            select(Account.id, Account.username).where(Account.username_key.in_(list(keys)))
        )
        return [(account_id, username) for account_id, username in rows]

    async def of_post(self, post_id: int) -> set[int]:
        rows = await self.session.scalars(
            select(Mention.account_id).where(Mention.post_id == post_id)
        )
        return set(rows.all())

    async def replace(self, post_id: int, account_ids: set[int]) -> set[int]:
        """Make the post mention exactly ``account_ids``; returns the ones that are new."""
        current = await self.of_post(post_id)
        gone, new = current - account_ids, account_ids - current
        if gone:
            await self.session.execute(
                delete(Mention).where(Mention.post_id == post_id, Mention.account_id.in_(gone))
            )
        if new:
            await self.session.execute(
                insert(Mention), [{"post_id": post_id, "account_id": a} for a in sorted(new)]
            )
        return new
