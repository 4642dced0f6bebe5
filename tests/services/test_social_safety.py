"""The social graph under trust and safety, on both databases: what home timelines, profiles
and people lists show; follows and blocks; deletions and exports keeping others' counters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.config import AuthSettings, ModerationSettings, PostSettings
from bot.db.engine import Database
from bot.db.models import Account, Follow
from bot.domain.errors import AccountSuspended, Blocked
from bot.domain.notifications import FOLLOW
from bot.domain.security import PasswordHasher
from bot.domain.values import ChatUser, FeedPage
from bot.repositories.notifications import NotificationRepository
from bot.services.accounts import DELETE_WORD, AccountService
from bot.services.auth import AuthService
from bot.services.moderation import ModerationService
from bot.services.posts import PostService
from bot.services.safety import SafetyService
from bot.services.social import SocialService
from tests.conftest import STRONG_PASSWORD, FakeClock
from tests.services.test_social_properties import _mismatches

MODERATOR = 99
GUILD, OTHER_GUILD = 500, 600
NAMES = ("alice", "bob", "carol", "dave", "erin")


@pytest.fixture
def moderation_settings() -> ModerationSettings:
    return ModerationSettings(moderators=(MODERATOR,))


@pytest.fixture
def safety(
    database: Database, auth: AuthService, moderation_settings: ModerationSettings, clock: FakeClock
) -> SafetyService:
    return SafetyService(database, auth, moderation_settings, clock)


@pytest.fixture
def moderation(
    database: Database, moderation_settings: ModerationSettings, clock: FakeClock
) -> ModerationService:
    return ModerationService(database, moderation_settings, clock)


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
async def people(auth: AuthService) -> dict[str, ChatUser]:
    chats = {name: ChatUser("discord", str(1000 + n)) for n, name in enumerate(NAMES)}
    for name, chat in chats.items():
        await auth.register(chat, name, STRONG_PASSWORD)
    return chats


async def _counts(database: Database) -> dict[str, tuple[int, int]]:
    """(followers, following) of every account, by username."""
    async with database.read() as session:
        rows = await session.execute(
            select(Account.username, Account.follower_count, Account.following_count)
        )
        return {name: (followers, following) for name, followers, following in rows}


async def _follows(database: Database) -> set[tuple[str, str]]:
    async with database.read() as session:
        ids = {i: name for i, name in await session.execute(select(Account.id, Account.username))}
        rows = await session.execute(select(Follow.follower_id, Follow.followed_id))
        return {(ids[a], ids[b]) for a, b in rows}


async def _follow_notifications(database: Database, username: str) -> list[str]:
    """Who the account was told followed it."""
    async with database.read() as session:
        account_id = await session.scalar(select(Account.id).where(Account.username == username))
        assert account_id is not None
        rows = await NotificationRepository(session).received(account_id)
        return [row.actor for row in rows if row.kind == FOLLOW]


async def _suspend_keeping_sessions(database: Database, username: str, clock: FakeClock) -> None:
    """A suspension whose sessions are still there (ended by another process a moment later,
    say): the services must refuse it on their own."""
    async with database.write() as session:
        await session.execute(
            update(Account)
            .where(Account.username == username)
            .values(suspended_until=clock.now + timedelta(days=1))
        )


def _authors(page: FeedPage) -> list[str]:
    return [post.author for post in page.posts]


# -- follows and blocks ------------------------------------------------------------------
async def test_following_is_refused_between_blocked_accounts_either_way(
    social: SocialService,
    safety: SafetyService,
    database: Database,
    people: dict[str, ChatUser],
) -> None:
    await safety.block(people["alice"], "bob")
    for chat, other in ((people["alice"], "bob"), (people["bob"], "alice")):
        with pytest.raises(Blocked, match=r"^You cannot interact with that account\.$"):
            await social.follow(chat, other)
    bob_id = (await social.profile(people["carol"], "bob")).id
    with pytest.raises(Blocked):  # the profile's Follow button, by account id
        await social.set_follow(people["alice"], bob_id, follow=True)
    assert await _follows(database) == set()
    assert set((await _counts(database)).values()) == {(0, 0)}
    assert not (await social.unfollow(people["alice"], "bob")).changed  # harmless
    await safety.unblock(people["alice"], "bob")
    assert (await social.follow(people["alice"], "bob")).changed


async def test_a_block_ends_follows_both_ways_and_their_counters(
    social: SocialService,
    safety: SafetyService,
    database: Database,
    people: dict[str, ChatUser],
) -> None:
    for follower, followed in [
        ("alice", "bob"), ("bob", "alice"), ("alice", "carol"), ("carol", "bob"),
    ]:  # fmt: skip
        await social.follow(people[follower], followed)
    assert await _follow_notifications(database, "alice") == ["bob"]
    await safety.block(people["bob"], "alice")  # either one may block
    assert await _follows(database) == {("alice", "carol"), ("carol", "bob")}
    # The follows' notifications went with them; carol's stay.
    assert await _follow_notifications(database, "alice") == []
    assert await _follow_notifications(database, "bob") == ["carol"]
    counts = await _counts(database)
    assert (counts["alice"], counts["bob"], counts["carol"]) == ((0, 1), (1, 0), (1, 1))
    assert await _mismatches(database) == []


async def test_a_suspended_account_cannot_follow(
    social: SocialService,
    auth: AuthService,
    moderation: ModerationService,
    database: Database,
    clock: FakeClock,
    people: dict[str, ChatUser],
) -> None:
    await _suspend_keeping_sessions(database, "alice", clock)
    with pytest.raises(AccountSuspended):
        await social.follow(people["alice"], "bob")
    # A moderator's suspension also ends its sessions, and logging in again is refused.
    await moderation.suspend(MODERATOR, "carol", "spam", days=1)
    with pytest.raises(AccountSuspended):
        await auth.login(people["carol"], "carol", STRONG_PASSWORD)
    assert await _follows(database) == set()
    assert set((await _counts(database)).values()) == {(0, 0)}


# -- home timelines ----------------------------------------------------------------------
async def test_home_leaves_out_muted_removed_suspended_and_hidden_authors(
    social: SocialService,
    posts: PostService,
    safety: SafetyService,
    moderation: ModerationService,
    clock: FakeClock,
    people: dict[str, ChatUser],
) -> None:
    alice = people["alice"]
    for name in ("bob", "carol", "dave", "erin"):
        await social.follow(alice, name)
        await posts.create_post(people[name], f"by {name}")
        clock.advance(seconds=1)
    await posts.create_post(alice, "by alice")
    everyone = ["alice", "erin", "dave", "carol", "bob"]
    assert _authors(await social.home(alice)) == everyone

    await safety.mute(alice, "carol")
    dave_post = (await posts.my_recent_posts(people["dave"]))[0].id
    await moderation.remove_post(MODERATOR, dave_post, "spam")
    await moderation.suspend(MODERATOR, "erin", "spam", days=1)
    await safety.hide_in_server(GUILD, "bob", by=1, manages_server=True)
    assert _authors(await social.home(alice)) == ["alice", "bob"]
    assert _authors(await social.home(alice, guild_id=GUILD)) == ["alice"]
    assert _authors(await social.home(alice, guild_id=OTHER_GUILD)) == ["alice", "bob"]

    await safety.unmute(alice, "carol")
    clock.advance(days=2)  # erin's suspension is over
    assert _authors(await social.home(alice)) == ["alice", "erin", "carol", "bob"]


async def test_home_leaves_out_blocked_authors_for_whoever_pages_it(
    social: SocialService,
    posts: PostService,
    safety: SafetyService,
    auth: AuthService,
    database: Database,
    clock: FakeClock,
    people: dict[str, ChatUser],
) -> None:
    """A shared home timeline is paged by whoever clicks: their blocks apply (either way)."""
    small = SocialService(database, auth, PostSettings(cooldown_seconds=0, page_size=1), clock)
    carol = people["carol"]
    for name in ("alice", "bob"):
        await social.follow(carol, name)
    for n in range(2):
        for name in ("alice", "bob"):
            await posts.create_post(people[name], f"{name} {n}")
            clock.advance(seconds=1)
    await posts.create_post(carol, "carol's newest")
    first = await small.home(carol)
    assert (_authors(first), first.older is not None) == (["carol"], True)
    await safety.block(people["bob"], "dave")  # bob blocked dave: dave sees none of bob's
    seen: list[str] = []
    cursor = first.older
    while cursor is not None:
        page = await small.home(people["dave"], cursor)
        seen += [post.body for post in page.posts]
        cursor = page.older
    assert seen == ["alice 1", "alice 0"]
    assert [p.body for p in (await social.home(carol)).posts] == [
        "carol's newest", "bob 1", "alice 1", "bob 0", "alice 0",
    ]  # fmt: skip


async def test_home_hides_a_suspended_owners_posts_from_others(
    social: SocialService,
    posts: PostService,
    moderation: ModerationService,
    auth: AuthService,
    database: Database,
    clock: FakeClock,
    people: dict[str, ChatUser],
) -> None:
    small = SocialService(database, auth, PostSettings(cooldown_seconds=0, page_size=1), clock)
    await social.follow(people["alice"], "bob")
    for name in ("bob", "alice", "alice"):
        await posts.create_post(people[name], f"by {name}")
        clock.advance(seconds=1)
    first = await small.home(people["alice"])
    await moderation.suspend(MODERATOR, "alice", "spam", days=1)
    page = await small.home(people["carol"], first.older)
    assert _authors(page) == ["bob"]


# -- profiles and lists ------------------------------------------------------------------
async def test_profile_posts_follow_the_visibility_rule(
    social: SocialService,
    posts: PostService,
    safety: SafetyService,
    moderation: ModerationService,
    clock: FakeClock,
    people: dict[str, ChatUser],
) -> None:
    for name in ("alice", "bob", "bob"):
        await posts.create_post(people[name], f"by {name}")
        clock.advance(seconds=1)
    stranger = ChatUser("discord", "4242")  # not logged in: profiles are public

    async def recent(viewer: ChatUser, whose: str, guild_id: int | None = None) -> int:
        return len((await social.profile(viewer, whose, guild_id=guild_id)).recent_posts)

    await safety.block(people["alice"], "bob")
    assert (await recent(people["alice"], "bob"), await recent(people["bob"], "alice")) == (0, 0)
    assert (await recent(people["carol"], "bob"), await recent(stranger, "bob")) == (2, 2)
    assert (await social.profile(people["alice"], "bob")).post_count == 2  # counts stay

    await safety.mute(people["carol"], "bob")
    assert await recent(people["carol"], "bob") == 0
    await safety.hide_in_server(GUILD, "alice", by=1, manages_server=True)
    assert (await recent(stranger, "alice", GUILD), await recent(stranger, "alice")) == (0, 1)
    bobs_newest = (await social.profile(stranger, "bob")).recent_posts[0].id
    await moderation.remove_post(MODERATOR, bobs_newest, "spam")
    assert await recent(stranger, "bob") == 1
    await moderation.suspend(MODERATOR, "bob", "spam", days=1)
    assert await recent(stranger, "bob") == 0


async def test_people_lists_leave_out_blocked_hidden_and_suspended_accounts(
    social: SocialService,
    safety: SafetyService,
    moderation: ModerationService,
    people: dict[str, ChatUser],
) -> None:
    for name in ("alice", "bob", "dave"):
        await social.follow(people["carol"], name)
        await social.follow(people[name], "carol")

    async def listed(viewer: str, *, followers: bool, guild_id: int | None = None) -> set[str]:
        lookup = social.followers if followers else social.following
        page = await lookup(people[viewer], "carol", guild_id=guild_id)
        assert page.total == 3  # the counter counts everyone, seen or not
        return {person.username for person in page.people}

    await safety.block(people["alice"], "bob")
    for followers in (True, False):
        assert await listed("alice", followers=followers) == {"alice", "dave"}
        assert await listed("bob", followers=followers) == {"bob", "dave"}
        assert await listed("carol", followers=followers) == {"alice", "bob", "dave"}

    await safety.hide_in_server(GUILD, "dave", by=1, manages_server=True)
    assert await listed("carol", followers=True, guild_id=GUILD) == {"alice", "bob"}
    assert await listed("carol", followers=True, guild_id=OTHER_GUILD) == {"alice", "bob", "dave"}
    await moderation.suspend(MODERATOR, "dave", "spam", days=1)
    assert await listed("carol", followers=False) == {"alice", "bob"}


# -- deletion and export -----------------------------------------------------------------
async def test_deleting_an_account_takes_its_follows_off_everyone_elses_counters(
    social: SocialService,
    accounts: AccountService,
    database: Database,
    people: dict[str, ChatUser],
) -> None:
    for follower, followed in [
        ("alice", "bob"), ("alice", "carol"), ("bob", "alice"), ("dave", "alice"),
        ("dave", "bob"), ("carol", "erin"),
    ]:  # fmt: skip
        await social.follow(people[follower], followed)
    assert await accounts.delete_account(people["alice"], STRONG_PASSWORD, DELETE_WORD) == "alice"
    counts = await _counts(database)
    assert "alice" not in counts
    assert counts == {"bob": (1, 0), "carol": (0, 1), "dave": (0, 1), "erin": (1, 0)}
    assert await _follows(database) == {("dave", "bob"), ("carol", "erin")}
    assert await _mismatches(database) == []


async def test_export_holds_the_profile_counts_and_both_follow_lists(
    social: SocialService,
    accounts: AccountService,
    posts: PostService,
    clock: FakeClock,
    people: dict[str, ChatUser],
) -> None:
    alice = people["alice"]
    await social.update_profile(alice, "Alice A.", "I like cats.")
    await posts.create_post(alice, "hello")
    followed_at = clock.now
    await social.follow(alice, "bob")
    clock.advance(minutes=5)
    await social.follow(people["carol"], "alice")
    data = await accounts.export(alice)
    profile = data["profile"]
    assert (profile["display_name"], profile["bio"]) == ("Alice A.", "I like cats.")
    assert (profile["post_count"], profile["follower_count"], profile["following_count"]) == (
        1, 1, 1,
    )  # fmt: skip
    assert data["following"] == [{"username": "bob", "since": followed_at.isoformat()}]
    assert data["followers"] == [{"username": "carol", "since": clock.now.isoformat()}]
