"""What people do to protect themselves, and server admins for their server.

- Blocks work both ways: neither account sees or reaches the other (feeds, home timelines,
  profiles' posts, follower lists, threads, search; no follow, reply, mention, like or
  repost). ``ensure_can_interact`` is the check every service that connects two accounts
  calls inside its own transaction. A block ends their follows both ways, counters too.
- Mutes only leave the muted account out of the muter's feeds and notifications.
- Reports: one open report per reporter and post, at most ``reports_per_hour`` each.
- Server hides: an account's posts do not appear in what the bot shows in that server.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ModerationSettings
from bot.db.engine import Database
from bot.db.models import Account
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import (
    AccountNotFound,
    AlreadyReported,
    Blocked,
    NotServerManager,
    PostNotFound,
    Throttled,
    UserError,
)
from bot.domain.rules import clean_reason, clean_username
from bot.domain.values import Audience, ChatUser, RelationView, ReportView
from bot.repositories.accounts import AccountRepository
from bot.repositories.posts import PostRepository
from bot.repositories.rate_events import RateEventRepository
from bot.repositories.relations import BlockRepository, MuteRepository
from bot.repositories.reports import ReportRepository
from bot.repositories.server_hides import ServerHideRepository
from bot.services.auth import AuthService
from bot.services.graph import end_follows_between

REPORT_BY_ACCOUNT = "report_account"
REPORT_WINDOW = timedelta(hours=1)


async def ensure_can_interact(session: AsyncSession, first_id: int, second_id: int) -> None:
    """Raises Blocked if either account blocked the other (it does not say which)."""
    if first_id != second_id and await BlockRepository(session).between(first_id, second_id):
        raise Blocked()


async def account_named(accounts: AccountRepository, username: str) -> Account:
    try:
        _, key = clean_username(username)
    except UserError:
        raise AccountNotFound(username.strip()) from None
    found = await accounts.get_by_key(key)
    if found is None:
        raise AccountNotFound(username.strip())
    return found


class SafetyService:
    def __init__(
        self,
        database: Database,
        auth: AuthService,
        settings: ModerationSettings,
        clock: Clock = utcnow,
    ) -> None:
        self.db = database
        self.auth = auth
        self.settings = settings
        self.clock = clock

    # -- blocks and mutes ------------------------------------------------------------------
    async def block(self, chat: ChatUser, username: str) -> str:
        async with self.auth.signed_in(chat) as (session, me):
            other = await self._other(session, me.account.id, username, "block")
            # Follows end first: that locks both accounts, so a follow being made right now
            # waits and then meets the block (a refusal below rolls this back too).
            await end_follows_between(session, me.account.id, other.id)
            if not await BlockRepository(session).add(me.account.id, other.id, self.clock()):
                raise UserError("You have already blocked {username}.", username=other.username)
            return other.username

    async def unblock(self, chat: ChatUser, username: str) -> str:
        async with self.auth.signed_in(chat) as (session, me):
            other = await account_named(AccountRepository(session), username)
            if not await BlockRepository(session).remove(me.account.id, other.id):
                raise UserError("You have not blocked {username}.", username=other.username)
            return other.username

    async def mute(self, chat: ChatUser, username: str) -> str:
        async with self.auth.signed_in(chat) as (session, me):
            other = await self._other(session, me.account.id, username, "mute")
            if not await MuteRepository(session).add(me.account.id, other.id, self.clock()):
                raise UserError("You have already muted {username}.", username=other.username)
            return other.username

    async def unmute(self, chat: ChatUser, username: str) -> str:
        async with self.auth.signed_in(chat) as (session, me):
            other = await account_named(AccountRepository(session), username)
            if not await MuteRepository(session).remove(me.account.id, other.id):
                raise UserError("You have not muted {username}.", username=other.username)
            return other.username

    async def relations(self, chat: ChatUser) -> tuple[list[RelationView], list[RelationView]]:
        """(whom I blocked, whom I muted), newest first."""
        async with self.auth.signed_in(chat) as (session, me):
            blocked = await BlockRepository(session).by(me.account.id)
            muted = await MuteRepository(session).by(me.account.id)
            return (
                [RelationView(name, since) for name, since in blocked],
                [RelationView(name, since) for name, since in muted],
            )

    async def _other(self, session: AsyncSession, my_id: int, username: str, verb: str) -> Account:
        other = await account_named(AccountRepository(session), username)
        if other.id == my_id:
            raise UserError(f"You cannot {verb} yourself.")
        return other

    # -- reports ---------------------------------------------------------------------------
    async def report(self, chat: ChatUser, post_id: int, reason: str) -> ReportView:
        reason = clean_reason(reason)
        now = self.clock()
        async with self.auth.signed_in(chat) as (session, me):
            reporter_id = me.account.id
            posts = PostRepository(session)
            # Only what the reporter can see can be reported (no probing hidden posts).
            found = await posts.get_visible(
                post_id, Audience(now=now, account_id=reporter_id, hide_muted=False)
            )
            if found is None:
                raise PostNotFound(post_id)
            post, author = found
            if author.id == reporter_id:
                raise UserError("You cannot report your own post; /delete removes it.")
            reports = ReportRepository(session)
            if await reports.open_by(reporter_id, post_id):
                raise AlreadyReported()
            rate_events = RateEventRepository(session)
            subject = f"account:{reporter_id}"
            count, oldest = await rate_events.window(
                REPORT_BY_ACCOUNT, subject, now - REPORT_WINDOW
            )
            if count >= self.settings.reports_per_hour and oldest is not None:
                raise Throttled(
                    "You have sent many reports in the last hour.",
                    retry_at=oldest + REPORT_WINDOW,
                    now=now,
                )
            report = await reports.add(reporter_id, post_id, reason, now)
            await rate_events.clear(REPORT_BY_ACCOUNT, subject, before=now - REPORT_WINDOW)
            await rate_events.add(REPORT_BY_ACCOUNT, subject, now)
            return ReportView(
                id=report.id,
                post_id=post.id,
                post_author=author.username,
                post_body=post.body,
                reporter=me.account.username,
                reason=reason,
                status=report.status,
                created_at=now,
            )

    # -- server admins ---------------------------------------------------------------------
    async def hide_in_server(
        self, guild_id: int, username: str, *, by: int, manages_server: bool
    ) -> str:
        _require_manager(manages_server)
        async with self.db.write() as session:
            account = await account_named(AccountRepository(session), username)
            if not await ServerHideRepository(session).add(guild_id, account.id, by, self.clock()):
                raise UserError(f"{account.username} is already hidden in this server.")
            return account.username

    async def unhide_in_server(self, guild_id: int, username: str, *, manages_server: bool) -> str:
        _require_manager(manages_server)
        async with self.db.write() as session:
            account = await account_named(AccountRepository(session), username)
            if not await ServerHideRepository(session).remove(guild_id, account.id):
                raise UserError(f"{account.username} is not hidden in this server.")
            return account.username

    async def hidden_in_server(
        self, guild_id: int, *, manages_server: bool
    ) -> list[tuple[str, int, datetime]]:
        _require_manager(manages_server)
        async with self.db.read() as session:
            return await ServerHideRepository(session).in_guild(guild_id)


def _require_manager(manages_server: bool) -> None:
    # The command's check already refused; this holds for any other caller (or a forged
    # payload whose member permissions lack Manage Server).
    if not manages_server:
        raise NotServerManager()
