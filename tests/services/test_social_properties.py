"""Property: whatever sequence of follows, unfollows, posts and deletes, blocks and unblocks,
and account deletions people make, every account's counters equal the rows they count, and
no follow joins two accounts a block separates, on both backends."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.config import AuthSettings, ModerationSettings
from bot.db.engine import Database
from bot.db.models import Account, Block, ChatSession, Follow, Post
from bot.domain.clock import Clock
from bot.domain.errors import UserError
from bot.domain.security import PasswordHasher
from bot.domain.values import ChatUser
from bot.services.accounts import DELETE_WORD, AccountService
from bot.services.auth import AuthService
from bot.services.posts import PostService
from bot.services.safety import SafetyService
from bot.services.social import SocialService
from tests.conftest import STRONG_PASSWORD, FakeClock
from tests.services.test_properties import PROPERTY_SETTINGS

NAMES = ("ann", "ben", "cat", "dan")
operations = st.lists(
    st.tuples(
        st.sampled_from(
            ["follow", "unfollow", "post", "delete", "block", "unblock", "delete account"]
        ),
        st.integers(0, len(NAMES) - 1),  # who acts
        st.integers(0, len(NAMES) - 1),  # whom they follow or unfollow
    ),
    min_size=1,
    max_size=25,
)


_chat_ids = itertools.count(5000)  # a deleted account comes back through a new chat user


@pytest.fixture
def accounts(
    database: Database,
    auth: AuthService,
    hasher: PasswordHasher,
    auth_settings: AuthSettings,
    clock: FakeClock,
) -> AccountService:
    return AccountService(database, auth, hasher, auth_settings, clock)


@pytest.fixture
def safety(database: Database, auth: AuthService, clock: Clock) -> SafetyService:
    return SafetyService(database, auth, ModerationSettings(), clock)


async def _ensure_people(auth: AuthService, database: Database) -> list[ChatUser]:
    """Everyone in NAMES, registered (again, if an earlier example deleted them), and the
    chat user logged into each."""
    async with database.read() as session:
        present = set((await session.scalars(select(Account.username))).all())
    for name in NAMES:
        if name not in present:
            await auth.register(ChatUser("discord", str(next(_chat_ids))), name, STRONG_PASSWORD)
    async with database.read() as session:
        rows = await session.execute(
            select(Account.username, ChatSession.chat_user_id).join(
                ChatSession, ChatSession.account_id == Account.id
            )
        )
        chat_of = {name: ChatUser("discord", user_id) for name, user_id in rows}
    return [chat_of[name] for name in NAMES]


async def _mismatches(database: Database) -> list[str]:
    """Every counter that differs from a COUNT(*) of its rows (what the services avoid)."""
    async with database.read() as session:
        accounts = (await session.scalars(select(Account))).all()
        wrong = []
        for account in accounts:
            actual = (
                await session.scalar(select(func.count()).where(Post.author_id == account.id)),
                await session.scalar(select(func.count()).where(Follow.followed_id == account.id)),
                await session.scalar(select(func.count()).where(Follow.follower_id == account.id)),
            )
            stored = (account.post_count, account.follower_count, account.following_count)
            if stored != actual:
                wrong.append(f"{account.username}: stored {stored}, rows {actual}")
        return wrong


async def _follows_across_blocks(database: Database) -> int:
    async with database.read() as session:
        blocked_either_way = (
            (Block.blocker_id == Follow.follower_id) & (Block.blocked_id == Follow.followed_id)
        ) | ((Block.blocker_id == Follow.followed_id) & (Block.blocked_id == Follow.follower_id))
        query = select(func.count()).select_from(Follow).join(Block, blocked_either_way)
        return int(await session.scalar(query) or 0)


@PROPERTY_SETTINGS
@given(steps=operations)
async def test_counters_always_equal_their_rows(
    auth: AuthService,
    posts: PostService,
    social: SocialService,
    safety: SafetyService,
    accounts: AccountService,
    database: Database,
    steps: list[tuple[str, int, int]],
) -> None:
    chats = await _ensure_people(auth, database)
    for action, actor, other in steps:
        chat = chats[actor]
        # Following yourself or someone blocked, a deleted account acting or named...
        with contextlib.suppress(UserError):
            if action == "follow":
                await social.follow(chat, NAMES[other])
            elif action == "unfollow":
                await social.unfollow(chat, NAMES[other])
            elif action == "post":
                await posts.create_post(chat, f"hello from {NAMES[actor]}")
            elif action == "delete":
                mine = await posts.my_recent_posts(chat)
                if mine:
                    await posts.delete_post(chat, mine[0].id)
            elif action == "block":
                await safety.block(chat, NAMES[other])
            elif action == "unblock":
                await safety.unblock(chat, NAMES[other])
            else:
                await accounts.delete_account(chat, STRONG_PASSWORD, DELETE_WORD)
    # Walk every account left: each counter equals the rows it counts.
    assert await _mismatches(database) == []
    assert await _follows_across_blocks(database) == 0
