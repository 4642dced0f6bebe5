"""Property: whatever sequence of likes, unlikes, reposts, unreposts, replies and deletes
people make, every post's counters equal the rows they count, and every like, repost and
reply of someone else's post has exactly one notification, on both backends."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.db.engine import Database
from bot.db.models import Account, Notification, Post, PostLike, Repost
from bot.domain.errors import UserError
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.conversations import ConversationService
from bot.services.posts import PostService
from tests.conftest import STRONG_PASSWORD
from tests.services.test_properties import PROPERTY_SETTINGS

NAMES = ("ann", "ben", "cat")
ACTIONS = ("like", "unlike", "repost", "unrepost", "toggle_like", "post", "reply", "delete")
operations = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(0, len(NAMES) - 1),  # who acts
        st.integers(0, 5),  # which post (the n-th newest that exists)
    ),
    min_size=1,
    max_size=30,
)


async def _people(auth: AuthService, database: Database) -> list[ChatUser]:
    chats = [ChatUser("discord", str(7000 + n)) for n in range(len(NAMES))]
    async with database.read() as session:
        registered = await session.scalar(select(func.count()).select_from(Account))
    if not registered:
        for chat, name in zip(chats, NAMES, strict=True):
            await auth.register(chat, name, STRONG_PASSWORD)
    return chats


async def _post_ids(database: Database) -> list[int]:
    async with database.read() as session:
        return list((await session.scalars(select(Post.id).order_by(Post.id.desc()))).all())


async def _mismatches(database: Database) -> list[str]:
    """Every counter that differs from a COUNT(*) of its rows, and every like, repost or
    reply whose notification is missing or doubled."""
    parent = aliased(Post)
    async with database.read() as session:
        wrong = []
        for post in (await session.scalars(select(Post))).all():
            rows = (
                await session.scalar(select(func.count()).where(Post.parent_id == post.id)),
                await session.scalar(select(func.count()).where(PostLike.post_id == post.id)),
                await session.scalar(select(func.count()).where(Repost.post_id == post.id)),
            )
            stored = (post.reply_count, post.like_count, post.repost_count)
            if stored != rows:
                wrong.append(f"post {post.id}: stored {stored}, rows {rows}")
        for kind, table in (("like", PostLike), ("repost", Repost)):
            expected = await session.scalar(
                select(func.count())
                .select_from(table)
                .join(Post, Post.id == table.post_id)
                .where(Post.author_id != table.account_id)
            )
            written = await session.scalar(select(func.count()).where(Notification.kind == kind))
            if expected != written:
                wrong.append(f"{kind}: {expected} of other people's posts, {written} notified")
        # Each reply to someone else's (still existing) post: one notification about it.
        answered = (
            select(Post.id)
            .join(parent, parent.id == Post.parent_id)
            .where(parent.author_id != Post.author_id)
        )
        replies = set((await session.scalars(answered)).all())
        notified = list(
            (
                await session.scalars(
                    select(Notification.post_id).where(
                        Notification.kind == "reply", Notification.post_id.in_(answered)
                    )
                )
            ).all()
        )
        if sorted(notified) != sorted(replies):
            wrong.append(f"replies {sorted(replies)}, notified {sorted(notified)}")
        return wrong


@PROPERTY_SETTINGS
@given(steps=operations)
async def test_post_counters_always_equal_their_rows(
    auth: AuthService,
    posts: PostService,
    conversations: ConversationService,
    database: Database,
    steps: list[tuple[str, int, int]],
) -> None:
    chats = await _people(auth, database)
    for action, actor, which in steps:
        chat = chats[actor]
        ids = await _post_ids(database)
        target = ids[which % len(ids)] if ids else 1
        with contextlib.suppress(UserError):  # deleting someone else's post, a missing post...
            if action == "post" or not ids:
                await posts.create_post(chat, f"hello from {NAMES[actor]}")
            elif action == "reply":
                await posts.create_post(chat, "a reply", reply_to=target)
            elif action == "delete":
                await posts.delete_post(chat, target)
            elif action == "toggle_like":
                await conversations.react(chat, "like", target, on=None)
            else:
                await getattr(conversations, action)(chat, target)
    assert await _mismatches(database) == []
