"""Blocks and mutes between accounts: queries only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Block, Mute


class BlockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, blocker_id: int, blocked_id: int, now: datetime) -> bool:
        """False if it was already there."""
        return await _add(
            self.session, Block(blocker_id=blocker_id, blocked_id=blocked_id, created_at=now)
        )

    async def remove(self, blocker_id: int, blocked_id: int) -> bool:
        result = await self.session.execute(
            delete(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
        )
        return bool(result.rowcount)

    async def between(self, first_id: int, second_id: int) -> bool:
        """Whether either account blocked the other."""
        found = await self.session.scalar(
            select(Block.blocker_id)
            .where(
                or_(
                    and_(Block.blocker_id == first_id, Block.blocked_id == second_id),
                    and_(Block.blocker_id == second_id, Block.blocked_id == first_id),
                )
            )
            .limit(1)
        )
        return found is not None

    async def by(self, blocker_id: int) -> list[tuple[str, datetime]]:
        rows = await self.session.execute(
            select(Account.username, Block.created_at)
            .join(Account, Account.id == Block.blocked_id)
            .where(Block.blocker_id == blocker_id)
            .order_by(Block.created_at.desc())
        )
        return [(name, since) for name, since in rows]


class MuteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, muter_id: int, muted_id: int, now: datetime) -> bool:
        return await _add(self.session, Mute(muter_id=muter_id, muted_id=muted_id, created_at=now))

    async def remove(self, muter_id: int, muted_id: int) -> bool:
        result = await self.session.execute(
            delete(Mute).where(Mute.muter_id == muter_id, Mute.muted_id == muted_id)
        )
        return bool(result.rowcount)

    async def muted(self, muter_id: int, muted_id: int) -> bool:
        found = await self.session.scalar(
            select(Mute.muter_id).where(Mute.muter_id == muter_id, Mute.muted_id == muted_id)
        )
        return found is not None

    async def by(self, muter_id: int) -> list[tuple[str, datetime]]:
        rows = await self.session.execute(
            select(Account.username, Mute.created_at)
            .join(Account, Account.id == Mute.muted_id)
            .where(Mute.muter_id == muter_id)
            .order_by(Mute.created_at.desc())
        )
        return [(name, since) for name, since in rows]


async def _add(session: AsyncSession, row: Block | Mute) -> bool:
    """Insert unless already there (ON CONFLICT DO NOTHING); True if a row was added."""
    return await insert_new(session, type(row), {
        column.key: getattr(row, column.key) for column in type(row).__table__.columns
    })  # fmt: skip


async def insert_new(session: AsyncSession, model: type[Any], values: dict[str, Any]) -> bool:
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)
