"""The follow graph's edges and the counters beside them, inside the caller's transaction.

Every service that adds or removes follows goes through here (SocialService: follow and
unfollow; SafetyService: a block ends follows both ways; AccountService: a deletion ends
all of an account's), so ``follower_count`` and ``following_count`` always equal the rows
they count, and a follow's notification comes and goes with its row.

Each change first locks the accounts involved (``lock_accounts``: PostgreSQL row locks in
id order; SQLite's write transaction already holds the whole database). Follows, blocks
and deletions that touch the same account therefore happen one after another: a follow
cannot slip in beside a block that ends it, and a deletion's set-based counter updates see
exactly the follow rows it then deletes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.notifications import FOLLOW
from bot.repositories.accounts import AccountRepository
from bot.repositories.follows import FollowRepository
from bot.services.notifications import notify, take_back


async def lock_accounts(session: AsyncSession, *account_ids: int) -> set[int]:
    """Lock the accounts' rows until the transaction ends; returns those that exist."""
    return await AccountRepository(session).lock(*account_ids)


async def add_follow(
    session: AsyncSession, follower_id: int, followed_id: int, now: datetime
) -> bool:
    """True if the follow is new (counters moved); False if it already existed.

    The caller has locked both accounts and checked that they may interact (a block
    committed before the lock is then seen by that check).
    """
    if not await FollowRepository(session).add(follower_id, followed_id, now):
        return False
    accounts = AccountRepository(session)
    await accounts.add_to_counts(follower_id, following=1)
    await accounts.add_to_counts(followed_id, followers=1)
    await notify(session, followed_id, FOLLOW, follower_id, None, now)
    return True


async def remove_follow(session: AsyncSession, follower_id: int, followed_id: int) -> bool:
    """True if a follow was removed (counters moved); False if there was none."""
    await lock_accounts(session, follower_id, followed_id)
    return await _remove(session, follower_id, followed_id)


async def end_follows_between(session: AsyncSession, first_id: int, second_id: int) -> None:
    """Neither follows the other any more (a block)."""
    await lock_accounts(session, first_id, second_id)
    await _remove(session, first_id, second_id)
    await _remove(session, second_id, first_id)


async def end_all_follows(session: AsyncSession, account_id: int) -> None:
    """The account follows nobody and nobody follows it (before it is deleted): everyone it
    followed loses a follower, everyone who followed it follows one account fewer."""
    await lock_accounts(session, account_id)  # no follow of it is added or removed meanwhile
    await AccountRepository(session).uncount_follows_of(account_id)
    await FollowRepository(session).remove_all_of(account_id)


async def _remove(session: AsyncSession, follower_id: int, followed_id: int) -> bool:
    if not await FollowRepository(session).remove(follower_id, followed_id):
        return False
    accounts = AccountRepository(session)
    await accounts.add_to_counts(follower_id, following=-1)
    await accounts.add_to_counts(followed_id, followers=-1)
    await take_back(session, followed_id, FOLLOW, follower_id, None)
    return True
