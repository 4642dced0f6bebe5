"""Accounts and chat sessions: register, login, logout, who is this chat user.

Rules worth knowing (also in the README):
- bcrypt work happens before any write transaction opens, so no lock is held while hashing.
- Unknown user and wrong password: the same message and exactly one bcrypt check each.
- Register or login while logged in switches this chat user to the new account.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AuthSettings
from bot.db.engine import Database
from bot.db.models import Account
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import (
    N_,
    AccountSuspended,
    InvalidCredentials,
    NotLoggedIn,
    Throttled,
    UserError,
    UsernameTaken,
    ValidationError,
    WrongPassword,
)
from bot.domain.rules import clean_username, username_skeletons
from bot.domain.security import PasswordHasher, Verification, check_password_shape
from bot.domain.values import AccountView, ChatUser, LiveSession, LoginResult, SessionView
from bot.repositories.accounts import AccountRepository
from bot.repositories.chat_sessions import ChatSessionRepository
from bot.repositories.rate_events import RateEventRepository

FAILED_LOGIN_BY_ACCOUNT = "login_fail_account"
FAILED_LOGIN_BY_CHAT_USER = "login_fail_chat"
REGISTRATION_BY_CHAT_USER = "register_chat"
# last_seen_at is rewritten at most this often: idle expiry is counted in days, and a write
# per command would serialise every read on SQLite.
TOUCH_INTERVAL = timedelta(minutes=1)
EXPIRED = N_("Your session has expired. Use /login to log in again.")


class AuthService:
    def __init__(
        self,
        database: Database,
        hasher: PasswordHasher,
        settings: AuthSettings,
        clock: Clock = utcnow,
    ) -> None:
        self.db = database
        self.hasher = hasher
        self.settings = settings
        self.clock = clock
        self.failure_window = timedelta(minutes=settings.login_failure_window_minutes)
        self.idle_limit = timedelta(days=settings.session_idle_days)
        self.absolute_limit = timedelta(days=settings.session_max_days)

    async def register(
        self, chat: ChatUser, username: str, password: str, password_repeat: str | None = None
    ) -> AccountView:
        display, key = clean_username(username)
        skeletons = username_skeletons(display)
        if password_repeat is not None and password_repeat != password:
            raise ValidationError("password_repeat", "The two passwords do not match.")
        check_password_shape(password, self.settings.min_password_bytes)
        chat_subject = _subject(chat)
        async with self.db.read() as session:
            await self._check_registrations(RateEventRepository(session), chat_subject)
            if await AccountRepository(session).name_taken(key, skeletons):
                raise UsernameTaken()  # before spending a bcrypt hash on a name that is taken
        score = await self.hasher.strength(password, [display, key])
        if score < self.settings.min_password_score:
            raise ValidationError(
                "password",
                "That password is too easy to guess. Try a longer phrase of unrelated words.",
            )
        password_hash = await self.hasher.hash(password)
        now = self.clock()
        async with self.db.write() as session:
            rate_events = RateEventRepository(session)
            # Again inside the write lock: two registrations may have raced past the first check.
            await self._check_registrations(rate_events, chat_subject)
            account = await AccountRepository(session).add(
                display, key, skeletons, password_hash, now
            )
            # What fell out of the day's window will never count again.
            await rate_events.clear(
                REGISTRATION_BY_CHAT_USER, chat_subject, before=now - timedelta(days=1)
            )
            await rate_events.add(REGISTRATION_BY_CHAT_USER, chat_subject, now)
            await ChatSessionRepository(session).upsert(
                chat.platform, chat.user_id, account.id, now
            )
            return _view(account)

    async def login(self, chat: ChatUser, username: str, password: str) -> LoginResult:
        key = _key_if_valid(username)  # None: no account can have this name
        chat_subject = _subject(chat)
        # A free hashing worker first, the reads second: see PasswordHasher.turn.
        async with self.hasher.turn():
            async with self.db.read() as session:
                rate_events = RateEventRepository(session)
                if key is not None:
                    await self._check_failed_logins(rate_events, FAILED_LOGIN_BY_ACCOUNT, key)
                await self._check_failed_logins(
                    rate_events, FAILED_LOGIN_BY_CHAT_USER, chat_subject
                )
                account = await AccountRepository(session).get_by_key(key) if key else None
                current = await ChatSessionRepository(session).get_with_account(
                    chat.platform, chat.user_id
                )
            if account is None:
                await self.hasher.burn(password)  # same cost as a wrong password
                verification = Verification(ok=False)
            else:
                verification = await self.hasher.verify(password, account.password_hash)
        if account is None or not verification.ok:
            await self._record_failed_login(key, chat_subject)
            raise InvalidCredentials()
        # Said only to whoever knows the password: a suspension is not public knowledge.
        if suspended(account, self.clock()):
            raise AccountSuspended(account.suspended_until)
        # An imported werkzeug hash (or a bcrypt below today's cost) becomes today's bcrypt.
        new_hash = await self.hasher.rehash(password) if verification.needs_rehash else None
        now = self.clock()
        async with self.db.write() as session:
            if new_hash is not None:
                stored = await AccountRepository(session).get(account.id)
                # Only the hash this login verified: not one changed since by someone else.
                if stored is not None and stored.password_hash == account.password_hash:
                    await AccountRepository(session).set_password_hash(stored, new_hash)
            await ChatSessionRepository(session).upsert(
                chat.platform, chat.user_id, account.id, now
            )
            await RateEventRepository(session).clear(FAILED_LOGIN_BY_CHAT_USER, chat_subject)
        previous = current[1].username if current and current[1].id != account.id else None
        return LoginResult(account=_view(account), previous_username=previous)

    async def logout(self, chat: ChatUser) -> str:
        """Ends this chat user's session; returns the username they were logged in as."""
        async with self.db.write() as session:
            sessions = ChatSessionRepository(session)
            current = await sessions.get_with_account(chat.platform, chat.user_id)
            if current is None:
                raise NotLoggedIn("You are not logged in.")
            await sessions.delete(chat.platform, chat.user_id)
            return current[1].username

    async def current_account(self, chat: ChatUser, *, touch: bool = True) -> AccountView:
        return (await self.current_session(chat, touch=touch)).account

    async def current_session(self, chat: ChatUser, *, touch: bool = True) -> SessionView:
        """The chat user's live session; expired ones are removed.

        Refreshes last_seen_at unless ``touch`` is False: a read-only check for answers that
        must come before Discord's 3-second deadline and so cannot wait for a write lock.
        """
        if touch:
            async with self.signed_in(chat) as (_, session_view):
                return session_view
        async with self.db.read() as session:
            found = await self._live_session(session, chat, remove_expired=False)
        if found is None:
            raise NotLoggedIn(EXPIRED)
        return found

    @asynccontextmanager
    async def signed_in(self, chat: ChatUser) -> AsyncIterator[tuple[AsyncSession, SessionView]]:
        """One write transaction that starts by checking (and refreshing) the session.

        Commands that write (post, edit, delete) do their work inside it: one transaction
        per command instead of a read, an optional touch, then the write. An expired
        session is removed in that transaction, which commits before NotLoggedIn is raised.
        """
        refusal: UserError = NotLoggedIn(EXPIRED)
        async with self.db.write() as session:
            try:
                found = await self._live_session(session, chat, remove_expired=True)
            except AccountSuspended as error:
                found, refusal = None, error  # the session removal above still commits
            if found is not None:
                yield session, found
                return
        raise refusal

    async def _live_session(
        self, session: AsyncSession, chat: ChatUser, *, remove_expired: bool
    ) -> SessionView | None:
        """The live session, touched when ``remove_expired`` (a write); None if it expired.

        Raises NotLoggedIn when there is no session at all.
        """
        now = self.clock()
        sessions = ChatSessionRepository(session)
        found = await sessions.get_with_account(chat.platform, chat.user_id)
        if found is None:
            raise NotLoggedIn()
        chat_session, account = found
        if suspended(account, now):
            if remove_expired:
                await sessions.delete(chat.platform, chat.user_id)
            raise AccountSuspended(account.suspended_until)
        expires_at = self._expires_at(chat_session.created_at, chat_session.last_seen_at)
        if now >= expires_at:
            if remove_expired:
                await sessions.delete(chat.platform, chat.user_id)
            return None
        if remove_expired and now - chat_session.last_seen_at >= TOUCH_INTERVAL:
            await sessions.touch(chat_session.id, now)
            expires_at = min(now + self.idle_limit, chat_session.created_at + self.absolute_limit)
        return SessionView(
            account=_view(account), logged_in_at=chat_session.created_at, expires_at=expires_at
        )

    async def live_session(self, session: AsyncSession, chat: ChatUser) -> LiveSession:
        """The chat user's unexpired session, read in the caller's transaction.

        For read commands that answer from one read transaction (each transaction costs
        round trips); once it has ended they call ``keep_alive``, so reading counts as
        activity as writing does.
        """
        found = await ChatSessionRepository(session).live(chat.platform, chat.user_id)
        if found is None:
            raise NotLoggedIn()
        now = self.clock()
        if found.suspended_until is not None and found.suspended_until > now:
            raise AccountSuspended(found.suspended_until)
        if now >= self._expires_at(found.logged_in_at, found.last_seen_at):
            raise NotLoggedIn(EXPIRED)
        return found

    async def keep_alive(self, live: LiveSession) -> None:
        """Refresh last_seen_at if it is due (at most once a minute, so reads stay reads)."""
        now = self.clock()
        if now - live.last_seen_at >= TOUCH_INTERVAL:
            async with self.db.write() as session:
                await ChatSessionRepository(session).touch(live.session_id, now)

    def _expires_at(self, logged_in_at: datetime, last_seen_at: datetime) -> datetime:
        return min(last_seen_at + self.idle_limit, logged_in_at + self.absolute_limit)

    async def viewer(self, session: AsyncSession, chat: ChatUser | None) -> int | None:
        """The reader's account id inside a read the caller has open; None if not logged in.

        Read-only (no touch, nothing removed), so every feed can apply the reader's blocks
        and mutes without a write.
        """
        if chat is None:
            return None
        try:
            return (await self.live_session(session, chat)).account_id
        except (NotLoggedIn, AccountSuspended):
            return None

    async def check_password(self, account_id: int, username_key: str, password: str) -> None:
        """Raises WrongPassword unless ``password`` is the account's, counting failures
        like logins do (so the account forms cannot be used to guess a password)."""
        async with self.hasher.turn():
            async with self.db.read() as session:
                await self._check_failed_logins(
                    RateEventRepository(session), FAILED_LOGIN_BY_ACCOUNT, username_key
                )
                account = await AccountRepository(session).get(account_id)
            if account is None:
                raise NotLoggedIn()
            verification = await self.hasher.verify(password, account.password_hash)
        if not verification.ok:
            now = self.clock()
            async with self.db.write() as session:
                rate_events = RateEventRepository(session)
                await rate_events.clear(
                    FAILED_LOGIN_BY_ACCOUNT, username_key, before=now - self.failure_window
                )
                await rate_events.add(FAILED_LOGIN_BY_ACCOUNT, username_key, now)
            raise WrongPassword()

    async def _record_failed_login(self, key: str | None, chat_subject: str) -> None:
        now = self.clock()
        subjects = [(FAILED_LOGIN_BY_CHAT_USER, chat_subject)]
        if key is not None:
            subjects.append((FAILED_LOGIN_BY_ACCOUNT, key))
        async with self.db.write() as session:
            rate_events = RateEventRepository(session)
            for kind, subject in subjects:
                # Keep the table small: what fell out of the window will never count again.
                await rate_events.clear(kind, subject, before=now - self.failure_window)
                await rate_events.add(kind, subject, now)

    async def _check_registrations(self, rate_events: RateEventRepository, subject: str) -> None:
        await self._check_limit(
            rate_events,
            REGISTRATION_BY_CHAT_USER,
            subject,
            self.settings.registrations_per_day,
            timedelta(days=1),
            N_("You have registered too many accounts today."),
        )

    async def _check_failed_logins(
        self, rate_events: RateEventRepository, kind: str, subject: str
    ) -> None:
        await self._check_limit(
            rate_events,
            kind,
            subject,
            self.settings.login_failures_allowed,
            self.failure_window,
            N_("Too many failed logins."),
        )

    async def _check_limit(
        self,
        rate_events: RateEventRepository,
        kind: str,
        subject: str,
        allowed: int,
        window: timedelta,
        what: str,
    ) -> None:
        now = self.clock()
        count, oldest = await rate_events.window(kind, subject, since=now - window)
        if count >= allowed and oldest is not None:
            raise Throttled(what, retry_at=oldest + window, now=now)


def suspended(account: Account, now: datetime) -> bool:
    return account.suspended_until is not None and account.suspended_until > now


def _key_if_valid(username: str) -> str | None:
    try:
        return clean_username(username)[1]
    except ValidationError:
        return None


def _subject(chat: ChatUser) -> str:
    return f"{chat.platform}:{chat.user_id}"


def _view(account: Account) -> AccountView:
    return AccountView(id=account.id, username=account.username, created_at=account.created_at)
