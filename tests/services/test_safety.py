"""SafetyService and ModerationService rules, on both databases, without Discord."""

from __future__ import annotations

import pytest

from bot.config import DigestSettings, ModerationSettings
from bot.db.engine import Database
from bot.domain.errors import AccountSuspended, Blocked, NotModerator, NotServerManager, Throttled
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.digests import DigestService
from bot.services.moderation import ModerationService
from bot.services.posts import PostService
from bot.services.safety import SafetyService, ensure_can_interact
from tests.conftest import STRONG_PASSWORD, FakeClock

MODERATOR = 99
GUILD, OTHER_GUILD = 500, 600


@pytest.fixture
def settings() -> ModerationSettings:
    return ModerationSettings(moderators=(MODERATOR,), reports_per_hour=2)


@pytest.fixture
def safety(
    database: Database, auth: AuthService, settings: ModerationSettings, clock: FakeClock
) -> SafetyService:
    return SafetyService(database, auth, settings, clock)


@pytest.fixture
def moderation(
    database: Database, settings: ModerationSettings, clock: FakeClock
) -> ModerationService:
    return ModerationService(database, settings, clock)


@pytest.fixture
async def people(auth: AuthService) -> dict[str, ChatUser]:
    chats = {name: ChatUser("discord", str(1000 + n)) for n, name in enumerate(("alice", "bob"))}
    for name, chat in chats.items():
        await auth.register(chat, name, STRONG_PASSWORD)
    return chats


async def test_blocked_accounts_cannot_interact_either_way(
    database: Database, safety: SafetyService, people: dict[str, ChatUser]
) -> None:
    await safety.block(people["alice"], "bob")
    async with database.read() as session:
        for first, second in ((1, 2), (2, 1)):
            with pytest.raises(Blocked):
                await ensure_can_interact(session, first, second)
    await safety.unblock(people["alice"], "bob")
    async with database.read() as session:
        await ensure_can_interact(session, 1, 2)


async def test_reports_are_throttled_per_account(
    safety: SafetyService,
    posts: PostService,
    people: dict[str, ChatUser],
    clock: FakeClock,
) -> None:
    ids = [(await posts.create_post(people["alice"], f"post {n}")).id for n in range(3)]
    await safety.report(people["bob"], ids[0], "spam")
    await safety.report(people["bob"], ids[1], "spam")
    with pytest.raises(Throttled):
        await safety.report(people["bob"], ids[2], "spam")
    clock.advance(hours=1)
    assert (await safety.report(people["bob"], ids[2], "spam")).post_id == ids[2]


async def test_only_moderators_moderate_and_a_suspension_ends_by_itself(
    moderation: ModerationService,
    auth: AuthService,
    posts: PostService,
    people: dict[str, ChatUser],
    clock: FakeClock,
) -> None:
    post = await posts.create_post(people["alice"], "hello")
    with pytest.raises(NotModerator):
        await moderation.suspend(1001, "alice", "because", 1)
    with pytest.raises(NotModerator):
        await moderation.remove_post(1001, post.id, "because")
    await moderation.suspend(MODERATOR, "alice", "cool down", 2)
    with pytest.raises(AccountSuspended):
        await auth.login(people["alice"], "alice", STRONG_PASSWORD)
    assert (await posts.feed(reader=people["bob"])).posts == []
    clock.advance(days=2)
    await auth.login(people["alice"], "alice", STRONG_PASSWORD)
    assert [p.body for p in (await posts.feed(reader=people["bob"])).posts] == ["hello"]


async def test_summaries_leave_out_what_a_server_hid_and_moderators_removed(
    database: Database,
    safety: SafetyService,
    moderation: ModerationService,
    posts: PostService,
    people: dict[str, ChatUser],
    clock: FakeClock,
) -> None:
    digests = DigestService(database, DigestSettings(), clock)
    here = await digests.subscribe(
        guild_id=GUILD, channel_id=1, interval="1h", author=None, min_posts=1, created_by="7"
    )
    there = await digests.subscribe(
        guild_id=OTHER_GUILD, channel_id=2, interval="1h", author=None, min_posts=1, created_by="7"
    )
    await posts.create_post(people["alice"], "from alice")
    removed = await posts.create_post(people["bob"], "from bob, removed")
    await posts.create_post(people["bob"], "from bob")
    await moderation.remove_post(MODERATOR, removed.id, "spam")
    with pytest.raises(NotServerManager):
        await safety.hide_in_server(GUILD, "alice", by=7, manages_server=False)
    await safety.hide_in_server(GUILD, "alice", by=7, manages_server=True)

    summary_here = await digests.preview(GUILD, here.id)
    summary_there = await digests.preview(OTHER_GUILD, there.id)
    assert summary_here is not None and summary_there is not None
    assert [p.body for p in summary_here.posts] == ["from bob"]
    assert summary_here.new_posts == 1
    assert [p.body for p in summary_there.posts] == ["from bob", "from alice"]
    assert (await posts.feed(guild_id=GUILD)).posts[0].body == "from bob"
    assert len((await posts.feed(guild_id=OTHER_GUILD)).posts) == 2
