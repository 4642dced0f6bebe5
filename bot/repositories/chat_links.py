"""Chat links: which chat user chose to show which account on their chat profile. Queries only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, ChatLink
from bot.domain.errors import UserError


class ChatLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def account_of(self, platform: str, chat_user_id: str) -> Account | None:
        return await self.session.scalar(
            select(Account)
            .join(ChatLink, ChatLink.account_id == Account.id)
            .where(ChatLink.platform == platform, ChatLink.chat_user_id == chat_user_id)
        )

    async def replace(
        self, platform: str, chat_user_id: str, account_id: int, now: datetime
    ) -> None:
        """Link the chat user to the account, dropping what either was linked to before."""
        await self.session.execute(
            delete(ChatLink).where(
                or_(
                    ChatLink.account_id == account_id,
                    (ChatLink.platform == platform) & (ChatLink.chat_user_id == chat_user_id),
                )
            )
        )
        self.session.add(
            ChatLink(
                platform=platform, chat_user_id=chat_user_id, account_id=account_id, created_at=now
            )
        )
        try:
            # A savepoint: a link made at the same moment elsewhere leaves this one usable.
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            raise UserError("That link changed at the same moment. Please try again.") from None

    async def remove(self, platform: str, chat_user_id: str) -> None:
        await self.session.execute(
            delete(ChatLink).where(
                ChatLink.platform == platform, ChatLink.chat_user_id == chat_user_id
            )
        )
