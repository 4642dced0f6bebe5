"""Property: whatever sequence of follows, unfollows, posts and deletes people make, every
account's counters equal the rows they count, on both backends."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Account, Follow, Post
from bot.domain.errors import UserError
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.posts import PostService
from bot.services.social import SocialService
from tests.conftest import STRONG_PASSWORD
from tests.services.test_properties import PROPERTY_SETTINGS

NAMES = ("ann", "ben", "cat", "dan")
operations = st.lists(
    st.tuples(
        st.sampled_from(["follow", "unfollow", "post", "delete"]),
        st.integers(0, len(NAMES) - 1),  # who acts
        st.integers(0, len(NAMES) - 1),  # whom they follow or unfollow
    ),
    min_size=1,
    max_size=25,
)


async def _ensure_people(auth: AuthService, database: Database) -> list[ChatUser]:
    chats = [ChatUser("discord", str(5000 + n)) for n in range(len(NAMES))]
    async with database.read() as session:
        registered = await session.scalar(select(func.count()).select_from(Account))
    if not registered:
        for chat, name in zip(chats, NAMES, strict=True):
            await auth.register(chat, name, STRONG_PASSWORD)
    return chats


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


@PROPERTY_SETTINGS
@given(steps=operations)
async def test_counters_always_equal_their_rows(
    auth: AuthService,
    posts: PostService,
    social: SocialService,
    database: Database,
    steps: list[tuple[str, int, int]],
) -> None:
    chats = await _ensure_people(auth, database)
    for action, actor, other in steps:
        chat = chats[actor]
        with contextlib.suppress(UserError):  # following yourself, deleting nothing...
            if action == "follow":
                await social.follow(chat, NAMES[other])
            elif action == "unfollow":
                await social.unfollow(chat, NAMES[other])
            elif action == "post":
                await posts.create_post(chat, f"hello from {NAMES[actor]}")
            else:
                mine = await posts.my_recent_posts(chat)
                if mine:
                    await posts.delete_post(chat, mine[0].id)
    assert await _mismatches(database) == []
