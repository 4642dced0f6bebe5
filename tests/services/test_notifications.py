"""NotificationService on both backends: what is written, grouped reading, unread counts,
marking read, and the DM delivery rules (interval, leases, 50007, logging out)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.config import ModerationSettings
from bot.db.engine import Database
from bot.db.models import Notification, NotificationDm
from bot.domain.errors import ValidationError
from bot.domain.values import ChatUser, NotificationEntry
from bot.services.auth import AuthService
from bot.services.conversations import ConversationService
from bot.services.moderation import ModerationService
from bot.services.notifications import (
    DM_CLOSED,
    GROUPS_PER_PAGE,
    UNREAD_CAP,
    NotificationService,
)
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
async def fans(auth: AuthService) -> list[ChatUser]:
    return [await _register(auth, f"fan{n}", str(2000 + n)) for n in range(5)]


def _line(entry: NotificationEntry) -> tuple[str, tuple[str, ...], int, int | None]:
    return entry.kind, entry.actors, entry.others, entry.post_id


async def test_grouped_newest_first_marks_read_and_counts_unread(
    posts: PostService,
    conversations: ConversationService,
    social: SocialService,
    notifications: NotificationService,
    clock: FakeClock,
    alice: ChatUser,
    fans: list[ChatUser],
) -> None:
    first = await posts.create_post(alice, "first post")
    second = await posts.create_post(alice, "second post")
    for fan in fans:  # five likes of one post
        clock.advance(seconds=1)
        await conversations.like(fan, first.id)
    await conversations.like(fans[0], second.id)
    await conversations.repost(fans[1], second.id)
    await social.follow(fans[2], "alice")
    await social.follow(fans[3], "alice")
    reply = await posts.create_post(fans[4], "@alice nice", reply_to=second.id)
    account_id = (await posts.get_post(first.id)).author_id
    assert await notifications.unread_count(account_id) == 10

    page = await notifications.notifications(alice)
    assert page.unread == 10 and page.username == "alice" and page.dm_off_reason is None
    assert [_line(e) for e in page.entries] == [
        ("reply", ("fan4",), 0, reply.id),  # the reply, not also a mention of alice
        ("follow", ("fan3", "fan2"), 0, None),
        ("repost", ("fan1",), 0, second.id),
        ("like", ("fan0",), 0, second.id),
        ("like", ("fan4",), 4, first.id),  # "fan4 and 4 others liked your post"
    ]
    assert page.entries[0].excerpt == "@alice nice"
    assert all(entry.unread for entry in page.entries)
    assert page.older is None and page.newer is None
    assert await notifications.unread_count(account_id) == 0  # read by viewing
    again = await notifications.notifications(alice)
    assert again.unread == 0 and not any(entry.unread for entry in again.entries)

    await conversations.unlike(fans[0], second.id)  # taken back: gone from the list
    after = await notifications.notifications(alice)
    assert ("like", ("fan0",), 0, second.id) not in [_line(e) for e in after.entries]


async def test_pages_by_keyset_and_only_for_their_owner(
    posts: PostService,
    conversations: ConversationService,
    notifications: NotificationService,
    alice: ChatUser,
    fans: list[ChatUser],
) -> None:
    mine = [await posts.create_post(alice, f"post {n}") for n in range(GROUPS_PER_PAGE + 3)]
    for post in mine:  # one group per post: more groups than a page holds
        await conversations.like(fans[0], post.id)
        await conversations.like(fans[1], post.id)
    top = await notifications.notifications(alice)
    assert [e.post_id for e in top.entries] == [p.id for p in mine[::-1][:GROUPS_PER_PAGE]]
    assert all(e.actors == ("fan1", "fan0") for e in top.entries)
    assert top.older is not None and top.newer is None
    older = await notifications.notifications(alice, top.older)
    assert [e.post_id for e in older.entries] == [p.id for p in mine[2::-1]]
    assert older.older is None and older.newer is not None
    newer = await notifications.notifications(alice, older.newer)
    assert [e.post_id for e in newer.entries] == [e.post_id for e in top.entries]
    with pytest.raises(ValidationError):
        await notifications.notifications(fans[0], top.older)  # not theirs


async def test_unread_count_stops_at_the_cap(
    database: Database,
    posts: PostService,
    notifications: NotificationService,
    clock: FakeClock,
    alice: ChatUser,
    fans: list[ChatUser],
) -> None:
    post = await posts.create_post(alice, "busy")
    async with database.write() as session:
        session.add_all(
            Notification(
                recipient_id=post.author_id,
                kind="like",
                actor_id=post.author_id + 1,
                post_id=post.id,
                created_at=clock(),
            )
            for _ in range(UNREAD_CAP + 30)
        )
    assert await notifications.unread_count(post.author_id) == UNREAD_CAP
    page = await notifications.notifications(alice)
    assert page.unread == UNREAD_CAP and len(page.entries) == 1
    assert page.entries[0].actors == ("fan0",) and page.entries[0].others == 0


# -- DMs -----------------------------------------------------------------------------------
OWNER = "process-1"


async def _due(notifications: NotificationService, owner: str = OWNER) -> list[int]:
    return await notifications.claim_due(owner)


async def test_dm_goes_once_per_interval_about_what_is_unread(
    posts: PostService,
    conversations: ConversationService,
    notifications: NotificationService,
    clock: FakeClock,
    alice: ChatUser,
    fans: list[ChatUser],
) -> None:
    post = await posts.create_post(alice, "hello")
    await conversations.like(fans[0], post.id)  # before DMs were on: never sent
    settings = await notifications.set_dm(alice, True, "de")
    assert settings.enabled and settings.interval_minutes == 30
    assert await _due(notifications) == []  # nothing new since

    await conversations.like(fans[1], post.id)
    await conversations.like(fans[2], post.id)
    [claimed] = await _due(notifications)
    assert await _due(notifications, "process-2") == []  # leased to process-1
    digest = await notifications.prepare(claimed, OWNER)
    assert digest is not None and digest.chat_user_id == alice.user_id
    assert digest.new == 2 and digest.locale == "de" and digest.dm_channel_id is None
    assert [_line(e) for e in digest.entries] == [("like", ("fan2", "fan1"), 0, post.id)]
    retry = await notifications.prepare(claimed, OWNER)  # a retry sends the same DM
    assert retry == digest
    assert await notifications.delivered(claimed, OWNER, dm_channel_id=777)

    await conversations.repost(fans[3], post.id)
    assert await _due(notifications) == []  # within the interval
    clock.advance(minutes=31)
    [claimed] = await _due(notifications)
    digest = await notifications.prepare(claimed, OWNER)
    assert digest is not None and digest.new == 1 and digest.dm_channel_id == 777
    assert await notifications.delivered(claimed, OWNER, dm_channel_id=777)

    await conversations.repost(fans[4], post.id)
    await notifications.notifications(alice)  # read in Discord: no DM needed
    clock.advance(minutes=31)
    assert await _due(notifications) == []


async def test_dm_closed_switches_off_and_says_why(
    posts: PostService,
    conversations: ConversationService,
    notifications: NotificationService,
    alice: ChatUser,
    fans: list[ChatUser],
) -> None:
    post = await posts.create_post(alice, "hello")
    await notifications.set_dm(alice, True)
    await conversations.like(fans[0], post.id)
    [claimed] = await _due(notifications)
    assert await notifications.prepare(claimed, OWNER) is not None
    await notifications.switch_off(claimed, OWNER, DM_CLOSED)
    await conversations.like(fans[1], post.id)
    assert await _due(notifications) == []
    page = await notifications.notifications(alice)
    assert page.dm_off_reason == DM_CLOSED
    back_on = await notifications.set_dm(alice, True)
    assert back_on.enabled and back_on.off_reason is None
    assert (await notifications.notifications(alice)).dm_off_reason is None


async def test_dm_stops_on_logout_account_switch_and_lost_lease(
    database: Database,
    auth: AuthService,
    posts: PostService,
    conversations: ConversationService,
    notifications: NotificationService,
    clock: FakeClock,
    alice: ChatUser,
    fans: list[ChatUser],
) -> None:
    post = await posts.create_post(alice, "hello")
    await notifications.set_dm(alice, True)
    await auth.register(alice, "alice_alt", STRONG_PASSWORD)  # same Discord user, other account
    await conversations.like(fans[0], post.id)
    assert await _due(notifications) == []  # the DMs were asked for alice, not alice_alt

    await auth.login(alice, "alice", STRONG_PASSWORD)
    [claimed] = await _due(notifications)
    clock.advance(seconds=61)  # the lease ran out: another process may take it over
    assert await notifications.prepare(claimed, OWNER) is None
    [taken] = await _due(notifications, "process-2")
    assert taken == claimed
    assert await notifications.delivered(claimed, OWNER, dm_channel_id=1) is False
    digest = await notifications.prepare(taken, "process-2")
    assert digest is not None
    await notifications.retry_later(taken, "process-2", "HTTP 502")
    async with database.write() as session:  # make the retry due now
        await session.execute(update(NotificationDm).values(next_due_at=clock()))
    [again] = await _due(notifications)
    assert await notifications.prepare(again, OWNER) == digest  # same DM, same nonce

    await auth.logout(alice)  # the row goes with the session
    clock.advance(days=1)
    assert await _due(notifications) == []
    async with database.read() as session:
        assert await session.get(NotificationDm, claimed) is None
    assert timedelta(minutes=notifications.settings.dm_interval_minutes) == notifications.interval


async def test_a_block_or_a_removal_hides_what_was_already_written(
    posts: PostService,
    conversations: ConversationService,
    notifications: NotificationService,
    database: Database,
    clock: FakeClock,
    alice: ChatUser,
    fans: list[ChatUser],
) -> None:
    post = await posts.create_post(alice, "hello")
    other = await posts.create_post(alice, "again")
    await conversations.like(fans[0], post.id)
    await conversations.like(fans[1], post.id)
    await conversations.like(fans[1], other.id)
    settings = ModerationSettings(moderators=(1,))
    safety = SafetyService(database, notifications.auth, settings, clock)
    await safety.block(alice, "fan0")
    await ModerationService(database, settings, clock).remove_post(1, other.id, "spam")
    assert await notifications.unread_count(post.author_id) == 1
    page = await notifications.notifications(alice)
    assert [_line(e) for e in page.entries] == [("like", ("fan1",), 0, post.id)]
