"""Chat sessions: which chat user is logged into which account. Queries only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, ChatSession
from bot.domain.values import LiveSession

# Built once: read commands run it on every call, and building and cache-keying a statement
# costs more than the primary-key lookup it makes.
_LIVE = (
    select(
        ChatSession.id,
        Account.id,
        Account.username,
        Account.following_count,
        ChatSession.created_at,
        ChatSession.last_seen_at,
        Account.suspended_until,
    )
    .join(Account, Account.id == ChatSession.account_id)
    .where(
        ChatSession.platform == bindparam("platform"),
        ChatSession.chat_user_id == bindparam("chat_user_id"),
    )
)


class ChatSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_with_account(
        self, platform: str, chat_user_id: str
    ) -> tuple[ChatSession, Account] | None:
        row = (
            await self.session.execute(
                select(ChatSession, Account)
                .join(Account, Account.id == ChatSession.account_id)
                .where(ChatSession.platform == platform, ChatSession.chat_user_id == chat_user_id)
            )
        ).one_or_none()
        return (row[0], row[1]) if row else None

    async def live(self, platform: str, chat_user_id: str) -> LiveSession | None:
        """The session and its account as plain values (expiry is the caller's to judge)."""
        row = (
            await self.session.execute(_LIVE, {"platform": platform, "chat_user_id": chat_user_id})
        ).one_or_none()
        return LiveSession(*row) if row else None

    async def upsert(
        self, platform: str, chat_user_id: str, account_id: int, now: datetime
    ) -> None:
        """Log the chat user into ``account_id``, replacing any session they had (atomically)."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = insert(ChatSession).values(
            platform=platform,
            chat_user_id=chat_user_id,
            account_id=account_id,
            created_at=now,
            last_seen_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[ChatSession.platform, ChatSession.chat_user_id],
            set_={"account_id": account_id, "created_at": now, "last_seen_at": now},
        )
        await self.session.execute(statement)

    async def touch(self, session_id: int, now: datetime) -> None:
        await self.session.execute(
            update(ChatSession).where(ChatSession.id == session_id).values(last_seen_at=now)
        )

    async def delete(self, platform: str, chat_user_id: str) -> bool:
        result = await self.session.execute(
            delete(ChatSession).where(
                ChatSession.platform == platform, ChatSession.chat_user_id == chat_user_id
            )
        )
        return bool(result.rowcount)

    async def delete_for_account(self, account_id: int, keep: tuple[str, str] | None = None) -> int:
        """End every session on ``account_id`` (except ``keep``: (platform, chat_user_id))."""
        statement = delete(ChatSession).where(ChatSession.account_id == account_id)
        if keep is not None:
            platform, chat_user_id = keep
            statement = statement.where(
                ~((ChatSession.platform == platform) & (ChatSession.chat_user_id == chat_user_id))
            )
        result = await self.session.execute(statement)
        return int(result.rowcount or 0)

    async def for_account(self, account_id: int) -> list[ChatSession]:
        query = (
            select(ChatSession)
            .where(ChatSession.account_id == account_id)
            .order_by(ChatSession.created_at)
        )
        return list((await self.session.scalars(query)).all())
