"""Notifications: written once per event, read newest first, grouped when read; and the
optional DM that summarises what is new.

Rules worth knowing (also in the README):
- One row per event for its one recipient (never one per follower), written in the same
  transaction as the event; nobody is notified of their own doing. Taking something back
  (unlike, unrepost, unfollow) takes its notification along.
- Reading the newest page marks everything up to it read. The unread count is counted
  along the (recipient_id, id) index up to ``UNREAD_CAP`` ("99+"), never over every row.
- DMs (``/account notify dm:on``) go at most once per ``dm_interval_minutes`` per Discord
  user, only while that user is still logged into the account, only about what they have
  not read, and are delivered as feed summaries are: a lease per DM, the content pinned
  before sending and sent with a nonce, so two processes send each DM once. When Discord
  says the user cannot be messaged (50007), DMs switch off and /notifications says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import NotificationSettings
from bot.db.engine import Database
from bot.db.models import NotificationDm
from bot.domain.clock import Clock, utcnow
from bot.domain.cursors import NEWER, OLDER, Cursor, decode_cursor
from bot.domain.errors import NotLoggedIn, ValidationError
from bot.domain.notifications import Event, group_events
from bot.domain.values import (
    ChatUser,
    DmSettings,
    LiveSession,
    NotificationEntry,
    NotificationPage,
    Position,
)
from bot.repositories.chat_sessions import ChatSessionRepository
from bot.repositories.notifications import NotificationDmRepository, NotificationRepository
from bot.services.auth import AuthService

UNREAD_CAP = 100  # shown as "99+" beyond
GROUPS_PER_PAGE = 10
EVENTS_PER_PAGE = 200  # events read for one page; grouping may use fewer
DM_ENTRIES = 5  # lines in one DM; the rest are counted
FIRST_RETRY = timedelta(seconds=30)
DM_CLOSED = "dm_closed"  # off_reason: Discord said the user cannot be messaged (50007)
EXCERPT = 120
COMMAND = "/notifications"


async def notify(
    session: AsyncSession,
    recipient_id: int,
    kind: str,
    actor_id: int,
    post_id: int | None,
    now: datetime,
) -> None:
    """Write one notification, in the caller's transaction. Nobody hears of their own
    doing, nor of an account they muted or that is blocked either way."""
    if recipient_id == actor_id:
        return
    notifications = NotificationRepository(session)
    if await notifications.quiet(recipient_id, actor_id):
        return
    await notifications.add(recipient_id, kind, actor_id, post_id, now)


async def take_back(
    session: AsyncSession, recipient_id: int, kind: str, actor_id: int, post_id: int | None
) -> None:
    await NotificationRepository(session).take_back(recipient_id, kind, actor_id, post_id)


@dataclass(frozen=True, slots=True)
class DmDigest:
    """One notification DM, pinned: a retry sends exactly this again, with the same nonce."""

    session_id: int
    chat_user_id: str
    dm_channel_id: int | None
    locale: str | None
    new: int  # how many notifications it is about
    entries: list[NotificationEntry]
    nonce: str


class NotificationService:
    def __init__(
        self,
        database: Database,
        auth: AuthService,
        settings: NotificationSettings,
        clock: Clock = utcnow,
    ) -> None:
        self.db = database
        self.auth = auth
        self.settings = settings
        self.clock = clock
        self.interval = timedelta(minutes=settings.dm_interval_minutes)

    # -- reading -------------------------------------------------------------------------
    async def notifications(self, chat: ChatUser, cursor: str | None = None) -> NotificationPage:
        """A page of your notifications, newest first; the newest page marks them read.

        Read in one hop; a write follows only when the page showed something new (to move
        the read mark) or the session is due a refresh.
        """
        position = decode_cursor(cursor, COMMAND) if cursor else None

        async def read(session: AsyncSession) -> tuple[NotificationPage, LiveSession, int]:
            live = await self.auth.live_session(session, chat)
            if position is not None and position.author_id != live.account_id:
                # Notifications are private: a page link only works for its owner.
                raise ValidationError(
                    "cursor",
                    "That page link is not valid any more. Run {command} again.",
                    command=COMMAND,
                )
            repository = NotificationRepository(session)
            read_id = await repository.read_id(live.account_id)
            now = self.clock()
            unread = await repository.unread(live.account_id, read_id, UNREAD_CAP, now)
            entries, older, newer, top_id = await _page(
                repository, live.account_id, position, read_id, now
            )
            page = NotificationPage(
                username=live.username,
                entries=entries,
                unread=unread,
                older=older,
                newer=newer,
                dm_off_reason=await _dm_off_reason(session, chat),
            )
            return page, live, top_id if top_id > read_id else 0

        page, live, newly_read = await self.db.run_read(read)
        if newly_read:
            async with self.db.write() as session:  # the mark never moves backwards
                await NotificationRepository(session).mark_read(live.account_id, newly_read)
        await self.auth.keep_alive(live)
        return page

    async def status(self, chat: ChatUser) -> tuple[int, DmSettings | None]:
        """Unread notifications (capped) and the DM setting of this Discord user: for
        /whoami and /account notify. Only reads."""
        async with self.db.read() as session:
            live = await self.auth.live_session(session, chat)
            unread = await NotificationRepository(session).unread_for(
                live.account_id, UNREAD_CAP, self.clock()
            )
            row = await NotificationDmRepository(session).get(live.session_id)
            if row is None or row.account_id != live.account_id:
                return unread, None
            return unread, DmSettings(
                enabled=row.enabled,
                off_reason=row.off_reason,
                interval_minutes=self.settings.dm_interval_minutes,
            )

    async def unread_count(self, account_id: int) -> int:
        async with self.db.read() as session:
            repository = NotificationRepository(session)
            read_id = await repository.read_id(account_id)
            return await repository.unread(account_id, read_id, UNREAD_CAP, self.clock())

    # -- DM settings ---------------------------------------------------------------------
    async def set_dm(self, chat: ChatUser, enabled: bool, locale: str | None = None) -> DmSettings:
        """Turn notification DMs on or off for this Discord user and the account they are
        logged into. Turning them on starts from now: what happened before is not sent."""
        now = self.clock()
        async with self.auth.signed_in(chat) as (session, signed_in):
            me = signed_in.account
            live = await ChatSessionRepository(session).live(chat.platform, chat.user_id)
            if live is None:  # signed_in just found it; only a concurrent logout gets here
                raise NotLoggedIn()
            dms = NotificationDmRepository(session)
            row = await dms.get(live.session_id)
            newest = await NotificationRepository(session).newest_id(me.id)
            if row is None:
                row = await dms.add(
                    NotificationDm(
                        session_id=live.session_id,
                        account_id=me.id,
                        enabled=enabled,
                        locale=locale,
                        sent_upto_id=newest,
                        next_due_at=now,
                        failures=0,
                    )
                )
            else:
                if enabled and (not row.enabled or row.account_id != me.id):
                    row.sent_upto_id = newest
                    row.next_due_at = min(row.next_due_at, now)
                    row.failures, row.last_error = 0, None
                row.account_id, row.enabled, row.off_reason = me.id, enabled, None
                row.locale = locale or row.locale
                row.pending_upto_id = row.pending_nonce = None
                await session.flush()
            return DmSettings(
                enabled=row.enabled,
                off_reason=None,
                interval_minutes=self.settings.dm_interval_minutes,
            )

    # -- the scheduler's side ------------------------------------------------------------
    async def claim_due(self, owner: str) -> list[int]:
        now = self.clock()
        async with self.db.write() as session:
            return await NotificationDmRepository(session).claim_due(
                now=now,
                owner=owner,
                lease_until=now + timedelta(seconds=self.settings.lease_seconds),
                limit=self.settings.max_parallel_sends * 10,
                idle_since=now - self.auth.idle_limit,
                logged_in_since=now - self.auth.absolute_limit,
            )

    async def prepare(self, session_id: int, owner: str) -> DmDigest | None:
        """The DM to send now, pinned so that a retry repeats it exactly; None if there is
        nothing to send after all (read meanwhile: the row then waits for news again)."""
        now = self.clock()
        async with self.db.write() as session:
            held = await NotificationDmRepository(session).holding(session_id, owner, now)
            if held is None:
                return None  # the lease expired and another process took over
            row, chat_user_id, read_id = held
            notifications = NotificationRepository(session)
            after = max(row.sent_upto_id, read_id)
            upto = row.pending_upto_id
            if upto is None:
                upto = await notifications.newest_id(row.account_id)
                if upto <= after:
                    row.lease_owner = row.lease_expires_at = None
                    return None
                row.pending_upto_id = upto
                row.pending_nonce = _nonce(session_id, upto)
            count, rows = await notifications.between(
                row.account_id, after, upto, EVENTS_PER_PAGE, now
            )
            if count == 0:  # read or taken back meanwhile (an unlike): nothing left to say
                row.pending_upto_id = row.pending_nonce = None
                row.sent_upto_id = max(row.sent_upto_id, upto)
                row.lease_owner = row.lease_expires_at = None
                return None
            entries, _taken = group_events(
                (_event(r) for r in rows), read_id=read_id, max_groups=DM_ENTRIES
            )
            return DmDigest(
                session_id=session_id,
                chat_user_id=chat_user_id,
                dm_channel_id=row.dm_channel_id,
                locale=row.locale,
                new=count,
                entries=entries,
                nonce=row.pending_nonce or _nonce(session_id, upto),
            )

    async def delivered(self, session_id: int, owner: str, dm_channel_id: int) -> bool:
        """Discord accepted the DM: what it covered is sent, the next waits an interval."""
        now = self.clock()
        async with self.db.write() as session:
            held = await NotificationDmRepository(session).holding(session_id, owner, now)
            if held is None:
                return False
            row = held[0]
            if row.pending_upto_id is not None:
                row.sent_upto_id = max(row.sent_upto_id, row.pending_upto_id)
            row.pending_upto_id = row.pending_nonce = None
            row.dm_channel_id = dm_channel_id
            row.failures, row.last_error = 0, None
            row.next_due_at = now + self.interval
            row.lease_owner = row.lease_expires_at = None
            return True

    async def switch_off(self, session_id: int, owner: str, reason: str) -> None:
        """Discord will not deliver DMs to this user: stop, and say why next time."""
        async with self.db.write() as session:
            held = await NotificationDmRepository(session).holding(session_id, owner, self.clock())
            if held is None:
                return
            row = held[0]
            row.enabled, row.off_reason = False, reason
            row.pending_upto_id = row.pending_nonce = None
            row.lease_owner = row.lease_expires_at = None

    async def forget_channel(self, session_id: int, owner: str) -> None:
        """The DM channel Discord gave is gone: the next attempt opens a new one."""
        async with self.db.write() as session:
            held = await NotificationDmRepository(session).holding(session_id, owner, self.clock())
            if held is not None:
                held[0].dm_channel_id = None

    async def retry_later(self, session_id: int, owner: str, error: str) -> None:
        """A passing failure: try again later, waiting longer each time; the pinned DM and
        its nonce stay, so one that did arrive is not repeated."""
        now = self.clock()
        async with self.db.write() as session:
            held = await NotificationDmRepository(session).holding(session_id, owner, now)
            if held is None:
                return
            row = held[0]
            row.failures += 1
            row.last_error = error[:300]
            row.next_due_at = now + min(
                FIRST_RETRY * 2 ** (row.failures - 1),
                timedelta(minutes=self.settings.max_backoff_minutes),
            )
            row.lease_owner = row.lease_expires_at = None


async def _page(
    repository: NotificationRepository,
    account_id: int,
    position: Cursor | None,
    read_id: int,
    now: datetime,
) -> tuple[list[NotificationEntry], str | None, str | None, int]:
    """One page of grouped entries, its cursors, and the newest id when it is the top."""
    if position is not None and position.direction == NEWER:
        rows = await repository.page(
            account_id, now, limit=EVENTS_PER_PAGE + 1, after=position.position.post_id
        )
        # Closest to the cursor first, so the page continues where the last one ended.
        upward = rows[::-1]
        entries, taken = group_events(
            (_event(r) for r in upward), read_id=read_id, max_groups=GROUPS_PER_PAGE
        )
        shown = upward[:taken][::-1]
        if taken == len(rows):  # reached the top: show the newest page instead
            return await _page(repository, account_id, None, read_id, now)
        entries.reverse()
        return (
            entries,
            _cursor(OLDER, shown[-1], account_id),
            _cursor(NEWER, shown[0], account_id),
            0,
        )
    before = position.position.post_id if position is not None else None
    rows = await repository.page(account_id, now, limit=EVENTS_PER_PAGE + 1, before=before)
    entries, taken = group_events(
        (_event(r) for r in rows), read_id=read_id, max_groups=GROUPS_PER_PAGE
    )
    if not rows:
        return entries, None, None, 0
    shown = rows[:taken]
    older = _cursor(OLDER, shown[-1], account_id) if taken < len(rows) else None
    newer = _cursor(NEWER, shown[0], account_id) if before is not None else None
    return entries, older, newer, rows[0].id if before is None else 0


def _cursor(direction: str, row: Row[Any], account_id: int) -> str:
    return Cursor(direction, Position(row.created_at, row.id), account_id).encode()


def _event(row: Row[Any]) -> Event:
    excerpt = " ".join(row.body.split())[:EXCERPT] if row.body is not None else None
    return Event(row.id, row.kind, row.actor, row.post_id, excerpt, row.created_at)


async def _dm_off_reason(session: AsyncSession, chat: ChatUser) -> str | None:
    live = await ChatSessionRepository(session).live(chat.platform, chat.user_id)
    if live is None:
        return None
    row = await NotificationDmRepository(session).get(live.session_id)
    return row.off_reason if row is not None and not row.enabled else None


def _nonce(session_id: int, upto: int) -> str:
    """At most 25 characters (Discord's limit); one per DM row and window."""
    return f"n{session_id:x}.{upto:x}"[:25]
