"""Accounts: queries only. Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Follow
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

    async def add_to_counts(
        self, account_id: int, *, posts: int = 0, followers: int = 0, following: int = 0
    ) -> None:
        """Adjust the denormalized counters in place (``x = x + n``: no lost updates)."""
        values = {
            column: getattr(Account, column) + delta
            for column, delta in (
                ("post_count", posts),
                ("follower_count", followers),
                ("following_count", following),
            )
            if delta
        }
        if values:
            await self.session.execute(
                update(Account)
                .where(Account.id == account_id)
                .values(values)
                .execution_options(synchronize_session=False)
            )

    async def lock(self, *account_ids: int) -> set[int]:
        """Row locks until the transaction ends (PostgreSQL: FOR UPDATE, in id order, so two
        transactions never wait on each other in a circle); returns the ids that exist.
        SQLite writes one transaction at a time: there the rows are only read."""
        query = select(Account.id).where(Account.id.in_(sorted(set(account_ids))))
        if self.session.bind.dialect.name == "postgresql":
            query = query.order_by(Account.id).with_for_update()
        return set((await self.session.scalars(query)).all())

    async def uncount_follows_of(self, account_id: int) -> None:
        """Take ``account_id``'s follows off the other side's counters (it is being
        deleted): one set-based update each way, however many follows there are."""
        for column, others in (
            ("follower_count", select(Follow.followed_id).where(Follow.follower_id == account_id)),
            ("following_count", select(Follow.follower_id).where(Follow.followed_id == account_id)),
        ):
            await self.session.execute(
                update(Account)
                .where(Account.id.in_(others))
                .values({column: getattr(Account, column) - 1})
                .execution_options(synchronize_session=False)
            )

    async def set_profile(
        self, account: Account, display_name: str | None, bio: str | None
    ) -> None:
        account.display_name = display_name
        account.bio = bio
        await self.session.flush()

    async def usernames_starting(self, key_prefix: str, limit: int) -> list[str]:
        """Usernames whose key starts with ``key_prefix``, in key order (autocomplete)."""
        query = select(Account.username).order_by(Account.username_key).limit(limit)
        if key_prefix:
            # The range walks the unique index (SQLite's binary order, PostgreSQL's C-like
            # collations); LIKE, escaped, keeps only true prefixes whatever the collation.
            query = query.where(
                Account.username_key >= key_prefix,
                Account.username_key < key_prefix + "\U0010ffff",
                Account.username_key.startswith(key_prefix, autoescape=True),
            )
        return list((await self.session.scalars(query)).all())

    async def set_suspended_until(self, account_id: int, until: datetime | None) -> None:
        await self.session.execute(
            update(Account).where(Account.id == account_id).values(suspended_until=until)
        )

    async def delete(self, account_id: int) -> None:
        """The account row; the database cascades to everything that belongs to it."""
        await self.session.execute(delete(Account).where(Account.id == account_id))

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
