"""PostService on both backends: Flaskr's blog behaviours plus feeds, cursors and limits."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.config import PostSettings
from bot.db.engine import Database
from bot.domain.errors import (
    AccountNotFound,
    NotAuthor,
    NotLoggedIn,
    PostNotFound,
    Throttled,
    ValidationError,
)
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.posts import PostService
from tests.conftest import STRONG_PASSWORD, FakeClock


@pytest.fixture
async def alice(auth: AuthService, alice_chat: ChatUser) -> ChatUser:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    return alice_chat


@pytest.fixture
async def bob(auth: AuthService, bob_chat: ChatUser) -> ChatUser:
    await auth.register(bob_chat, "bob", STRONG_PASSWORD)
    return bob_chat


async def test_create_requires_login(posts: PostService, alice_chat: ChatUser) -> None:
    with pytest.raises(NotLoggedIn):
        await posts.create_post(alice_chat, "hello")
    assert (await posts.feed()).posts == []


async def test_create_trims_and_shows_author(posts: PostService, alice: ChatUser) -> None:
    post = await posts.create_post(alice, "  hello world \n")
    assert (post.author, post.body, post.edited_at) == ("alice", "hello world", None)
    assert await posts.get_post(post.id) == post


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "A post needs some text."),
        ("   \n\t ", "A post needs some text."),
        ("\u200b\u200d\u2060", "A post needs some text."),
        ("x" * 501, "at most 500 characters; yours has 501"),
        ("bell\x07", "control characters"),
        ("nul\x00byte", "control characters"),
        ("lone \ud800 surrogate", "control characters"),
    ],
)
async def test_create_validation(
    posts: PostService, alice: ChatUser, body: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        await posts.create_post(alice, body)
    assert caught.value.field == "content"
    assert (await posts.feed()).posts == []


async def test_create_accepts_the_limit_newlines_tabs_and_any_script(
    posts: PostService, alice: ChatUser
) -> None:
    for body in ("x" * 500, "line one\n\tline two", "שלום \u200f عالم 👩‍👩‍👧"):
        assert (await posts.create_post(alice, body)).body == body


async def test_post_cooldown(
    database,
    auth: AuthService,
    clock: FakeClock,
    alice: ChatUser,  # type: ignore[no-untyped-def]
) -> None:
    slow = PostService(database, auth, PostSettings(cooldown_seconds=30), clock)
    await slow.create_post(alice, "first")
    clock.advance(seconds=10)
    with pytest.raises(Throttled, match=r"posting too fast\. Try again in 20 seconds"):
        await slow.create_post(alice, "second")
    clock.advance(seconds=20)
    await slow.create_post(alice, "second")
    assert [p.body for p in (await slow.feed()).posts] == ["second", "first"]


async def test_author_only_edit_and_delete(
    posts: PostService, clock: FakeClock, alice: ChatUser, bob: ChatUser
) -> None:
    post = await posts.create_post(alice, "original")
    with pytest.raises(NotAuthor, match="only change your own posts"):
        await posts.edit_post(bob, post.id, "hijacked")
    with pytest.raises(NotAuthor):
        await posts.delete_post(bob, post.id)
    assert (await posts.get_post(post.id)).body == "original"

    clock.advance(minutes=5)
    edited = await posts.edit_post(alice, post.id, "  updated  ")
    assert (edited.body, edited.edited_at, edited.created_at) == (
        "updated",
        clock.now,
        post.created_at,
    )
    with pytest.raises(ValidationError):
        await posts.edit_post(alice, post.id, "")
    assert (await posts.get_post(post.id)).body == "updated"

    await posts.delete_post(alice, post.id)
    with pytest.raises(PostNotFound, match=f"Post #{post.id} does not exist"):
        await posts.get_post(post.id)


async def test_missing_post(posts: PostService, alice: ChatUser) -> None:
    for action in (
        posts.get_post(999),
        posts.edit_post(alice, 999, "x"),
        posts.delete_post(alice, 999),
    ):
        with pytest.raises(PostNotFound):
            await action


async def test_feed_pages_newest_first_in_both_directions(
    posts: PostService, clock: FakeClock, alice: ChatUser, bob: ChatUser
) -> None:
    bodies = []
    for n in range(12):
        await posts.create_post(alice if n % 2 else bob, f"post {n}")
        bodies.append(f"post {n}")
        if n != 5:  # two posts share a timestamp: the id breaks the tie
            clock.advance(seconds=1)
    newest_first = bodies[::-1]

    first = await posts.feed()
    assert [p.body for p in first.posts] == newest_first[:5]
    assert first.newer is None and first.older is not None
    second = await posts.feed(first.older)
    assert [p.body for p in second.posts] == newest_first[5:10]
    third = await posts.feed(second.older)
    assert [p.body for p in third.posts] == newest_first[10:]
    assert third.older is None and third.newer is not None
    back = await posts.feed(third.newer)
    assert [p.body for p in back.posts] == newest_first[5:10]
    top = await posts.feed(back.newer)
    assert [p.body for p in top.posts] == newest_first[:5]
    assert top.newer is None


async def test_newer_page_sees_new_posts_and_tolerates_deletes(
    posts: PostService, clock: FakeClock, alice: ChatUser
) -> None:
    created = []
    for n in range(7):
        created.append(await posts.create_post(alice, f"p{n}"))
        clock.advance(seconds=1)
    first = await posts.feed()
    second = await posts.feed(first.older)
    for post in created[2:]:
        await posts.delete_post(alice, post.id)  # everything on the first page is gone
    assert (await posts.feed(second.newer)).posts == (await posts.feed()).posts
    assert [p.body for p in (await posts.feed(first.older)).posts] == ["p1", "p0"]


async def test_author_timeline(
    posts: PostService, clock: FakeClock, alice: ChatUser, bob: ChatUser
) -> None:
    for n in range(8):
        await posts.create_post(alice if n % 2 else bob, f"post {n}")
        clock.advance(seconds=1)
    page = await posts.feed(author="ALICE")
    assert page.author == "alice"
    assert [p.body for p in page.posts] == ["post 7", "post 5", "post 3", "post 1"]
    assert page.older is None
    with pytest.raises(AccountNotFound, match="no user called 'nobody'"):
        await posts.feed(author="nobody")


async def test_author_filter_survives_in_cursor(
    posts: PostService, clock: FakeClock, alice: ChatUser, bob: ChatUser
) -> None:
    for n in range(14):
        await posts.create_post(alice if n % 2 else bob, f"post {n}")
        clock.advance(seconds=1)
    first = await posts.feed(author="bob")
    second = await posts.feed(first.older)
    assert second.author == "bob"
    assert {p.author for p in second.posts} == {"bob"}
    assert [p.body for p in second.posts] == ["post 2", "post 0"]


@pytest.mark.parametrize("cursor", ["x", "o" + "A" * 32, "garbage" * 5, "n" + "!" * 32])
async def test_bad_cursor_is_a_validation_error(posts: PostService, cursor: str) -> None:
    with pytest.raises(ValidationError, match="not valid any more"):
        await posts.feed(cursor)


async def test_my_recent_posts_for_autocomplete(
    posts: PostService, clock: FakeClock, alice: ChatUser, bob: ChatUser
) -> None:
    for n in range(30):
        await posts.create_post(alice, f"alice says {n}")
        clock.advance(seconds=1)
    await posts.create_post(bob, "bob says hi")
    mine = await posts.my_recent_posts(alice)
    assert len(mine) == 25 and mine[0].body == "alice says 29"
    assert [p.body for p in await posts.my_recent_posts(alice, "SAYS 1")][:2] == [
        "alice says 19",
        "alice says 18",
    ]
    assert await posts.my_recent_posts(alice, "bob") == []


async def test_own_post_is_read_only_and_author_only(
    posts: PostService, alice: ChatUser, bob: ChatUser, bob_chat: ChatUser
) -> None:
    post = await posts.create_post(alice, "mine")
    assert (await posts.own_post(alice, post.id)).body == "mine"
    with pytest.raises(NotAuthor):
        await posts.own_post(bob, post.id)
    with pytest.raises(PostNotFound):
        await posts.own_post(alice, post.id + 1)
    with pytest.raises(NotLoggedIn):
        await posts.own_post(ChatUser("discord", "nobody"), post.id)


def _count_transactions(database: Database) -> list[str]:
    """Every transaction begun on ``database`` from now on (one entry each)."""
    begun: list[str] = []
    event.listen(database.engine.sync_engine, "begin", lambda _connection: begun.append("BEGIN"))
    return begun


async def test_each_write_command_is_one_transaction(
    posts: PostService, alice: ChatUser, database: Database, clock: FakeClock
) -> None:
    clock.advance(minutes=5)  # the session is due a last_seen_at refresh: that write too
    begun = _count_transactions(database)
    created = await posts.create_post(alice, "one")
    assert begun == ["BEGIN"]
    clock.advance(minutes=5)
    await posts.edit_post(alice, created.id, "two")
    assert begun == ["BEGIN"] * 2
    clock.advance(minutes=5)
    await posts.delete_post(alice, created.id)
    assert begun == ["BEGIN"] * 3
    assert (await posts.feed()).posts == []


async def test_an_expired_session_is_removed_by_the_write_that_finds_it(
    posts: PostService, auth: AuthService, alice: ChatUser, clock: FakeClock
) -> None:
    clock.advance(days=8)  # past the 7-day idle limit
    with pytest.raises(NotLoggedIn, match="expired"):
        await posts.create_post(alice, "too late")
    # The removal committed although the command failed: next time it is simply "not logged in".
    with pytest.raises(NotLoggedIn, match="not logged in"):
        await auth.current_session(alice)
    assert (await posts.feed()).posts == []
