"""SocialService on both backends: follows, counters, profiles, lists and the home timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.config import PostSettings
from bot.db.engine import Database
from bot.db.models import Account, Follow
from bot.domain.errors import AccountNotFound, CannotFollowYourself, NotLoggedIn, ValidationError
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.posts import PostService
from bot.services.social import PEOPLE_PAGE_SIZE, SocialService
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


async def _counts(database: Database, username: str) -> tuple[int, int, int]:
    async with database.read() as session:
        account = await session.scalar(select(Account).where(Account.username == username))
        assert account is not None
        return account.post_count, account.follower_count, account.following_count


async def _follow_rows(database: Database) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Follow)) or 0)


async def test_follow_unfollow_and_counters(
    social: SocialService, database: Database, alice: ChatUser, bob: ChatUser
) -> None:
    first = await social.follow(alice, "BOB_THE.builder")  # any case: the key decides
    assert (first.username, first.changed) == ("Bob_the.Builder", True)
    again = await social.follow(alice, "Bob_the.Builder")
    assert (again.username, again.changed) == ("Bob_the.Builder", False)  # harmless
    assert await _follow_rows(database) == 1
    assert await _counts(database, "alice") == (0, 0, 1)
    assert await _counts(database, "Bob_the.Builder") == (0, 1, 0)

    gone = await social.unfollow(alice, "bob_the.builder")
    assert gone.changed
    assert not (await social.unfollow(alice, "bob_the.builder")).changed
    assert await _follow_rows(database) == 0
    assert await _counts(database, "alice") == (0, 0, 0)
    assert await _counts(database, "Bob_the.Builder") == (0, 0, 0)


async def test_follow_refusals_write_nothing(
    social: SocialService, database: Database, alice: ChatUser
) -> None:
    with pytest.raises(CannotFollowYourself, match="cannot follow yourself"):
        await social.follow(alice, "Alice")
    with pytest.raises(AccountNotFound, match=r"There is no user called 'nobody'\."):
        await social.follow(alice, "nobody")
    # A name no account could have is just as unknown (not a lecture on username rules).
    with pytest.raises(AccountNotFound, match=r"There is no user called 'no body!'\."):
        await social.follow(alice, " no body! ")
    with pytest.raises(AccountNotFound):
        await social.unfollow(alice, "nobody")
    with pytest.raises(NotLoggedIn):
        await social.follow(ChatUser("discord", "stranger"), "alice")
    assert await _follow_rows(database) == 0
    assert await _counts(database, "alice") == (0, 0, 0)


async def test_post_counter_follows_creates_and_deletes(
    posts: PostService, database: Database, alice: ChatUser
) -> None:
    made = [await posts.create_post(alice, f"p{n}") for n in range(3)]
    assert await _counts(database, "alice") == (3, 0, 0)
    await posts.delete_post(alice, made[0].id)
    assert await _counts(database, "alice") == (2, 0, 0)


async def test_profile_shows_counts_bio_and_both_follow_flags(
    social: SocialService,
    posts: PostService,
    clock: FakeClock,
    alice: ChatUser,
    bob: ChatUser,
    carol: ChatUser,
) -> None:
    for n in range(4):
        await posts.create_post(bob, f"bob {n}")
        clock.advance(seconds=1)
    await social.follow(alice, "bob_the.builder")
    await social.follow(bob, "carol")
    await social.follow(carol, "bob_the.builder")
    await social.update_profile(bob, "  Bob 🔨 ", "Builds things.\r\nFixes them too.")

    seen_by_alice = await social.profile(alice, "bob_the.builder")
    assert (seen_by_alice.username, seen_by_alice.display_name) == ("Bob_the.Builder", "Bob 🔨")
    assert seen_by_alice.bio == "Builds things.\nFixes them too."
    assert (
        seen_by_alice.post_count,
        seen_by_alice.follower_count,
        seen_by_alice.following_count,
    ) == (4, 2, 1)
    assert (seen_by_alice.you_follow, seen_by_alice.follows_you) == (True, False)
    assert [p.body for p in seen_by_alice.recent_posts] == ["bob 3", "bob 2", "bob 1"]
    assert not seen_by_alice.is_you

    seen_by_carol = await social.profile(carol, "Bob_the.Builder")
    assert (seen_by_carol.you_follow, seen_by_carol.follows_you) == (True, True)
    anonymous = await social.profile(ChatUser("discord", "stranger"), "bob_the.builder")
    assert (anonymous.you_follow, anonymous.follows_you, anonymous.is_you) == (False, False, False)
    own = await social.profile(bob)
    assert own.is_you and own.username == "Bob_the.Builder"
    assert (own.you_follow, own.follows_you) == (False, False)


async def test_own_profile_needs_login_and_unknown_users_are_named(
    social: SocialService, alice: ChatUser
) -> None:
    with pytest.raises(NotLoggedIn):
        await social.profile(ChatUser("discord", "stranger"))
    with pytest.raises(AccountNotFound, match="'ghost'"):
        await social.profile(alice, "ghost")


@pytest.mark.parametrize(
    ("display_name", "bio", "message"),
    [
        ("x" * 33, "", "at most 32 characters; yours has 33"),
        ("   ", "", "needs some visible text"),
        ("\u200b\u200d\u2060", "", "needs some visible text"),
        ("\u3164\u3164", "", "needs some visible text"),  # Hangul filler: looks empty
        ("tab\there", "", "cannot contain control characters"),
        ("line\nbreak", "", "cannot contain control characters"),
        ("evil\u202eeman", "", "cannot contain control characters"),
        ("ok", "b" * 301, "at most 300 characters; yours has 301"),
        ("ok", "bell\x07", "cannot contain control characters"),
    ],
)
async def test_profile_validation(
    social: SocialService, alice: ChatUser, display_name: str, bio: str, message: str
) -> None:
    await social.update_profile(alice, "Before", "Unchanged")
    with pytest.raises(ValidationError, match=message):
        await social.update_profile(alice, display_name, bio)
    kept = await social.profile(alice)
    assert (kept.display_name, kept.bio) == ("Before", "Unchanged")


async def test_profile_limits_are_inclusive_and_empty_fields_clear(
    social: SocialService, alice: ChatUser
) -> None:
    full = await social.update_profile(alice, "x" * 32, "y" * 300)
    assert (full.display_name, full.bio) == ("x" * 32, "y" * 300)
    emoji = await social.update_profile(alice, "👩\u200d👩\u200d👧 fam", "tab\tand\nnewline")
    assert emoji.display_name == "👩\u200d👩\u200d👧 fam"
    cleared = await social.update_profile(alice, "", "  \n ")
    assert (cleared.display_name, cleared.bio) == (None, None)


async def test_home_shows_own_and_followed_posts_paged_both_ways(
    social: SocialService,
    posts: PostService,
    clock: FakeClock,
    alice: ChatUser,
    bob: ChatUser,
    carol: ChatUser,
) -> None:
    await social.follow(alice, "bob_the.builder")
    expected = []
    for n in range(14):
        author = (alice, bob, carol)[n % 3]
        body = f"post {n}"
        await posts.create_post(author, body)
        if author is not carol:  # alice does not follow carol
            expected.append(body)
        if n != 6:  # two posts share a timestamp: the id breaks the tie
            clock.advance(seconds=1)
    newest_first = expected[::-1]  # 10 posts, page size 5

    first = await social.home(alice)
    assert first.author == "alice"
    assert [p.body for p in first.posts] == newest_first[:5]
    assert first.newer is None and first.older is not None
    second = await social.home(alice, first.older)
    assert [p.body for p in second.posts] == newest_first[5:]
    assert second.older is None and second.newer is not None
    back = await social.home(alice, second.newer)
    assert [p.body for p in back.posts] == newest_first[:5]
    assert back.newer is None

    await social.unfollow(alice, "bob_the.builder")
    mine = await social.home(alice)
    assert {p.author for p in mine.posts} == {"alice"}


async def test_home_cursor_is_restart_safe_and_public(
    database: Database,
    auth: AuthService,
    social: SocialService,
    posts: PostService,
    post_settings: PostSettings,
    clock: FakeClock,
    alice: ChatUser,
    bob: ChatUser,
) -> None:
    await social.follow(alice, "bob_the.builder")
    for n in range(7):
        await posts.create_post(bob, f"b{n}")
        clock.advance(seconds=1)
    first = await social.home(alice)
    restarted = SocialService(database, auth, post_settings, clock)
    # Anyone may click a shared page's buttons: they page alice's home, logged in or not.
    older = await restarted.home(ChatUser("discord", "stranger"), first.older)
    assert older.author == "alice"
    assert [p.body for p in older.posts] == ["b1", "b0"]


async def test_home_needs_login_and_rejects_bad_cursors(
    social: SocialService, alice: ChatUser
) -> None:
    with pytest.raises(NotLoggedIn):
        await social.home(ChatUser("discord", "stranger"))
    with pytest.raises(ValidationError, match="Run /home again"):
        await social.home(alice, "o" + "A" * 32)  # well-formed, but no such account (id 0)
    with pytest.raises(ValidationError, match="Run /home again"):
        await social.home(alice, "nonsense")
    assert (await social.home(alice)).posts == []


async def test_followers_and_following_lists_page_newest_first(
    auth: AuthService, social: SocialService, clock: FakeClock, alice: ChatUser
) -> None:
    names = [f"fan{n:02d}" for n in range(PEOPLE_PAGE_SIZE + 3)]
    for n, name in enumerate(names):
        fan = await _register(auth, name, str(2000 + n))
        await social.follow(fan, "alice")
        await social.follow(alice, name)
        clock.advance(seconds=1)
    newest_first = names[::-1]

    first = await social.followers(alice)
    assert (first.owner, first.total) == ("alice", len(names))
    assert [p.username for p in first.people] == newest_first[:PEOPLE_PAGE_SIZE]
    assert first.newer is None
    rest = await social.followers(ChatUser("discord", "stranger"), cursor=first.older)
    assert [p.username for p in rest.people] == newest_first[PEOPLE_PAGE_SIZE:]
    assert rest.older is None
    back = await social.followers(alice, cursor=rest.newer)
    assert [p.username for p in back.people] == newest_first[:PEOPLE_PAGE_SIZE]

    following = await social.following(ChatUser("discord", "stranger"), "ALICE")
    assert following.total == len(names)
    assert [p.username for p in following.people] == newest_first[:PEOPLE_PAGE_SIZE]
    theirs = await social.following(alice, "fan00")
    assert [p.username for p in theirs.people] == ["alice"] and theirs.older is None
    with pytest.raises(NotLoggedIn):
        await social.following(ChatUser("discord", "stranger"))
    with pytest.raises(AccountNotFound):
        await social.followers(alice, "ghost")
