"""The moderators' powers. Every method checks, first, that the caller is a moderator
(``[moderation] moderators``): a button anyone could press or a forged payload changes
nothing. Every action is written to the append-only moderation log in its transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ModerationSettings
from bot.db.engine import Database
from bot.db.models import SUSPENDED_INDEFINITELY, Account, ModerationAction, Post, Report
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import NotModerator, PostNotFound, ReportNotFound, UserError, ValidationError
from bot.domain.rules import SUSPENSION_MAX_DAYS, clean_reason
from bot.domain.values import ModerationEntry, Page, ReportView
from bot.repositories.accounts import AccountRepository
from bot.repositories.chat_sessions import ChatSessionRepository
from bot.repositories.posts import PostRepository
from bot.repositories.reports import ACTIONED, DISMISSED, OPEN, ModerationLog, ReportRepository
from bot.services.safety import account_named

REMOVE_POST, SUSPEND, UNSUSPEND, DISMISS, WHO = (
    "remove_post", "suspend", "unsuspend", "dismiss_report", "who",
)  # fmt: skip
PAGE_SIZE = 10  # log entries per page
REPORTS_PAGE = 4  # reports per page: each has a row of buttons, and Discord allows five


class ModerationService:
    def __init__(
        self, database: Database, settings: ModerationSettings, clock: Clock = utcnow
    ) -> None:
        self.db = database
        self.settings = settings
        self.clock = clock

    def is_moderator(self, discord_user_id: int) -> bool:
        return discord_user_id in self.settings.moderators

    def require_moderator(self, discord_user_id: int) -> None:
        if not self.is_moderator(discord_user_id):
            raise NotModerator()

    async def remove_post(
        self, moderator: int, post_id: int, reason: str, report_id: int | None = None
    ) -> tuple[int, str]:
        """Hides the post everywhere; returns (post id, author). Its open reports close."""
        self.require_moderator(moderator)
        reason = clean_reason(reason)
        now = self.clock()
        async with self.db.write() as session:
            post, author = await _post(PostRepository(session), post_id)
            if post.removed_at is not None:
                raise UserError("Post #{post_id} was already removed.", post_id=post_id)
            await PostRepository(session).mark_removed(post_id, now)
            await ReportRepository(session).resolve_for_post(post_id, ACTIONED, moderator, now)
            await _log(session, now, moderator, REMOVE_POST, reason, author.id, post_id, report_id)
            return post_id, author.username

    async def suspend(
        self,
        moderator: int,
        username: str,
        reason: str,
        days: int | None = None,
        report_id: int | None = None,
    ) -> tuple[str, datetime | None]:
        """No login, posting or interaction; posts hidden; every session ends.

        Returns (username, until); until is None for a suspension without an end.
        """
        self.require_moderator(moderator)
        reason = clean_reason(reason)
        if days is not None and not 1 <= days <= SUSPENSION_MAX_DAYS:
            raise ValidationError("days", f"Suspend for 1 to {SUSPENSION_MAX_DAYS} days.")
        now = self.clock()
        until = now + timedelta(days=days) if days is not None else SUSPENDED_INDEFINITELY
        async with self.db.write() as session:
            accounts = AccountRepository(session)
            account = await account_named(accounts, username)
            await accounts.set_suspended_until(account.id, until)
            await ChatSessionRepository(session).delete_for_account(account.id)
            await ReportRepository(session).resolve_for_author(account.id, moderator, now)
            detail = f"{days} days" if days is not None else "until lifted"
            await _log(
                session, now, moderator, SUSPEND, reason, account.id, None, report_id, detail
            )
            return account.username, until if days is not None else None

    async def suspend_author(
        self, moderator: int, report_id: int, reason: str, days: int | None
    ) -> tuple[str, datetime | None]:
        """Suspend the author of a reported post (the Suspend author button's form)."""
        self.require_moderator(moderator)
        report = await self.report(moderator, report_id)
        return await self.suspend(moderator, report.post_author, reason, days, report_id)

    async def unsuspend(self, moderator: int, username: str, reason: str = "") -> str:
        self.require_moderator(moderator)
        now = self.clock()
        async with self.db.write() as session:
            accounts = AccountRepository(session)
            account = await account_named(accounts, username)
            if account.suspended_until is None or account.suspended_until <= now:
                raise UserError("{username} is not suspended.", username=account.username)
            await accounts.set_suspended_until(account.id, None)
            await _log(session, now, moderator, UNSUSPEND, reason.strip() or "lifted", account.id)
            return account.username

    async def dismiss(self, moderator: int, report_id: int) -> ReportView:
        self.require_moderator(moderator)
        now = self.clock()
        async with self.db.write() as session:
            reports = ReportRepository(session)
            report = await reports.get(report_id)
            if report is None or report.status != OPEN:
                raise ReportNotFound(report_id)
            report.status, report.resolved_by, report.resolved_at = DISMISSED, moderator, now
            await _log(
                session, now, moderator, DISMISS, "no action needed", None, report.post_id,
                report_id,
            )  # fmt: skip
            (view,) = [_report_view(*row) for row in await reports.detailed(
                status=None, report_id=report_id, limit=1
            )]  # fmt: skip
            return view

    async def report(self, moderator: int, report_id: int) -> ReportView:
        """An open report (for its buttons)."""
        self.require_moderator(moderator)
        async with self.db.read() as session:
            rows = await ReportRepository(session).detailed(report_id=report_id, limit=1)
        if not rows:
            raise ReportNotFound(report_id)
        return _report_view(*rows[0])

    async def open_reports(self, moderator: int, before: int | None = None) -> Page[ReportView]:
        self.require_moderator(moderator)
        async with self.db.read() as session:
            rows = await ReportRepository(session).detailed(
                status=OPEN, before=before, limit=REPORTS_PAGE + 1
            )
        items = [_report_view(*row) for row in rows[:REPORTS_PAGE]]
        return Page(items, items[-1].id if len(rows) > REPORTS_PAGE else None)

    async def who(self, moderator: int, post_id: int) -> tuple[int, str, int | None]:
        """(post id, author, the Discord user id that wrote it or None if not recorded).

        Looking is itself logged: it reveals who is behind an account.
        """
        self.require_moderator(moderator)
        now = self.clock()
        async with self.db.write() as session:
            post, author = await _post(PostRepository(session), post_id)
            await _log(session, now, moderator, WHO, "looked up the writer", author.id, post_id)
            return post.id, author.username, post.discord_user_id

    async def log(self, moderator: int, before: int | None = None) -> Page[ModerationEntry]:
        self.require_moderator(moderator)
        async with self.db.read() as session:
            rows = await ModerationLog(session).page(before, PAGE_SIZE + 1)
        entries = [_entry(entry, name) for entry, name, _ in rows[:PAGE_SIZE]]
        return Page(entries, entries[-1].id if len(rows) > PAGE_SIZE else None)


async def _post(posts: PostRepository, post_id: int) -> tuple[Post, Account]:
    found = await posts.get_with_author(post_id)
    if found is None:
        raise PostNotFound(post_id)
    return found


async def _log(
    session: AsyncSession,
    now: datetime,
    moderator: int,
    action: str,
    reason: str,
    account_id: int | None = None,
    post_id: int | None = None,
    report_id: int | None = None,
    detail: str | None = None,
) -> None:
    await ModerationLog(session).append(
        ModerationAction(
            created_at=now,
            moderator_id=moderator,
            action=action,
            reason=reason,
            target_account_id=account_id,
            target_post_id=post_id,
            report_id=report_id,
            detail=detail,
        )
    )


def _report_view(report: Report, post: Post, author: str, reporter: str) -> ReportView:
    return ReportView(
        id=report.id,
        post_id=post.id,
        post_author=author,
        post_body=post.body,
        reporter=reporter,
        reason=report.reason,
        status=report.status,
        created_at=report.created_at,
    )


def _entry(entry: ModerationAction, account_name: str | None) -> ModerationEntry:
    if entry.target_post_id is not None:
        target = f"post #{entry.target_post_id}" + (f" by {account_name}" if account_name else "")
    elif account_name is not None:
        target = account_name
    elif entry.target_account_id is None and entry.action in (SUSPEND, UNSUSPEND, REMOVE_POST):
        target = "a deleted account"
    else:
        target = "—"
    return ModerationEntry(
        id=entry.id,
        created_at=entry.created_at,
        moderator_id=entry.moderator_id,
        action=entry.action,
        reason=entry.reason,
        target=target,
        detail=entry.detail,
    )
