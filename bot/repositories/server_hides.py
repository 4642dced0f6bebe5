"""Accounts a server's admins hid in that server: queries only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, ServerHiddenAccount
from bot.repositories.relations import insert_new


class ServerHideRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, guild_id: int, account_id: int, by: int, now: datetime) -> bool:
        """False if the account was already hidden there."""
        return await insert_new(
            self.session,
            ServerHiddenAccount,
            {"guild_id": guild_id, "account_id": account_id, "hidden_by": by, "created_at": now},
        )

    async def remove(self, guild_id: int, account_id: int) -> bool:
        result = await self.session.execute(
            delete(ServerHiddenAccount).where(
                ServerHiddenAccount.guild_id == guild_id,
                ServerHiddenAccount.account_id == account_id,
            )
        )
        return bool(result.rowcount)

    async def in_guild(self, guild_id: int) -> list[tuple[str, int, datetime]]:
        """(username, hidden by, since) in this server, newest first."""
        rows = await self.session.execute(
            select(Account.username, ServerHiddenAccount.hidden_by, ServerHiddenAccount.created_at)
            .join(Account, Account.id == ServerHiddenAccount.account_id)
            .where(ServerHiddenAccount.guild_id == guild_id)
            .order_by(ServerHiddenAccount.created_at.desc())
        )
        return [(name, by, since) for name, by, since in rows]

    async def where_hidden(self, account_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(ServerHiddenAccount.guild_id).where(ServerHiddenAccount.account_id == account_id)
        )
        return list(rows.all())
