"""Accounts: queries only. Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
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

    async def name_taken(self, username_key: str, skeletons: tuple[str, str]) -> bool:
        """Whether an account has this name, or one that looks like it."""
        folded, shown = skeletons
        found = await self.session.scalar(
            select(Account.id)
            .where(
                or_(
                    Account.username_key == username_key,
                    Account.username_skeleton == folded,
                    Account.shown_skeleton == shown,
                )
            )
            .limit(1)
        )
        return found is not None

    async def add(
        self,
        username: str,
        username_key: str,
        skeletons: tuple[str, str],
        password_hash: str,
        created_at: datetime,
    ) -> Account:
        account = Account(
            username=username,
            username_key=username_key,
            username_skeleton=skeletons[0],
            shown_skeleton=skeletons[1],
            skeleton_clash=False,
            password_hash=password_hash,
            created_at=created_at,
        )
        await add_or_raise(self.session, account, UsernameTaken)
        return account

    async def set_password_hash(self, account: Account, password_hash: str) -> None:
        account.password_hash = password_hash
        await self.session.flush()

    async def set_suspended_until(self, account_id: int, until: datetime | None) -> None:
        await self.session.execute(
            update(Account).where(Account.id == account_id).values(suspended_until=until)
        )

    async def delete(self, account_id: int) -> None:
        """The account row; the database cascades to everything that belongs to it."""
        await self.session.execute(delete(Account).where(Account.id == account_id))

    async def named_like(self, prefix: str, limit: int) -> list[str]:
        """Usernames whose folded form starts with ``prefix`` (autocomplete)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = (
            select(Account.username)
            .where(Account.username_key.like(f"{escaped}%", escape="\\"))
            .order_by(Account.username_key)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def look_alike_groups(self) -> list[list[tuple[int, str, bool]]]:
        """Accounts that share a skeleton with another: [(id, username, flagged), ...] each."""
        groups: list[list[tuple[int, str, bool]]] = []
        for column in (Account.username_skeleton, Account.shown_skeleton):
            shared = select(column).group_by(column).having(func.count() > 1)
            rows = await self.session.execute(
                select(column, Account.id, Account.username, Account.skeleton_clash)
                .where(column.in_(shared))
                .order_by(column, Account.id)
            )
            by_skeleton: dict[str, list[tuple[int, str, bool]]] = {}
            for skeleton, account_id, username, flagged in rows:
                by_skeleton.setdefault(skeleton, []).append((account_id, username, flagged))
            for group in by_skeleton.values():
                if group not in groups:
                    groups.append(group)
        return groups

    async def all_names(self) -> list[tuple[int, str, str, str]]:
        """(id, username, folded skeleton, shown skeleton) of every account, oldest first."""
        rows = await self.session.execute(
            select(
                Account.id, Account.username, Account.username_skeleton, Account.shown_skeleton
            ).order_by(Account.id)
        )
        return [(a, b, c, d) for a, b, c, d in rows]
