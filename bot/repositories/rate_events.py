"""Attempts that count against a limit, in a sliding window. Queries only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import RateEvent


class RateEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def window(self, kind: str, subject: str, since: datetime) -> tuple[int, datetime | None]:
        """How many events since ``since``, and the oldest of them."""
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(RateEvent.created_at)).where(
                    RateEvent.kind == kind,
                    RateEvent.subject == subject,
                    RateEvent.created_at > since,
                )
            )
        ).one()
        return int(count), oldest

    async def add(self, kind: str, subject: str, now: datetime) -> None:
        self.session.add(RateEvent(kind=kind, subject=subject, created_at=now))
        await self.session.flush()

    async def clear(self, kind: str, subject: str, before: datetime | None = None) -> None:
        """Forget a subject's events (all of them, or those older than ``before``)."""
        statement = delete(RateEvent).where(RateEvent.kind == kind, RateEvent.subject == subject)
        if before is not None:
            statement = statement.where(RateEvent.created_at <= before)
        await self.session.execute(statement)
