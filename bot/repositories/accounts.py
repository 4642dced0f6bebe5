"""Accounts: queries only. Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account
from bot.domain.errors import UsernameTaken
from bot.repositories.flushing import add_or_raise


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: int) -> Account | None:
        return await self.session.get(Account, account_id)

    async def get_by_key(self, username_key: str) -> Account | None:
        return await self.session.scalar(
            select(Account).where(Account.username_key == username_key)
        )

    async def usernames_with_prefix(self, key_prefix: str, limit: int) -> list[str]:
        """Display names whose key starts with ``key_prefix``, in key order (autocomplete).

        A range over the unique index on username_key; exact in code-point order (SQLite,
        and PostgreSQL's C collations). Under other collations the range may hold names
        without the prefix, which the filter drops: a shorter list, never a wrong one.
        """
        rows = await self.session.execute(
            select(Account.username, Account.username_key)
            .where(
                Account.username_key >= key_prefix,
                Account.username_key < key_prefix + "\U0010ffff",
            )
            .order_by(Account.username_key)
            .limit(limit)
        )
        return [name for name, key in rows if key.startswith(key_prefix)]

    async def add(
        self, username: str, username_key: str, password_hash: str, created_at: datetime
    ) -> Account:
        account = Account(
            username=username,
            username_key=username_key,
            password_hash=password_hash,
            created_at=created_at,
        )
        await add_or_raise(self.session, account, UsernameTaken)
        return account

    async def set_password_hash(self, account: Account, password_hash: str) -> None:
        account.password_hash = password_hash
        await self.session.flush()
