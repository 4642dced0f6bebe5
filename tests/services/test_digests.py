"""DigestService on both backends: subscriptions, claims, leases and the delivery window."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import DigestSettings
from bot.db.engine import Database
from bot.domain.errors import (
    AccountNotFound,
    AlreadySubscribed,
    SubscriptionNotFound,
    ValidationError,
)
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.digests import DigestService
from bot.services.posts import PostService
from tests.conftest import STRONG_PASSWORD, FakeClock

GUILD, CHANNEL = 81_000_000_000_000_000, 82_000_000_000_000_000


@pytest.fixture
def digests(database: Database, clock: FakeClock) -> DigestService:
    return DigestService(database, DigestSettings(lease_seconds=60), clock)


@pytest.fixture
async def writer(auth: AuthService, alice_chat: ChatUser) -> ChatUser:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    return alice_chat


def _args(**overrides: object) -> dict[str, Any]:
    values: dict[str, Any] = {
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "interval": "1h",
        "author": None,
        "min_posts": 1,
        "created_by": "7",
    }
    values.update(overrides)
    return values


async def _subscribe(digests: DigestService, **overrides: object) -> int:
    return (await digests.subscribe(**_args(**overrides))).id


async def test_subscribe_refusals(digests: DigestService, writer: ChatUser) -> None:
    await _subscribe(digests)
    with pytest.raises(AlreadySubscribed):
        await _subscribe(digests, interval="2h")
    with pytest.raises(AccountNotFound):
        await _subscribe(digests, author="nobody")
    with pytest.raises(ValidationError, match="min_posts"):
        await _subscribe(digests, author="alice", min_posts=0)
    assert (await digests.subscribe(**_args(author="ALICE"))).author == "alice"  # other feed
    assert [v.author for v in await digests.list(GUILD)] == [None, "alice"]


async def test_due_only_at_the_interval_and_claimed_once(
    digests: DigestService, posts: PostService, writer: ChatUser, clock: FakeClock
) -> None:
    await posts.create_post(writer, "before subscribing")  # not replayed
    sub = await _subscribe(digests)
    await posts.create_post(writer, "one")
    clock.advance(minutes=59)
    assert await digests.claim_due("a") == []
    clock.advance(minutes=1)
    assert await digests.claim_due("a") == [sub]
    assert await digests.claim_due("b") == []  # leased to a
    summary = await digests.prepare(sub, "a")
    assert summary is not None
    assert (summary.new_posts, [p.body for p in summary.posts]) == (1, ["one"])
    assert await digests.prepare(sub, "b") is None  # b holds no lease
    clock.advance(seconds=61)  # a died; its lease expired
    assert await digests.claim_due("b") == [sub]
    assert await digests.delivered(sub, "a", message_id=1) is False  # a lost the lease
    retry = await digests.prepare(sub, "b")
    assert retry == summary  # same window, same nonce: Discord drops a repeat
    assert await digests.delivered(sub, "b", message_id=2) is True
    clock.advance(minutes=59)
    assert await digests.claim_due("a") == []


async def test_window_is_pinned_until_delivered(
    digests: DigestService, posts: PostService, writer: ChatUser, clock: FakeClock
) -> None:
    sub = await _subscribe(digests)
    for n in range(7):
        await posts.create_post(writer, f"p{n}")
        clock.advance(seconds=1)
    clock.advance(hours=1)
    await digests.claim_due("a")
    first = await digests.prepare(sub, "a")
    assert first is not None and first.nonce is not None and len(first.nonce) <= 25
    assert (first.new_posts, [p.body for p in first.posts]) == (7, ["p6", "p5", "p4", "p3", "p2"])
    await posts.create_post(writer, "arrived during the send")
    await digests.retry_later(sub, "a", "HTTP 502")
    clock.advance(seconds=30)
    await digests.claim_due("a")
    again = await digests.prepare(sub, "a")
    assert again == first  # the new post waits for the next summary
    await digests.delivered(sub, "a", message_id=1)
    clock.advance(hours=1)
    await digests.claim_due("a")
    following = await digests.prepare(sub, "a")
    assert following is not None
    assert [p.body for p in following.posts] == ["arrived during the send"]
    assert following.nonce != first.nonce


async def test_too_few_posts_reschedules_without_sending(
    digests: DigestService, posts: PostService, writer: ChatUser, clock: FakeClock
) -> None:
    sub = await _subscribe(digests, min_posts=3)
    await posts.create_post(writer, "lonely")
    clock.advance(hours=1)
    assert await digests.claim_due("a") == [sub]
    assert await digests.prepare(sub, "a") is None
    assert await digests.claim_due("a") == []  # rescheduled an interval later
    await posts.create_post(writer, "two")
    await posts.create_post(writer, "three")
    clock.advance(hours=1)
    await digests.claim_due("a")
    summary = await digests.prepare(sub, "a")
    assert summary is not None and summary.new_posts == 3


async def test_post_when_empty(database: Database, clock: FakeClock, writer: ChatUser) -> None:
    digests = DigestService(database, DigestSettings(post_when_empty=True), clock)
    sub = await _subscribe(digests)
    clock.advance(hours=1)
    await digests.claim_due("a")
    summary = await digests.prepare(sub, "a")
    assert summary is not None and summary.new_posts == 0 and summary.posts == []


async def test_retries_back_off(
    digests: DigestService, posts: PostService, writer: ChatUser, clock: FakeClock
) -> None:
    sub = await _subscribe(digests)
    await posts.create_post(writer, "x")
    clock.advance(hours=1)
    waits = []
    for _ in range(4):
        await digests.claim_due("a")
        await digests.prepare(sub, "a")
        await digests.retry_later(sub, "a", "HTTP 503")
        view = (await digests.list(GUILD))[0]
        waits.append((view.next_due_at - clock.now).total_seconds())
        assert view.last_error == "HTTP 503"
        clock.now = view.next_due_at
    assert waits == [30, 60, 120, 240]


async def test_pause_resume_and_other_guilds(
    digests: DigestService, posts: PostService, writer: ChatUser, clock: FakeClock
) -> None:
    sub = await _subscribe(digests)
    await posts.create_post(writer, "x")
    clock.advance(hours=1)
    await digests.claim_due("a")
    await digests.prepare(sub, "a")
    await digests.pause_for(sub, "a", "Discord refused access (error 50013).")
    (view,) = await digests.list(GUILD)
    assert not view.active and view.status_reason == "Discord refused access (error 50013)."
    clock.advance(hours=5)
    assert await digests.claim_due("a") == []  # paused: never claimed
    for action in (digests.resume, digests.unsubscribe, digests.preview):
        with pytest.raises(SubscriptionNotFound):
            await action(GUILD + 1, sub)  # another server cannot touch it
    assert (await digests.resume(GUILD, sub)).active
    assert await digests.claim_due("a") == [sub]
    summary = await digests.prepare(sub, "a")
    assert summary is not None and summary.new_posts == 1


async def test_claims_respect_shards(
    digests: DigestService, writer: ChatUser, clock: FakeClock
) -> None:
    # (guild_id >> 22) % 2 decides the shard.
    even, odd = 4 << 22, 5 << 22
    sub_even = await _subscribe(digests, guild_id=even, channel_id=1)
    sub_odd = await _subscribe(digests, guild_id=odd, channel_id=2)
    clock.advance(hours=1)
    assert await digests.claim_due("one", 2, (1,)) == [sub_odd]
    assert await digests.claim_due("zero", 2, (0,)) == [sub_even]


async def test_preview_does_not_change_anything(
    digests: DigestService, posts: PostService, writer: ChatUser, clock: FakeClock
) -> None:
    sub = await _subscribe(digests)
    assert await digests.preview(GUILD, sub) is None
    await posts.create_post(writer, "soon in a summary")
    preview = await digests.preview(GUILD, sub)
    assert preview is not None and preview.nonce is None and preview.new_posts == 1
    clock.advance(hours=1)
    await digests.claim_due("a")
    summary = await digests.prepare(sub, "a")
    assert summary is not None and summary.posts == preview.posts
