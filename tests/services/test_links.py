"""LinkService on both backends: only the account's owner links it, one chat user per
account and one account per chat user, the avatar goes with the link, and without a link
nothing tells who is behind an account. Feeds tell their reader's account apart."""

from __future__ import annotations

import pytest

from bot.db.engine import Database
from bot.domain.errors import NothingLinked, NotLoggedIn, UserError
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.links import LinkService
from bot.services.posts import PostService
from tests.conftest import STRONG_PASSWORD, FakeClock

AVATAR = "https://cdn.discordapp.com/avatars/1001/abc.png?size=1024"


@pytest.fixture
def links(database: Database, auth: AuthService, clock: FakeClock) -> LinkService:
    return LinkService(database, auth, clock)


@pytest.fixture
async def alice(auth: AuthService, alice_chat: ChatUser) -> ChatUser:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    return alice_chat


async def test_only_a_logged_in_owner_links_and_nothing_shows_before(
    links: LinkService, posts: PostService, alice: ChatUser, bob_chat: ChatUser
) -> None:
    await posts.create_post(alice, "hello")
    assert await links.linked_profile(alice) is None  # logged in is not linked
    with pytest.raises(NotLoggedIn):
        await links.link(bob_chat, None)
    linked = await links.link(alice, AVATAR)
    assert (linked.username, linked.shows_avatar) == ("alice", True)
    profile = await links.linked_profile(alice)
    assert profile is not None
    assert (profile.account.username, profile.avatar_url, profile.post_count) == (
        "alice",
        AVATAR,
        1,
    )
    assert [post.body for post in profile.recent_posts] == ["hello"]
    assert (await posts.feed()).posts[0].avatar_url == AVATAR  # cards show it


async def test_only_discords_own_avatar_addresses(links: LinkService, alice: ChatUser) -> None:
    with pytest.raises(UserError, match="Discord's own servers"):
        await links.link(alice, "https://evil.example/tracker.png")
    assert await links.linked_profile(alice) is None  # nothing half-written


async def test_unlink_removes_the_link_and_the_avatar_even_logged_out(
    links: LinkService, auth: AuthService, posts: PostService, alice: ChatUser
) -> None:
    await posts.create_post(alice, "hello")
    await links.link(alice, AVATAR)
    await auth.logout(alice)
    assert await links.unlink(alice) == "alice"
    assert await links.linked_profile(alice) is None
    assert (await posts.feed()).posts[0].avatar_url is None
    with pytest.raises(NothingLinked):
        await links.unlink(alice)


async def test_one_chat_user_per_account_and_one_account_per_chat_user(
    links: LinkService, auth: AuthService, alice: ChatUser, bob_chat: ChatUser
) -> None:
    await links.link(alice, AVATAR)
    await auth.login(bob_chat, "alice", STRONG_PASSWORD)  # the same account, elsewhere
    await links.link(bob_chat, None)
    assert await links.linked_profile(alice) is None
    moved = await links.linked_profile(bob_chat)
    assert moved is not None and moved.avatar_url is None  # alice's avatar went with her
    await auth.register(bob_chat, "bobby", STRONG_PASSWORD)
    await links.link(bob_chat, None)  # bob now shows his own account instead
    shown = await links.linked_profile(bob_chat)
    assert shown is not None and shown.account.username == "bobby"
    assert await links.unlink(bob_chat) == "bobby"


async def test_a_feed_knows_its_readers_account(
    posts: PostService, alice: ChatUser, bob_chat: ChatUser
) -> None:
    mine = await posts.create_post(alice, "mine")
    assert (await posts.feed(reader=alice)).viewer_id == mine.author_id
    assert (await posts.feed(reader=bob_chat)).viewer_id is None  # not logged in
    assert (await posts.feed()).viewer_id is None
