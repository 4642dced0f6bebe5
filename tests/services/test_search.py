"""SearchService on both backends: every query form finds what it should and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from bot.config import SearchSettings
from bot.db.engine import Database
from bot.db.models import Account, Block, Mute, Post, ServerHiddenAccount
from bot.domain.errors import AccountNotFound, ValidationError
from bot.domain.values import ChatUser, SearchPage
from bot.services.auth import AuthService
from bot.services.posts import PostService
from bot.services.search import SearchService
from tests.conftest import STRONG_PASSWORD, FakeClock


@pytest.fixture
def search(database: Database, auth: AuthService, clock: FakeClock) -> SearchService:
    return SearchService(database, auth, SearchSettings(page_size=3), clock)


@pytest.fixture
async def alice(auth: AuthService, alice_chat: ChatUser) -> ChatUser:
    await auth.register(alice_chat, "Alice", STRONG_PASSWORD)
    return alice_chat


@pytest.fixture
async def bob(auth: AuthService, bob_chat: ChatUser) -> ChatUser:
    await auth.register(bob_chat, "bob", STRONG_PASSWORD)
    return bob_chat


async def _post(posts: PostService, clock: FakeClock, chat: ChatUser, body: str) -> int:
    clock.advance(minutes=1)
    return (await posts.create_post(chat, body)).id


def _ids(page: SearchPage) -> list[int]:
    return [post.id for post in page.posts]


async def _at(
    moment: datetime, clock: FakeClock, auth: AuthService, people: dict[str, ChatUser]
) -> None:
    """Jump the clock, logging people in again (sessions do not survive weeks)."""
    clock.now = moment
    for name, chat in people.items():
        await auth.login(chat, name, STRONG_PASSWORD)


@pytest.fixture
async def corpus(
    posts: PostService, auth: AuthService, clock: FakeClock, alice: ChatUser, bob: ChatUser
) -> dict[str, int]:
    """A small timeline; the keys name each post."""
    await _at(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), clock, auth, {"alice": alice, "bob": bob})
    made: dict[str, int] = {}
    for name, chat, body in [
        ("coffee", alice, "Good morning! Coffee first, code review second."),
        ("rust", alice, "Shipped the parser in #Rust today. Coffee helped."),
        ("tea", bob, "Morning tea, then a long walk. #Garden looks good"),
        ("order", bob, "Second coffee, good morning again"),
        ("cafe", bob, "CAFÉ crème at the ｃａｆｅ: ＃Ｒｕｓｔ meetup"),
        ("hebrew", alice, "שלום עולם, ‏hello from the other side"),
    ]:
        made[name] = await _post(posts, clock, chat, body)
    await _at(datetime(2026, 4, 10, 12, 0, tzinfo=UTC), clock, auth, {"alice": alice})
    made["april"] = await _post(posts, clock, alice, "April coffee with #garden friends")
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("coffee", ["april", "order", "rust", "coffee"]),
        ("COFFEE morning", ["order", "coffee"]),  # every word must match, any case
        ('"good morning"', ["order", "coffee"]),  # a phrase: those words in that order
        ('"morning good"', []),
        ('"second coffee"', ["order"]),
        ("#rust", ["cafe", "rust"]),  # NFKC + casefold: ＃Ｒｕｓｔ is #rust
        ("#garden", ["april", "tea"]),
        ("#garden coffee", ["april"]),
        ("from:alice coffee", ["april", "rust", "coffee"]),
        ("from:BOB coffee", ["order"]),
        ("from:alice", ["april", "hebrew", "rust", "coffee"]),
        ("coffee before:2026-04-01", ["order", "rust", "coffee"]),
        ("coffee after:2026-03-31", ["april"]),
        ("coffee after:2026-04-09 before:2026-04-11", ["april"]),
        ("coffee after:2026-04-10", []),  # after a day means from the next day on
        ("cafe", ["cafe"]),  # the full-width ｃａｆｅ (NFKC); CAFÉ keeps its accent
        ("café", ["cafe"]),
        ("שלום", ["hebrew"]),
        ("hello", ["hebrew"]),  # the right-to-left mark before it is not part of the word
        ("review", ["coffee"]),
        ("nothing-like-this", []),
    ],
)
async def test_query_forms(
    search: SearchService, corpus: dict[str, int], query: str, expected: list[str]
) -> None:
    page = await search.search(query)
    found = [name for post_id in _ids(page) for name, pid in corpus.items() if pid == post_id]
    # Pages hold 3: compare the first page, then everything by walking the pages.
    assert found == expected[:3]
    assert await _all_ids(search, query) == [corpus[name] for name in expected]


async def _all_ids(search: SearchService, query: str, order: str = "newest") -> list[int]:
    page = await search.search(query, order=order)
    ids = _ids(page)
    while page.next is not None:
        page = await search.search(query, page.next, order=order)
        ids += _ids(page)
    return ids


async def test_paging_both_ways(
    search: SearchService, posts: PostService, clock: FakeClock, alice: ChatUser
) -> None:
    made = [await _post(posts, clock, alice, f"walk number {n}") for n in range(8)]
    first = await search.search("walk")
    assert _ids(first) == made[::-1][:3] and first.previous is None and first.next
    second = await search.search("walk", first.next)
    assert _ids(second) == made[::-1][3:6] and second.previous
    third = await search.search("walk", second.next)
    assert _ids(third) == made[::-1][6:] and third.next is None
    back = await search.search("walk", third.previous)
    assert _ids(back) == _ids(second)
    top = await search.search("walk", back.previous)
    assert _ids(top) == _ids(first) and top.previous is None


async def test_edits_and_deletions_are_searchable_at_once(
    search: SearchService, posts: PostService, clock: FakeClock, alice: ChatUser
) -> None:
    post_id = await _post(posts, clock, alice, "about #cats and dogs")
    await posts.edit_post(alice, post_id, "about #birds and fish")
    assert _ids(await search.search("dogs")) == []
    assert _ids(await search.search("#cats")) == []
    assert _ids(await search.search("fish #birds")) == [post_id]
    await posts.delete_post(alice, post_id)
    assert _ids(await search.search("fish")) == []
    assert _ids(await search.search("#birds")) == []


async def test_deleting_an_account_removes_its_posts_from_the_index(
    database: Database, search: SearchService, corpus: dict[str, int]
) -> None:
    async with database.write() as session:
        await session.execute(text("DELETE FROM account WHERE username_key = 'bob'"))
    assert _ids(await search.search("morning")) == [corpus["coffee"]]
    assert _ids(await search.search("#garden")) == [corpus["april"]]
    if database.is_sqlite:  # the external-content index agrees with the table, row by row
        async with database.write() as session:
            await session.execute(
                text("INSERT INTO post_fts(post_fts, rank) VALUES ('integrity-check', 1)")
            )


async def test_best_match_first(
    search: SearchService, posts: PostService, clock: FakeClock, alice: ChatUser
) -> None:
    strong = await _post(posts, clock, alice, "garden garden garden: the garden")
    for n in range(4):
        await _post(posts, clock, alice, f"a long day, and later some garden work {n}")
    newest = await search.search("garden")
    best = await search.search("garden", order="best")
    assert _ids(best)[0] == strong != _ids(newest)[0]
    assert best.ranked_of == 5
    assert sorted(await _all_ids(search, "garden", "best")) == sorted(
        await _all_ids(search, "garden")
    )
    with pytest.raises(ValidationError, match="not valid any more"):
        await search.search("garden", newest.next, order="best")


async def test_answers_for_nobody_and_nothing(
    search: SearchService, corpus: dict[str, int]
) -> None:
    with pytest.raises(AccountNotFound, match="no user called 'carol'"):
        await search.search("from:carol coffee")
    page = await search.search("tulips")
    assert page.posts == [] and page.next is None and page.query == "tulips"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Nothing to search for"),
        ("   ", "Nothing to search for"),
        ("!!! ---", "Nothing to search for"),
        ('"unbalanced', "A quote has no partner"),
        ("x" * 10_000, "at most 300 characters; yours has 10000"),
        ("nul\x00here", "control characters"),
        ("bell\x07", "control characters"),
        ("right\u200fto left", "direction marks"),
        ("\u202eevil", "direction marks"),
        ("before:2026-13-01 x", "not a date in the calendar"),
        ("after:yesterday x", "year-month-day"),
        ("after:2026-01-02 before:2026-01-03 x", "No day is both"),
        ("before:2026-01-01", "Add words"),
        ("from:", "needs a username"),
        ("from:a b", "is not a username"),
        ("from:alice from:bob", "Only one from:"),
        ("#123", "is not a tag"),
        ("#c++", "is not a tag"),
        (" ".join(f"w{n}" for n in range(13)), "at most 12 words"),
    ],
)
async def test_malformed_queries_get_a_sentence(
    search: SearchService, query: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await search.search(query)


COFFEE = ["april", "order", "rust", "coffee"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("coffee OR tea", []),  # "or" is a word here, and no post has it
        ("NEAR(coffee tea)", []),
        ("coffee NOT tea", []),
        ("coffee AND", []),
        ("cof*", []),  # no prefix queries: "cof" is a word of its own
        ("^coffee", COFFEE),
        ("(coffee", COFFEE),
        ("coffee\\", COFFEE),
        ("body:coffee", []),  # not a column filter: the phrase "body coffee"
        ("search_text:coffee", []),
        ("{search_text}: coffee", []),
        ("coffee -tea", []),  # no negation: "-tea" is the word "tea"
        ("coffee & tea | !x", []),
        ("'coffee' <-> tea:*", []),
        ("“good morning”", ["order", "coffee"]),
        ("x' OR '1'='1", []),
        ("coffee; DROP TABLE post; --", []),
    ],
)
async def test_engine_syntax_is_only_ever_text(
    search: SearchService, corpus: dict[str, int], query: str, expected: list[str]
) -> None:
    """Operators and quotes of FTS5 and tsquery are searched for as words, never obeyed."""
    assert await _all_ids(search, query) == [corpus[name] for name in expected]
    assert len(await _all_ids(search, "coffee")) == 4  # and the table is still there


async def test_trending(
    database: Database,
    search: SearchService,
    posts: PostService,
    auth: AuthService,
    clock: FakeClock,
    alice: ChatUser,
) -> None:
    await _at(datetime(2026, 5, 1, tzinfo=UTC), clock, auth, {"alice": alice})
    await _post(posts, clock, alice, "#old #week")
    clock.advance(days=5)
    for body in ("#new #Week", "#NEW", "#week again #new"):
        await _post(posts, clock, alice, body)
    removed = await _post(posts, clock, alice, "#gone #gone_too")
    async with database.write() as session:
        await session.execute(update(Post).where(Post.id == removed).values(removed_at=clock.now))
    trending = await search.trending()
    assert trending.day == [("new", 3), ("week", 2)]
    assert trending.week == [("new", 3), ("week", 3), ("old", 1)]


async def test_autocomplete(
    search: SearchService, posts: PostService, clock: FakeClock, auth: AuthService
) -> None:
    for n, name in enumerate(["alice", "Alina", "al_x", "bob", "ALBERT"]):
        await auth.register(ChatUser("discord", str(500 + n)), name, STRONG_PASSWORD)
    await _post(posts, clock, ChatUser("discord", "500"), "#rust #ruby #Rustacean #go")
    assert await search.usernames("al") == ["al_x", "ALBERT", "alice", "Alina"]
    assert await search.usernames("@ALI") == ["alice", "Alina"]
    assert await search.usernames("a b") == []
    assert await search.usernames("al_") == ["al_x"]  # "_" is not a wildcard
    assert await search.usernames("%") == []
    assert len(await search.usernames("")) == 5
    assert await search.tags("#ru") == ["ruby", "rust", "rustacean"]
    assert await search.tags("RUST") == ["rust", "rustacean"]
    assert await search.tags("") == ["go", "ruby", "rust", "rustacean"]
    assert await search.tags("+") == []
    assert await search.complete_query("coffee from:ali") == [
        "coffee from:alice",
        "coffee from:Alina",
    ]
    assert await search.complete_query('"x y" #rus') == ['"x y" #rust', '"x y" #rustacean']
    assert await search.complete_query("coffee") == []


async def test_search_shows_what_the_reader_may_see(
    database: Database,
    search: SearchService,
    posts: PostService,
    auth: AuthService,
    clock: FakeClock,
    alice: ChatUser,
    bob: ChatUser,
) -> None:
    """The feeds' visibility rule: blocks either way, mutes, server hides, suspended
    authors and posts removed by a moderator."""
    carol = ChatUser("discord", "1003")
    await auth.register(carol, "carol", STRONG_PASSWORD)
    made = {
        name: await _post(posts, clock, chat, f"tulips by {name}")
        for name, chat in (("alice", alice), ("bob", bob), ("carol", carol))
    }
    ids = {}
    async with database.read() as session:
        for name in made:
            ids[name] = await session.scalar(select(Account.id).where(Account.username_key == name))

    async def seen(reader: ChatUser | None = None, guild_id: int | None = None) -> set[str]:
        page = await search.search("tulips", reader=reader, guild_id=guild_id)
        return {post.author.lower() for post in page.posts}

    assert await seen() == {"alice", "bob", "carol"}
    async with database.write() as session:
        session.add(Block(blocker_id=ids["alice"], blocked_id=ids["bob"], created_at=clock.now))
        session.add(Mute(muter_id=ids["carol"], muted_id=ids["alice"], created_at=clock.now))
        session.add(
            ServerHiddenAccount(
                guild_id=77, account_id=ids["carol"], hidden_by=1, created_at=clock.now
            )
        )
    assert await seen(alice) == {"alice", "carol"}  # alice blocked bob
    assert await seen(bob) == {"bob", "carol"}  # and so bob does not see alice either
    assert await seen(carol) == {"bob", "carol"}  # carol muted alice
    assert await seen(guild_id=77) == {"alice", "bob"}  # carol is hidden in server 77
    assert await seen() == {"alice", "bob", "carol"}
    async with database.write() as session:
        await session.execute(
            update(Post).where(Post.id == made["alice"]).values(removed_at=clock.now)
        )
        await session.execute(
            update(Account)
            .where(Account.id == ids["carol"])
            .values(suspended_until=clock.now + timedelta(days=1))
        )
    assert await seen() == {"bob"}
    assert (await search.search("from:alice tulips")).posts == []
