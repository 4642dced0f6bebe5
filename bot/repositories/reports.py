"""Reports of posts, and the append-only moderation log: queries only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Account, ModerationAction, Post, Report
from bot.domain.errors import AlreadyReported

OPEN, DISMISSED, ACTIONED = "open", "dismissed", "actioned"


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, reporter_id: int, post_id: int, reason: str, now: datetime) -> Report:
        report = Report(
            reporter_id=reporter_id, post_id=post_id, reason=reason, status=OPEN, created_at=now
        )
        self.session.add(report)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:  # the partial unique index: one open report per reporter+post
            raise AlreadyReported() from None
        return report

    async def open_by(self, reporter_id: int, post_id: int) -> bool:
        found = await self.session.scalar(
            select(Report.id).where(
                Report.reporter_id == reporter_id, Report.post_id == post_id, Report.status == OPEN
            )
        )
        return found is not None

    async def get(self, report_id: int) -> Report | None:
        return await self.session.get(Report, report_id)

    async def detailed(
        self,
        *,
        status: str | None = OPEN,
        before: int | None = None,
        limit: int = 5,
        report_id: int | None = None,
    ) -> list[tuple[Report, Post, str, str]]:
        """(report, post, post author's name, reporter's name), newest first."""
        author = aliased(Account)
        reporter = aliased(Account)
        query = (
            select(Report, Post, author.username, reporter.username)
            .join(Post, Post.id == Report.post_id)
            .join(author, author.id == Post.author_id)
            .join(reporter, reporter.id == Report.reporter_id)
        )
        if report_id is not None:
            query = query.where(Report.id == report_id)
        if status is not None:
            query = query.where(Report.status == status)
        if before is not None:
            query = query.where(Report.id < before)
        rows = await self.session.execute(query.order_by(Report.id.desc()).limit(limit))
        return [(r, p, a, b) for r, p, a, b in rows]

    async def resolve_for_post(
        self, post_id: int, status: str, moderator_id: int, now: datetime
    ) -> None:
        """Every open report of a post is decided at once (by removing it, say)."""
        await self.session.execute(
            update(Report)
            .where(Report.post_id == post_id, Report.status == OPEN)
            .values(status=status, resolved_by=moderator_id, resolved_at=now)
        )

    async def resolve_for_author(self, author_id: int, moderator_id: int, now: datetime) -> None:
        posts = select(Post.id).where(Post.author_id == author_id)
        await self.session.execute(
            update(Report)
            .where(Report.post_id.in_(posts), Report.status == OPEN)
            .values(status=ACTIONED, resolved_by=moderator_id, resolved_at=now)
        )

    async def made_by(self, reporter_id: int) -> list[Report]:
        query = select(Report).where(Report.reporter_id == reporter_id).order_by(Report.id)
        return list((await self.session.scalars(query)).all())

    async def delete_made_by(self, reporter_id: int) -> None:
        await self.session.execute(delete(Report).where(Report.reporter_id == reporter_id))


class ModerationLog:
    """Append-only on purpose: there is no method that changes or removes an entry."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, entry: ModerationAction) -> ModerationAction:
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def page(
        self, before: int | None, limit: int
    ) -> list[tuple[ModerationAction, str | None, int | None]]:
        """(entry, target account's name, the post's author... ) newest first."""
        target = aliased(Account)
        query = (
            select(ModerationAction, target.username, Post.author_id)
            .outerjoin(target, target.id == ModerationAction.target_account_id)
            .outerjoin(Post, Post.id == ModerationAction.target_post_id)
        )
        if before is not None:
            query = query.where(ModerationAction.id < before)
        rows = await self.session.execute(query.order_by(ModerationAction.id.desc()).limit(limit))
        return [(entry, name, author) for entry, name, author in rows]
