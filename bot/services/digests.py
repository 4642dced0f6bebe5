"""Feed summaries for channels: subscriptions, and the delivery rules the scheduler follows.

Delivery, in the order that makes it safe:
1. ``claim_due`` reserves due subscriptions for one process (a lease that expires).
2. ``prepare`` pins the summary's window (the newest post it covers) and a nonce, once:
   a retry after a crash or an error sends the same content with the same nonce.
3. Only after Discord accepted the message does ``delivered`` advance the cursor.
So nothing is skipped; a repeat is possible only when a retry comes after Discord has
forgotten the nonce (minutes), e.g. the only process was down that long after sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import DigestSettings
from bot.db.engine import Database
from bot.db.models import DigestSubscription
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import AccountNotFound, SubscriptionNotFound, ValidationError
from bot.domain.rules import clean_username, parse_interval
from bot.domain.values import Audience, Position, PostView
from bot.repositories.accounts import AccountRepository
from bot.repositories.posts import PostRepository
from bot.repositories.subscriptions import (
    ACTIVE,
    PAUSED,
    SubscriptionRepository,
)

FIRST_RETRY = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    id: int
    channel_id: int
    author: str | None
    interval: timedelta
    min_posts: int
    active: bool
    status_reason: str | None
    next_due_at: datetime
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Summary:
    subscription_id: int
    channel_id: int
    author: str | None
    new_posts: int  # how many arrived since the last summary
    posts: list[PostView]  # the newest of them, newest first
    nonce: str | None  # None for previews
    guild_id: int = 0  # whose language the summary speaks


class DigestService:
    def __init__(self, database: Database, settings: DigestSettings, clock: Clock = utcnow) -> None:
        self.db = database
        self.settings = settings
        self.clock = clock

    # -- the /digest commands ------------------------------------------------------------
    async def subscribe(
        self,
        *,
        guild_id: int,
        channel_id: int,
        interval: str,
        author: str | None,
        min_posts: int,
        created_by: str,
    ) -> SubscriptionView:
        every = parse_interval(interval)
        if not 1 <= min_posts <= 100:
            raise ValidationError("min_posts", "min_posts must be between 1 and 100.")
        now = self.clock()
        async with self.db.write() as session:
            author_id, author_name = await _author(AccountRepository(session), author)
            # Summaries start from now: a new subscription does not replay the whole history.
            start = await PostRepository(session).newest_after(
                author_id, None, Audience(now=now, guild_id=guild_id)
            )
            subscription = await SubscriptionRepository(session).add(
                DigestSubscription(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    author_id=author_id,
                    author_scope=author_id or 0,
                    interval_seconds=int(every.total_seconds()),
                    min_posts=min_posts,
                    created_by=created_by,
                    created_at=now,
                    status=ACTIVE,
                    next_due_at=now + every,
                    cursor_created_at=start.created_at if start else None,
                    cursor_post_id=start.post_id if start else None,
                    failures=0,
                )
            )
            return _view(subscription, author_name)

    async def list(self, guild_id: int) -> list[SubscriptionView]:
        async with self.db.read() as session:
            rows = await SubscriptionRepository(session).for_guild(guild_id)
            return [_view(sub, name) for sub, name in rows]

    async def unsubscribe(self, guild_id: int, subscription_id: int) -> SubscriptionView:
        async with self.db.write() as session:
            repository = SubscriptionRepository(session)
            subscription = await _in_guild(repository, guild_id, subscription_id)
            view = await _named_view(session, subscription)
            await repository.delete(subscription)
            return view

    async def pause(self, guild_id: int, subscription_id: int, by: str) -> SubscriptionView:
        async with self.db.write() as session:
            subscription = await _in_guild(
                SubscriptionRepository(session), guild_id, subscription_id
            )
            subscription.status, subscription.status_reason = PAUSED, f"Paused by {by}."
            await session.flush()
            return await _named_view(session, subscription)

    async def resume(self, guild_id: int, subscription_id: int) -> SubscriptionView:
        async with self.db.write() as session:
            subscription = await _in_guild(
                SubscriptionRepository(session), guild_id, subscription_id
            )
            subscription.status, subscription.status_reason = ACTIVE, None
            subscription.failures, subscription.last_error = 0, None
            subscription.next_due_at = min(subscription.next_due_at, self.clock())
            await session.flush()
            return await _named_view(session, subscription)

    async def preview(self, guild_id: int, subscription_id: int) -> Summary | None:
        """What the next summary would post now (None: nothing new)."""
        async with self.db.read() as session:
            subscription = await _in_guild(
                SubscriptionRepository(session), guild_id, subscription_id
            )
            posts = PostRepository(session)
            upto = _pending(subscription) or await posts.newest_after(
                subscription.author_id, _cursor(subscription), self._audience(subscription)
            )
            if upto is None:
                return None
            return await self._summary(session, subscription, upto, nonce=None)

    # -- the scheduler's side ------------------------------------------------------------
    async def claim_due(
        self, owner: str, shard_count: int | None = None, shard_ids: tuple[int, ...] | None = None
    ) -> list[int]:
        now = self.clock()
        async with self.db.write() as session:
            return await SubscriptionRepository(session).claim_due(
                now=now,
                owner=owner,
                lease_until=now + timedelta(seconds=self.settings.lease_seconds),
                limit=self.settings.max_parallel_sends * 10,
                shard_count=shard_count,
                shard_ids=shard_ids,
            )

    async def prepare(self, subscription_id: int, owner: str) -> Summary | None:
        """The summary to send now, pinned so retries repeat it exactly; None if nothing is
        due to be sent (too few new posts: the subscription is then rescheduled)."""
        now = self.clock()
        async with self.db.write() as session:
            subscription = await SubscriptionRepository(session).holding(
                subscription_id, owner, now
            )
            if subscription is None:
                return None  # the lease expired and another process took over
            posts = PostRepository(session)
            upto = _pending(subscription)
            if upto is None:
                cursor = _cursor(subscription)
                audience = self._audience(subscription)
                newest = await posts.newest_after(subscription.author_id, cursor, audience)
                new = (
                    await posts.count_between(subscription.author_id, cursor, newest, audience)
                    if newest
                    else 0
                )
                if new < subscription.min_posts and not (
                    new == 0 and self.settings.post_when_empty
                ):
                    _reschedule(subscription, now)
                    return None
                upto = newest or cursor or Position(now, 0)
                subscription.pending_created_at = upto.created_at
                subscription.pending_post_id = upto.post_id
                subscription.pending_nonce = _nonce(subscription.id, upto, now)
            return await self._summary(
                session, subscription, upto, nonce=subscription.pending_nonce
            )

    async def delivered(self, subscription_id: int, owner: str, message_id: int) -> bool:
        """Discord accepted the summary: advance the cursor. False if the lease was lost
        (the process that took over will resend with the same nonce; Discord drops it)."""
        now = self.clock()
        async with self.db.write() as session:
            subscription = await SubscriptionRepository(session).holding(
                subscription_id, owner, now
            )
            if subscription is None:
                return False
            if subscription.pending_post_id is not None:
                subscription.cursor_created_at = subscription.pending_created_at
                subscription.cursor_post_id = subscription.pending_post_id
            subscription.pending_created_at = subscription.pending_post_id = None
            subscription.pending_nonce = None
            subscription.last_message_id, subscription.last_sent_at = message_id, now
            subscription.failures, subscription.last_error = 0, None
            _reschedule(subscription, now)
            return True

    async def pause_for(self, subscription_id: int, owner: str, reason: str) -> None:
        """Discord refused access: stop trying until someone fixes it and resumes."""
        async with self.db.write() as session:
            subscription = await SubscriptionRepository(session).holding(
                subscription_id, owner, self.clock()
            )
            if subscription is not None:
                subscription.status, subscription.status_reason = PAUSED, reason[:300]
                # Nothing was posted: the next summary is built afresh from the cursor.
                subscription.pending_created_at = subscription.pending_post_id = None
                subscription.pending_nonce = None
                subscription.lease_owner = subscription.lease_expires_at = None

    async def remove_gone(self, subscription_id: int, owner: str) -> None:
        """The channel no longer exists."""
        async with self.db.write() as session:
            repository = SubscriptionRepository(session)
            subscription = await repository.holding(subscription_id, owner, self.clock())
            if subscription is not None:
                await repository.delete(subscription)

    async def retry_later(self, subscription_id: int, owner: str, error: str) -> None:
        """A passing failure (5xx, timeout): try again later, waiting longer each time.
        The pinned summary and nonce stay, so a send that did arrive is not repeated."""
        now = self.clock()
        async with self.db.write() as session:
            subscription = await SubscriptionRepository(session).holding(
                subscription_id, owner, now
            )
            if subscription is None:
                return
            subscription.failures += 1
            subscription.last_error = error[:300]
            wait = min(
                FIRST_RETRY * 2 ** (subscription.failures - 1),
                timedelta(minutes=self.settings.max_backoff_minutes),
            )
            subscription.next_due_at = now + wait
            subscription.lease_owner = subscription.lease_expires_at = None

    def _audience(self, subscription: DigestSubscription) -> Audience:
        """A channel's summary is seen by that server: its hidden accounts stay out."""
        return Audience(now=self.clock(), guild_id=subscription.guild_id)

    async def _summary(
        self,
        session: AsyncSession,
        subscription: DigestSubscription,
        upto: Position,
        nonce: str | None,
    ) -> Summary:
        posts = PostRepository(session)
        cursor = _cursor(subscription)
        audience = self._audience(subscription)
        count = await posts.count_between(subscription.author_id, cursor, upto, audience)
        newest = await posts.newest_between(
            subscription.author_id, cursor, upto, self.settings.posts_per_summary, audience
        )
        return Summary(
            subscription_id=subscription.id,
            channel_id=subscription.channel_id,
            author=await _author_name(session, subscription),
            new_posts=count,
            posts=[
                PostView(p.id, p.author_id, name, p.body, p.created_at, p.edited_at)
                for p, name in newest
            ],
            nonce=nonce,
            guild_id=subscription.guild_id,
        )


async def _author(accounts: AccountRepository, author: str | None) -> tuple[int | None, str | None]:
    """The (id, username) of the account a subscription follows; (None, None): everyone."""
    if not author or not author.strip():
        return None, None
    _, key = clean_username(author)
    account = await accounts.get_by_key(key)
    if account is None:
        raise AccountNotFound(author.strip())
    return account.id, account.username


async def _in_guild(
    repository: SubscriptionRepository, guild_id: int, subscription_id: int
) -> DigestSubscription:
    subscription = await repository.get(subscription_id)
    if subscription is None or subscription.guild_id != guild_id:
        raise SubscriptionNotFound(subscription_id)  # other servers' ids are not revealed
    return subscription


def _cursor(subscription: DigestSubscription) -> Position | None:
    if subscription.cursor_created_at is None or subscription.cursor_post_id is None:
        return None
    return Position(subscription.cursor_created_at, subscription.cursor_post_id)


def _pending(subscription: DigestSubscription) -> Position | None:
    if subscription.pending_created_at is None or subscription.pending_post_id is None:
        return None
    return Position(subscription.pending_created_at, subscription.pending_post_id)


def _reschedule(subscription: DigestSubscription, now: datetime) -> None:
    subscription.next_due_at = now + timedelta(seconds=subscription.interval_seconds)
    subscription.lease_owner = subscription.lease_expires_at = None


def _nonce(subscription_id: int, upto: Position, now: datetime) -> str:
    """At most 25 characters (Discord's limit); unique per subscription and window."""
    stamp = int((upto.created_at if upto.post_id else now).timestamp() * 1000)
    return f"d{subscription_id:x}.{upto.post_id:x}.{stamp:x}"[:25]


async def _author_name(session: AsyncSession, subscription: DigestSubscription) -> str | None:
    if subscription.author_id is None:
        return None
    account = await AccountRepository(session).get(subscription.author_id)
    return account.username if account else None


async def _named_view(session: AsyncSession, subscription: DigestSubscription) -> SubscriptionView:
    return _view(subscription, await _author_name(session, subscription))


def _view(subscription: DigestSubscription, author: str | None) -> SubscriptionView:
    return SubscriptionView(
        id=subscription.id,
        channel_id=subscription.channel_id,
        author=author,
        interval=timedelta(seconds=subscription.interval_seconds),
        min_posts=subscription.min_posts,
        active=subscription.status == ACTIVE,
        status_reason=subscription.status_reason,
        next_due_at=subscription.next_due_at,
        last_error=subscription.last_error,
    )
