"""Property tests: whatever people type, the services either succeed or raise a UserError,
and a refusal writes nothing."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Account, Base, ChatSession, Post
from bot.domain.errors import UserError
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.posts import PostService
from tests.conftest import STRONG_PASSWORD

TRICKY = [
    "\x00",
    "\u200b",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ud800",
    "\udfff",
    "@everyone",
    "<@123>",
    "\r\n",
    "\t",
    " ",
    "ﷺ",
    "İ",
    "ß",
    "ǅ",
    "\U0001f469\u200d\U0001f467",
]
tricky_text = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(TRICKY)), max_size=12).map(
    "".join
)
any_text = st.one_of(
    st.text(),
    tricky_text,
    st.text(min_size=400, max_size=5000),
    st.sampled_from(["", " ", "x" * 73, "é" * 40, "a" * 501, "\u200b" * 10]),
)
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,  # bcrypt and the database: time varies, correctness does not
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # state is checked per example
)


async def _counts(database: Database) -> dict[str, int]:
    async with database.read() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name != "rate_event"
        }


@PROPERTY_SETTINGS
@given(username=any_text, password=any_text)
async def test_register_never_raises_anything_but_user_errors(
    auth: AuthService, database: Database, username: str, password: str
) -> None:
    chat = ChatUser("discord", "42")
    before = await _counts(database)
    try:
        account = await auth.register(chat, username, password)
    except UserError:
        assert await _counts(database) == before  # nothing half-written
    else:
        assert (await auth.current_account(chat)).id == account.id
        await auth.logout(chat)


@PROPERTY_SETTINGS
@given(username=any_text, password=any_text)
async def test_login_never_raises_anything_but_user_errors(
    auth: AuthService, database: Database, username: str, password: str
) -> None:
    # A fresh chat user per example keeps the throttle from answering for bcrypt.
    chat = ChatUser("discord", str(abs(hash((username, password)))))
    before = await _counts(database)
    with contextlib.suppress(UserError):
        await auth.login(chat, username, password)
    assert await _counts(database) == before


@PROPERTY_SETTINGS
@given(body=any_text)
async def test_create_post_never_raises_anything_but_user_errors(
    auth: AuthService, posts: PostService, database: Database, body: str
) -> None:
    chat = ChatUser("discord", "7")
    async with database.read() as session:
        registered = await session.scalar(select(func.count()).select_from(Account))
    if not registered:
        await auth.register(chat, "poster", STRONG_PASSWORD)
    before = await _counts(database)
    try:
        post = await posts.create_post(chat, body)
    except UserError:
        assert await _counts(database) == before
    else:
        assert 1 <= len(post.body) <= 500
        assert (await posts.get_post(post.id)).body == post.body


@PROPERTY_SETTINGS
@given(cursor=any_text, author=st.one_of(st.none(), any_text))
async def test_feed_accepts_any_cursor_or_author_without_crashing(
    posts: PostService, cursor: str, author: str | None
) -> None:
    try:
        page = await posts.feed(cursor or None, author)
    except UserError:
        return
    assert len(page.posts) <= 5


async def test_tables_checked_by_properties_exist(database: Database) -> None:
    assert set(await _counts(database)) == {
        "account",
        "chat_session",
        "chat_link",
        "post",
        "post_tag",
        "digest_subscription",
        "follow",
        "block",
        "mute",
        "report",
        "moderation_action",
        "server_hidden_account",
        "post_like",
        "repost",
        "mention",
        "notification",
        "notification_dm",
        "import_mapping",
        "import_progress",
    }
    assert {ChatSession.__tablename__, Post.__tablename__} <= set(Base.metadata.tables)
