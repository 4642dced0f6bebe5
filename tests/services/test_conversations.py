"""Replies, threads, likes, reposts and mentions on both backends (ConversationService and
PostService), including 50 concurrent likes on one post."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.config import AuthSettings, ModerationSettings
from bot.db.engine import Database
from bot.db.models import Account, Mention, Notification, Post, PostLike, Repost
from bot.domain.errors import (
    Blocked,
    MentionBlocked,
    NothingToReplyTo,
    PostNotFound,
    ValidationError,
)
from bot.domain.security import PasswordHasher
from bot.domain.values import ChatUser
from bot.services.accounts import AccountService
from bot.services.auth import AuthService
from bot.services.conversations import ConversationService
from bot.services.moderation import ModerationService
from bot.services.posts import PostService
from bot.services.safety import SafetyService
from bot.services.social import SocialService
from tests.conftest import STRONG_PASSWORD, FakeClock


async def _register(auth: AuthService, name: str, user_id: str) -> ChatUser:
    chat = ChatUser("discord", user_id)
    await auth.register(chat, name, STRONG_PASSWORD)
    return chat


@pytest.fixture
async def alice(auth: AuthService) -> ChatUser:
    return await _register(auth, "alice", "1001")


@pytest.fixture
async def bob(auth: AuthService) -> ChatUser:
    return await _register(auth, "Bob_the.Builder", "1002")


@pytest.fixture
async def carol(auth: AuthService) -> ChatUser:
    return await _register(auth, "carol", "1003")


async def _notifications(database: Database) -> list[tuple[str, str, str, int | None]]:
    """(recipient, kind, actor, post) of every notification, oldest first."""
    recipient, actor = aliased(Account), aliased(Account)
    async with database.read() as session:
        rows = await session.execute(
            select(recipient.username, Notification.kind, actor.username, Notification.post_id)
            .join(recipient, recipient.id == Notification.recipient_id)
            .join(actor, actor.id == Notification.actor_id)
            .order_by(Notification.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def _post_row(database: Database, post_id: int) -> Post | None:
    async with database.read() as session:
        return await session.get(Post, post_id)


# -- replies -------------------------------------------------------------------------------
async def test_reply_links_to_parent_and_root_counts_and_notifies(
    posts: PostService, database: Database, alice: ChatUser, bob: ChatUser, carol: ChatUser
) -> None:
    root = await posts.create_post(alice, "What should I read next?")
    first = await posts.create_post(bob, "Dune.", reply_to=root.id)
    assert (first.parent_id, first.root_id, first.parent_author) == (root.id, root.id, "alice")
    assert first.is_reply and not root.is_reply
    deeper = await posts.create_post(carol, "Seconded, and then the sequels.", reply_to=first.id)
    assert (deeper.parent_id, deeper.root_id) == (first.id, root.id)  # one conversation
    assert deeper.parent_author == "Bob_the.Builder"

    stored_root, stored_first = (
        await _post_row(database, root.id),
        await _post_row(database, first.id),
    )
    assert stored_root is not None and stored_root.reply_count == 1  # direct replies only
    assert stored_first is not None and stored_first.reply_count == 1
    assert await _notifications(database) == [
        ("alice", "reply", "Bob_the.Builder", first.id),
        ("Bob_the.Builder", "reply", "carol", deeper.id),
    ]
    own = await posts.create_post(alice, "Thanks both!", reply_to=first.id)
    assert own.parent_author == "Bob_the.Builder"
    await posts.create_post(alice, "(talking to myself)", reply_to=root.id)
    kinds = [n[:3] for n in await _notifications(database)]
    assert kinds.count(("alice", "reply", "alice")) == 0  # nobody hears of their own doing


@pytest.mark.parametrize("how", ["missing", "deleted"])
async def test_replying_to_a_missing_or_deleted_post_is_refused(
    posts: PostService, database: Database, alice: ChatUser, bob: ChatUser, how: str
) -> None:
    target = 999_999
    if how == "deleted":
        target = (await posts.create_post(alice, "soon gone")).id
        await posts.delete_post(alice, target)
    with pytest.raises(NothingToReplyTo) as refused:
        await posts.create_post(bob, "hello?", reply_to=target)
    assert str(refused.value) == (
        f"You cannot reply to post #{target}: it does not exist or was deleted."
    )
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Post)) == 0


async def test_deleting_posts_keeps_replies_and_counts(
    posts: PostService,
    conversations: ConversationService,
    database: Database,
    alice: ChatUser,
    bob: ChatUser,
) -> None:
    root = await posts.create_post(alice, "root")
    reply = await posts.create_post(bob, "a reply", reply_to=root.id)
    answer = await posts.create_post(alice, "a reply to the reply", reply_to=reply.id)
    extra = await posts.create_post(bob, "another reply", reply_to=root.id)
    await posts.delete_post(bob, extra.id)
    stored = await _post_row(database, root.id)
    assert stored is not None and stored.reply_count == 1

    await posts.delete_post(bob, reply.id)  # the middle of the conversation
    orphan = await _post_row(database, answer.id)
    assert orphan is not None and orphan.parent_id is None and orphan.root_id == root.id
    page = await conversations.thread(alice, answer.id)
    assert page.root is not None and page.root.id == root.id
    [shown] = page.replies
    assert shown.id == answer.id and shown.is_reply and shown.parent_author is None

    await posts.delete_post(alice, root.id)  # and now its first post
    page = await conversations.thread(bob, answer.id)
    assert page.root is None and [r.id for r in page.replies] == [answer.id]
    assert page.root_id == root.id


# -- threads -------------------------------------------------------------------------------
async def test_thread_pages_in_order_both_ways_from_cursors_alone(
    posts: PostService,
    conversations: ConversationService,
    clock: FakeClock,
    alice: ChatUser,
    bob: ChatUser,
) -> None:
    root = await posts.create_post(alice, "root")
    replies = []
    for n in range(12):
        clock.advance(seconds=1)
        replies.append(await posts.create_post(bob if n % 2 else alice, f"r{n}", reply_to=root.id))
    await posts.create_post(bob, "a post of its own")  # not part of the thread
    first = await conversations.thread(bob, root.id)
    assert first.root is not None and first.root.reply_count == 12
    assert [r.body for r in first.replies] == ["r0", "r1", "r2", "r3", "r4"]
    assert first.earlier is None and first.later is not None and first.focus_id is None
    second = await conversations.thread(bob, cursor=first.later)
    assert [r.body for r in second.replies] == ["r5", "r6", "r7", "r8", "r9"]
    third = await conversations.thread(alice, cursor=second.later)
    assert [r.body for r in third.replies] == ["r10", "r11"] and third.later is None
    back = await conversations.thread(alice, cursor=third.earlier)
    assert [r.body for r in back.replies] == ["r5", "r6", "r7", "r8", "r9"]
    back = await conversations.thread(alice, cursor=back.earlier)
    assert [r.body for r in back.replies] == ["r0", "r1", "r2", "r3", "r4"]
    assert back.earlier is None

    # Asked for a reply, the page starts there; earlier ones are one click away.
    focused = await conversations.thread(ChatUser("discord", "9999"), replies[7].id)
    assert focused.focus_id == replies[7].id and focused.root is not None
    assert [r.body for r in focused.replies] == ["r7", "r8", "r9", "r10", "r11"]
    before = await conversations.thread(ChatUser("discord", "9999"), cursor=focused.earlier)
    assert [r.body for r in before.replies] == ["r2", "r3", "r4", "r5", "r6"]

    with pytest.raises(ValidationError):
        await conversations.thread(alice, cursor="o" + "A" * 32)  # no conversation in it
    with pytest.raises(PostNotFound):
        await conversations.thread(alice, 424242)


# -- likes and reposts ---------------------------------------------------------------------
async def test_like_and_repost_are_idempotent_and_notify_once(
    posts: PostService,
    conversations: ConversationService,
    database: Database,
    alice: ChatUser,
    bob: ChatUser,
) -> None:
    post = await posts.create_post(alice, "like me")
    liked = await conversations.like(bob, post.id)
    assert (liked.changed, liked.liked, liked.like_count, liked.author) == (
        True,
        True,
        1,
        "alice",
    )
    again = await conversations.like(bob, post.id)
    assert (again.changed, again.like_count) == (False, 1)
    reposted = await conversations.repost(bob, post.id)
    assert (reposted.changed, reposted.liked, reposted.reposted) == (True, True, True)
    assert (reposted.like_count, reposted.repost_count) == (1, 1)
    assert await _notifications(database) == [
        ("alice", "like", "Bob_the.Builder", post.id),
        ("alice", "repost", "Bob_the.Builder", post.id),
    ]
    unliked = await conversations.unlike(bob, post.id)
    assert (unliked.changed, unliked.liked, unliked.like_count) == (True, False, 0)
    assert (await conversations.unlike(bob, post.id)).changed is False
    assert await _notifications(database) == [("alice", "repost", "Bob_the.Builder", post.id)]
    undone = await conversations.unrepost(bob, post.id)
    assert (undone.reposted, undone.repost_count) == (False, 0)
    assert await _notifications(database) == []

    toggled = await conversations.react(alice, "like", post.id, on=None)  # a card's button
    assert (toggled.liked, toggled.like_count) == (True, 1)
    toggled = await conversations.react(alice, "like", post.id, on=None)
    assert (toggled.liked, toggled.like_count) == (False, 0)
    assert await _notifications(database) == []  # your own post: nothing to hear
    with pytest.raises(PostNotFound):
        await conversations.like(bob, 123456)


async def test_deleting_a_liked_post_takes_its_rows_along(
    posts: PostService,
    conversations: ConversationService,
    database: Database,
    alice: ChatUser,
    bob: ChatUser,
) -> None:
    post = await posts.create_post(alice, "@Bob_the.Builder look")
    await conversations.like(bob, post.id)
    await conversations.repost(bob, post.id)
    await posts.delete_post(alice, post.id)
    async with database.read() as session:
        for table in (PostLike, Repost, Mention, Notification):
            assert await session.scalar(select(func.count()).select_from(table)) == 0, table


async def test_fifty_concurrent_likes_count_fifty(
    database: Database, auth: AuthService, posts: PostService, conversations: ConversationService
) -> None:
    author = await _register(auth, "author", "1")
    post = await posts.create_post(author, "the hot post")
    fans = [await _register(auth, f"fan{n}", str(100 + n)) for n in range(50)]
    results = await asyncio.gather(*(conversations.like(fan, post.id) for fan in fans))
    assert all(result.changed for result in results)
    again = await asyncio.gather(*(conversations.like(fan, post.id) for fan in fans[:10]))
    assert not any(result.changed for result in again)
    stored = await _post_row(database, post.id)
    assert stored is not None and stored.like_count == 50
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(PostLike)) == 50
        assert await session.scalar(select(func.count()).where(Notification.kind == "like")) == 50


# -- mentions ------------------------------------------------------------------------------
async def test_mentions_match_existing_names_folded_and_notify_once(
    posts: PostService,
    database: Database,
    alice: ChatUser,
    bob: ChatUser,
    carol: ChatUser,
) -> None:
    post = await posts.create_post(
        alice,
        "hey @ＣＡＲＯＬ and @bob_THE.builder, @nobody_here, mail me@carol.example, @everyone!",
    )
    assert post.mentions == ("Bob_the.Builder", "carol")
    assert await _notifications(database) == [
        ("Bob_the.Builder", "mention", "alice", post.id),
        ("carol", "mention", "alice", post.id),
    ]
    edited = await posts.edit_post(alice, post.id, "only @carol now, and @alice (me)")
    assert edited.mentions == ("alice", "carol")
    assert len(await _notifications(database)) == 2  # carol heard already; alice is the author
    reply = await posts.create_post(bob, "@alice yes, and @carol", reply_to=post.id)
    assert reply.mentions == ("alice", "carol")
    # alice hears of the reply, not of the mention as well; carol of the mention.
    assert (await _notifications(database))[2:] == [
        ("alice", "reply", "Bob_the.Builder", reply.id),
        ("carol", "mention", "Bob_the.Builder", reply.id),
    ]


# -- with trust and safety -----------------------------------------------------------------
MODERATOR = 99


@pytest.fixture
def safety(database: Database, auth: AuthService, clock: FakeClock) -> SafetyService:
    return SafetyService(database, auth, ModerationSettings(moderators=(MODERATOR,)), clock)


@pytest.fixture
def moderation(database: Database, clock: FakeClock) -> ModerationService:
    return ModerationService(database, ModerationSettings(moderators=(MODERATOR,)), clock)


async def test_blocks_refuse_replies_likes_reposts_and_mentions_both_ways(
    posts: PostService,
    conversations: ConversationService,
    safety: SafetyService,
    database: Database,
    alice: ChatUser,
    bob: ChatUser,
) -> None:
    alices = await posts.create_post(alice, "alice's post")
    bobs = await posts.create_post(bob, "bob's post")
    await conversations.like(bob, alices.id)  # before the block: stays, can be taken back
    await safety.block(alice, "Bob_the.Builder")
    for who, post_id in ((bob, alices.id), (alice, bobs.id)):
        with pytest.raises(Blocked):
            await posts.create_post(who, "a reply", reply_to=post_id)
        with pytest.raises(Blocked):
            await conversations.repost(who, post_id)
    with pytest.raises(Blocked):
        await conversations.like(alice, bobs.id)
    with pytest.raises(MentionBlocked) as refused:
        await posts.create_post(bob, "hi @alice")
    assert str(refused.value) == "You cannot mention alice: one of you has blocked the other."
    with pytest.raises(MentionBlocked):
        await posts.edit_post(alice, alices.id, "edited for @bob_the.builder")
    assert (await conversations.unlike(bob, alices.id)).like_count == 0  # taking back is fine
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Post)) == 2
        assert await session.scalar(select(func.count()).select_from(Mention)) == 0


async def test_removed_posts_refuse_replies_and_likes_and_keep_their_place_in_threads(
    posts: PostService,
    conversations: ConversationService,
    moderation: ModerationService,
    alice: ChatUser,
    bob: ChatUser,
    carol: ChatUser,
) -> None:
    root = await posts.create_post(alice, "root")
    bad = await posts.create_post(bob, "something rude", reply_to=root.id)
    fine = await posts.create_post(carol, "a fine answer", reply_to=bad.id)
    await moderation.remove_post(MODERATOR, bad.id, "rude")
    with pytest.raises(NothingToReplyTo) as refused:
        await posts.create_post(carol, "re", reply_to=bad.id)
    assert str(refused.value) == f"You cannot reply to post #{bad.id}: a moderator removed it."
    with pytest.raises(PostNotFound):
        await conversations.like(carol, bad.id)
    page = await conversations.thread(carol, root.id)
    assert [(r.id, r.removed, r.body) for r in page.replies] == [
        (bad.id, True, ""),  # its place, not its text
        (fine.id, False, "a fine answer"),
    ]
    assert page.replies[1].parent_author == "Bob_the.Builder"


async def test_threads_leave_out_what_the_reader_may_not_see(
    posts: PostService,
    conversations: ConversationService,
    safety: SafetyService,
    alice: ChatUser,
    bob: ChatUser,
    carol: ChatUser,
) -> None:
    root = await posts.create_post(bob, "bob starts")
    await posts.create_post(alice, "alice answers", reply_to=root.id)
    await posts.create_post(carol, "carol too", reply_to=root.id)
    await safety.block(carol, "alice")
    page = await conversations.thread(carol, root.id)
    assert [r.body for r in page.replies] == ["carol too"] and page.root_state == "shown"
    await safety.mute(alice, "carol")
    page = await conversations.thread(alice, root.id)
    assert [r.body for r in page.replies] == ["alice answers"]
    await safety.block(carol, "Bob_the.Builder")
    page = await conversations.thread(carol, cursor=None, post_id=root.id + 2)
    assert page.root is None and page.root_state == "unavailable"
    with pytest.raises(PostNotFound):
        await conversations.thread(carol, root.id)  # you cannot open what you cannot see


async def test_muted_and_blocked_accounts_do_not_notify(
    posts: PostService,
    conversations: ConversationService,
    safety: SafetyService,
    database: Database,
    alice: ChatUser,
    bob: ChatUser,
    carol: ChatUser,
) -> None:
    post = await posts.create_post(alice, "hello")
    await safety.mute(alice, "Bob_the.Builder")
    await conversations.like(bob, post.id)
    await posts.create_post(bob, "@alice hi", reply_to=post.id)
    await conversations.like(carol, post.id)
    assert await _notifications(database) == [("alice", "like", "carol", post.id)]


async def test_deleting_an_account_takes_its_likes_reposts_and_replies_off_the_counters(
    posts: PostService,
    conversations: ConversationService,
    database: Database,
    auth: AuthService,
    hasher: PasswordHasher,
    auth_settings: AuthSettings,
    clock: FakeClock,
    alice: ChatUser,
    bob: ChatUser,
) -> None:
    accounts = AccountService(database, auth, hasher, auth_settings, clock)
    post = await posts.create_post(alice, "alice's")
    await conversations.like(bob, post.id)
    await conversations.repost(bob, post.id)
    first = await posts.create_post(bob, "one", reply_to=post.id)
    await posts.create_post(bob, "two", reply_to=post.id)
    await posts.create_post(alice, "alice answers bob", reply_to=first.id)
    exported = await accounts.export(bob)
    assert [like["post_id"] for like in exported["likes"]] == [post.id]
    assert [repost["post_id"] for repost in exported["reposts"]] == [post.id]
    assert (await accounts.export(alice))["notifications"][0]["from"] == "Bob_the.Builder"

    await accounts.delete_account(bob, STRONG_PASSWORD, "DELETE")
    stored = await _post_row(database, post.id)
    assert stored is not None
    assert (stored.reply_count, stored.like_count, stored.repost_count) == (0, 0, 0)
    page = await conversations.thread(alice, post.id)
    [kept] = page.replies  # alice's reply stays, under "deleted post"
    assert kept.body == "alice answers bob" and kept.parent_author is None


async def test_a_repost_reaches_the_reposters_followers_once(
    posts: PostService,
    conversations: ConversationService,
    social: SocialService,
    clock: FakeClock,
    alice: ChatUser,
    bob: ChatUser,
    carol: ChatUser,
) -> None:
    dave = ChatUser("discord", "1004")
    await social.auth.register(dave, "dave", STRONG_PASSWORD)
    await social.follow(dave, "Bob_the.Builder")
    await social.follow(dave, "carol")
    post = await posts.create_post(alice, "worth passing on")  # dave does not follow alice
    clock.advance(minutes=1)
    await posts.create_post(bob, "bob's own news")
    clock.advance(minutes=1)
    await conversations.repost(bob, post.id)
    clock.advance(minutes=1)
    await conversations.repost(carol, post.id)
    await conversations.like(dave, post.id)
    home = await social.home(dave)
    assert [(p.body, p.reposted_by) for p in home.posts] == [
        ("worth passing on", "carol"),  # once, at the newest repost
        ("bob's own news", None),
    ]
    shown = home.posts[0]
    assert (shown.repost_count, shown.like_count, shown.liked) == (2, 1, True)
    await conversations.unrepost(carol, post.id)
    home = await social.home(dave)
    assert [(p.body, p.reposted_by) for p in home.posts] == [
        ("worth passing on", "Bob_the.Builder"),
        ("bob's own news", None),
    ]
    assert (await social.home(alice)).unread == 2  # two reposts and a like, one taken back
