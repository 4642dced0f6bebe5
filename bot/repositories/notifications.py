"""Notifications and their DMs: queries only.

A notification is written once per event for its one recipient and read newest first by
keyset on (recipient_id, id). Unread ones are those after the account's
``notifications_read_id``, counted along the same index up to a cap, so an account with
100,000 of them costs no more to show than one with ten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, literal, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Account, Block, ChatSession, Mute, Notification, NotificationDm, Post
from bot.domain.values import Audience
from bot.repositories.posts import excluded_accounts

REPLY, MENTION, LIKE, REPOST, FOLLOW = "reply", "mention", "like", "repost", "follow"


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, recipient_id: int, kind: str, actor_id: int, post_id: int | None, now: datetime
    ) -> None:
        self.session.add(
            Notification(
                recipient_id=recipient_id,
                kind=kind,
                actor_id=actor_id,
                post_id=post_id,
                created_at=now,
            )
        )
        await self.session.flush()

    async def quiet(self, recipient_id: int, actor_id: int) -> bool:
        """Whether ``recipient_id`` muted ``actor_id``, or either blocked the other: then
        nothing the actor does reaches the recipient. One query."""
        found = await self.session.scalar(
            union_all(
                select(literal(1)).where(Mute.muter_id == recipient_id, Mute.muted_id == actor_id),
                select(literal(1)).where(
                    Block.blocker_id == recipient_id, Block.blocked_id == actor_id
                ),
                select(literal(1)).where(
                    Block.blocker_id == actor_id, Block.blocked_id == recipient_id
                ),
            ).limit(1)
        )
        return found is not None

    async def take_back(
        self, recipient_id: int, kind: str, actor_id: int, post_id: int | None
    ) -> None:
        """An unlike, unrepost or unfollow takes its notification along."""
        about = (
            Notification.post_id.is_(None) if post_id is None else Notification.post_id == post_id
        )
        await self.session.execute(
            delete(Notification).where(
                Notification.recipient_id == recipient_id,
                Notification.kind == kind,
                Notification.actor_id == actor_id,
                about,
            )
        )

    async def page(
        self,
        recipient_id: int,
        now: datetime,
        *,
        limit: int,
        before: int | None = None,
        after: int | None = None,
    ) -> list[Row[Any]]:
        """Up to ``limit`` notifications newest first, older than ``before`` or newer than
        ``after``. Each row: id, kind, created_at, actor (username), post_id, post body.
        Left out as they are read, whenever they were written: actors the recipient blocked,
        muted or was blocked by, suspended actors, and posts a moderator removed."""
        query = (
            select(
                Notification.id,
                Notification.kind,
                Notification.created_at,
                Account.username.label("actor"),
                Notification.post_id,
                Post.body,
            )
            .join(Account, Account.id == Notification.actor_id)
            .outerjoin(Post, Post.id == Notification.post_id)
            .where(Notification.recipient_id == recipient_id, *_visible(recipient_id, now))
        )
        if after is not None:
            query = query.where(Notification.id > after).order_by(Notification.id.asc())
            rows = list(await self.session.execute(query.limit(limit)))
            return rows[::-1]
        if before is not None:
            query = query.where(Notification.id < before)
        return list(await self.session.execute(query.order_by(Notification.id.desc()).limit(limit)))

    async def received(self, recipient_id: int) -> list[Row[Any]]:
        """Every notification the account has, oldest first (its data export)."""
        rows = await self.session.execute(
            select(
                Notification.kind,
                Account.username.label("actor"),
                Notification.post_id,
                Notification.created_at,
            )
            .join(Account, Account.id == Notification.actor_id)
            .where(Notification.recipient_id == recipient_id)
            .order_by(Notification.id)
        )
        return list(rows)

    async def unread(self, recipient_id: int, read_id: Any, cap: int, now: datetime) -> int:
        """How many notifications came after ``read_id``, counting no further than ``cap``
        (the same ones the page shows)."""
        newest = (
            select(literal(1))
            .select_from(Notification)
            .join(Account, Account.id == Notification.actor_id)
            .outerjoin(Post, Post.id == Notification.post_id)
            .where(
                Notification.recipient_id == recipient_id,
                Notification.id > read_id,
                *_visible(recipient_id, now),
            )
            .limit(cap)
            .subquery()
        )
        return int(await self.session.scalar(select(func.count()).select_from(newest)) or 0)

    async def unread_for(self, recipient_id: int, cap: int, now: datetime) -> int:
        """``unread`` with the account's read mark looked up in the same statement."""
        read_id = (
            select(Account.notifications_read_id)
            .where(Account.id == recipient_id)
            .scalar_subquery()
        )
        return await self.unread(recipient_id, read_id, cap, now)

    async def newest_id(self, recipient_id: int) -> int:
        found = await self.session.scalar(
            select(Notification.id)
            .where(Notification.recipient_id == recipient_id)
            .order_by(Notification.id.desc())
            .limit(1)
        )
        return int(found or 0)

    async def read_id(self, account_id: int) -> int:
        found = await self.session.scalar(
            select(Account.notifications_read_id).where(Account.id == account_id)
        )
        return int(found or 0)

    async def mark_read(self, account_id: int, upto_id: int) -> None:
        """Everything up to ``upto_id`` is read (never moves backwards)."""
        await self.session.execute(
            update(Account)
            .where(Account.id == account_id, Account.notifications_read_id < upto_id)
            .values(notifications_read_id=upto_id)
            .execution_options(synchronize_session=False)
        )

    async def between(
        self, recipient_id: int, after: int, upto: int, limit: int, now: datetime
    ) -> tuple[int, list[Row[Any]]]:
        """How many notifications lie in (after, upto], and the newest ``limit`` of them."""
        rows = await self.page(recipient_id, now, limit=limit, before=upto + 1)
        rows = [row for row in rows if row.id > after]
        count = await self.session.scalar(
            select(func.count())
            .select_from(Notification)
            .join(Account, Account.id == Notification.actor_id)
            .outerjoin(Post, Post.id == Notification.post_id)
            .where(
                Notification.recipient_id == recipient_id,
                Notification.id > after,
                Notification.id <= upto,
                *_visible(recipient_id, now),
            )
        )
        return int(count or 0), rows


def _visible(recipient_id: int, now: datetime) -> list[ColumnElement[bool]]:
    """On notification joined with its actor (Account) and its post (outer join)."""
    conditions: list[ColumnElement[bool]] = [
        Post.removed_at.is_(None),  # also true when there is no post (a follow)
        or_(Account.suspended_until.is_(None), Account.suspended_until <= now),
    ]
    excluded = excluded_accounts(Audience(now=now, account_id=recipient_id))
    if excluded is not None:
        conditions.append(Notification.actor_id.not_in(excluded))
    return conditions


class NotificationDmRepository:
    """Who gets their notifications by DM, and the delivery state (leases as for digests)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, session_id: int) -> NotificationDm | None:
        return await self.session.get(NotificationDm, session_id)

    async def add(self, row: NotificationDm) -> NotificationDm:
        self.session.add(row)
        await self.session.flush()
        return row

    async def claim_due(
        self,
        *,
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
        idle_since: datetime,
        logged_in_since: datetime,
    ) -> list[int]:
        """Reserve up to ``limit`` DMs that are due and have news; returns session ids.

        Due: switched on, the interval since the last DM has passed, no live lease, the
        Discord user still logged into that account with a session that has not expired,
        and a notification newer than both the last DM and what they already read.
        """
        newer = aliased(Notification)
        news = (
            select(newer.id)
            .where(
                newer.recipient_id == NotificationDm.account_id,
                newer.id > NotificationDm.sent_upto_id,
                newer.id > Account.notifications_read_id,
            )
            .limit(1)
            .exists()
        )
        due = (
            select(NotificationDm.session_id)
            .join(ChatSession, ChatSession.id == NotificationDm.session_id)
            .join(Account, Account.id == NotificationDm.account_id)
            .where(
                NotificationDm.enabled.is_(True),
                NotificationDm.next_due_at <= now,
                or_(
                    NotificationDm.lease_expires_at.is_(None),
                    NotificationDm.lease_expires_at < now,
                ),
                ChatSession.account_id == NotificationDm.account_id,
                ChatSession.last_seen_at > idle_since,
                ChatSession.created_at > logged_in_since,
                or_(NotificationDm.pending_upto_id.is_not(None), news),
            )
            .order_by(NotificationDm.next_due_at, NotificationDm.session_id)
            .limit(limit)
            # PostgreSQL: another process's claims in flight are skipped, not waited for.
            .with_for_update(of=NotificationDm, skip_locked=True)
        )
        ids = list((await self.session.scalars(due)).all())
        if ids:
            await self.session.execute(
                update(NotificationDm)
                .where(NotificationDm.session_id.in_(ids))
                .values(lease_owner=owner, lease_expires_at=lease_until)
            )
        return ids

    async def holding(self, session_id: int, owner: str, now: datetime) -> Row[Any] | None:
        """The DM row (with its Discord user and the account's read mark) if ``owner``
        still holds an unexpired lease on it."""
        row = (
            await self.session.execute(
                select(NotificationDm, ChatSession.chat_user_id, Account.notifications_read_id)
                .join(ChatSession, ChatSession.id == NotificationDm.session_id)
                .join(Account, Account.id == NotificationDm.account_id)
                .where(
                    NotificationDm.session_id == session_id,
                    NotificationDm.lease_owner == owner,
                    NotificationDm.lease_expires_at >= now,
                )
            )
        ).one_or_none()
        return row
