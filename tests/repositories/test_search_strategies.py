"""Every path of both search strategies returns exactly what a brute-force scan returns.

The windows that decide when a strategy switches (read so many matches, then lead with the
smallest set) are shrunk to a few rows, so a small random timeline goes down every path:
index first, author/tag/date range first, the GIN fallback, in both paging directions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.config import AuthSettings
from bot.db.engine import Database
from bot.db.models import Post
from bot.domain.values import ChatUser
from bot.repositories.search import SearchCriteria, SearchRepository, postgres, sqlite
from bot.services.auth import AuthService
from bot.services.posts import PostService
from tests.conftest import STRONG_PASSWORD, FakeClock

WORDS = ["apple", "berry", "cherry", "date", "elder", "fig", "grape", "kiwi"]
WEIGHTS = [30, 12, 8, 5, 3, 2, 1, 1]  # a few common words, a long tail, as in real text
TAGS = ["red", "green", "blue"]
AUTHORS = ["ann", "ben", "cid", "dee"]
START = datetime(2026, 2, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    id: int
    words: list[str]
    tags: set[str]
    author: str
    created_at: datetime
    removed: bool = False


@pytest.fixture
def auth_settings() -> AuthSettings:
    # The timeline spans months; sessions must outlive it.
    return AuthSettings(bcrypt_rounds=4, session_idle_days=365, session_max_days=3650)


@pytest.fixture(autouse=True)
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite, "FTS_WINDOW", 3)
    monkeypatch.setattr(sqlite, "DRIVE_LIMIT", 4)
    monkeypatch.setattr(postgres, "WINDOW", 3)
    monkeypatch.setattr(postgres, "PROBE_BUDGET", 8)  # a window or two more, then GIN
    monkeypatch.setattr(postgres, "LEAD_COUNT_CAP", 4)


@pytest.fixture
async def timeline(
    database: Database, auth: AuthService, posts: PostService, clock: FakeClock
) -> tuple[list[Seeded], dict[str, int]]:
    rng = random.Random(2026)
    clock.now = START
    chats = {name: ChatUser("discord", str(100 + n)) for n, name in enumerate(AUTHORS)}
    author_ids = {}
    for name, chat in chats.items():
        author_ids[name] = (await auth.register(chat, name, STRONG_PASSWORD)).id
    seeded: list[Seeded] = []
    for _ in range(120):
        clock.advance(hours=rng.choice([1, 2, 30]))
        words = rng.choices(WORDS, WEIGHTS, k=rng.randint(1, 6))
        tags = set(rng.sample(TAGS, k=rng.choice([0, 0, 1, 2])))
        author = rng.choices(AUTHORS, [10, 4, 2, 1])[0]
        body = " ".join(words + [f"#{tag}" for tag in sorted(tags)])
        post = await posts.create_post(chats[author], body)
        seeded.append(Seeded(post.id, words, tags, author, post.created_at))
    # A moderator removed one post in ten: never found, whatever the path.
    removed = {post.id for post in rng.sample(seeded, k=len(seeded) // 10)}
    async with database.write() as session:
        await session.execute(update(Post).where(Post.id.in_(removed)).values(removed_at=START))
    seeded = [replace(post, removed=post.id in removed) for post in seeded]
    return seeded, author_ids


def _phrase_in(phrase: list[str], words: list[str]) -> bool:
    return any(words[i : i + len(phrase)] == phrase for i in range(len(words)))


def _expected(seeded: list[Seeded], criteria: SearchCriteria, ids: dict[str, int]) -> list[int]:
    names = {value: key for key, value in ids.items()}
    matching = [
        post.id
        for post in seeded
        if not post.removed
        and all(_phrase_in(term.split(), post.words) for term in criteria.terms)
        and set(criteria.tags) <= post.tags
        and (criteria.author_id is None or names[criteria.author_id] == post.author)
        and (criteria.created_from is None or post.created_at >= criteria.created_from)
        and (criteria.created_until is None or post.created_at < criteria.created_until)
        and ids[post.author] not in criteria.excluded_author_ids
    ]
    return sorted(matching, reverse=True)


def _random_criteria(rng: random.Random, ids: dict[str, int]) -> SearchCriteria:
    terms = rng.sample(WORDS, k=rng.choice([0, 1, 1, 2]))
    if rng.random() < 0.3:
        terms.append(" ".join(rng.choices(WORDS[:4], k=2)))
    tags = tuple(rng.sample(TAGS, k=rng.choice([0, 0, 1, 2])))
    author = ids[rng.choice(AUTHORS)] if rng.random() < 0.4 or not (terms or tags) else None
    created_from = created_until = None
    if rng.random() < 0.3:
        created_from = START + timedelta(days=rng.randint(0, 40))
    if rng.random() < 0.3:
        created_until = START + timedelta(days=rng.randint(20, 80))
    excluded = (ids[rng.choice(AUTHORS)],) if rng.random() < 0.15 else ()
    return SearchCriteria(
        terms=tuple(terms),
        tags=tags,
        author_id=author,
        created_from=created_from,
        created_until=created_until,
        excluded_author_ids=excluded,
    )


async def test_every_strategy_path_matches_a_full_scan(
    database: Database, timeline: tuple[list[Seeded], dict[str, int]]
) -> None:
    seeded, ids = timeline
    rng = random.Random(7)
    for _ in range(120):
        page = rng.choice([1, 2, 4])  # smaller and larger than the windows
        criteria = _random_criteria(rng, ids)
        expected = _expected(seeded, criteria, ids)
        async with database.read() as session:
            search = SearchRepository(session)
            found: list[int] = []
            below = None
            while chunk := await search.ids(criteria, limit=page, below=below):
                found += chunk
                below = chunk[-1]
            assert found == expected, criteria
            # And back up, page by page, from the oldest match.
            if expected:
                back: list[int] = [expected[-1]]
                while chunk := await search.ids(criteria, limit=page, above=back[0]):
                    back = chunk + back
                assert back == expected, criteria


@pytest.mark.parametrize("rank_range", [10_000, 3])  # bm25, or counting on SQLite
@pytest.mark.parametrize("filtered", [False, True])
async def test_scores_rank_posts_with_more_of_the_terms_higher(
    database: Database,
    timeline: tuple[list[Seeded], dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    rank_range: int,
    filtered: bool,
) -> None:
    monkeypatch.setattr(sqlite, "RANK_RANGE_LIMIT", rank_range)
    seeded, ids = timeline
    author = "ann" if filtered else None
    with_fig = [
        p for p in seeded if "fig" in p.words and author in (None, p.author) and not p.removed
    ]
    assert len(with_fig) > 1
    counts = {post.id: post.words.count("fig") / len(post.words) for post in with_fig}
    criteria = SearchCriteria(terms=("fig",), author_id=ids[author] if author else None)
    async with database.read() as session:
        scores = await SearchRepository(session).scores(criteria, [post.id for post in with_fig])
    assert set(scores) == set(counts)
    assert all(score > 0 for score in scores.values())
    densest = max(counts, key=lambda post_id: counts[post_id])
    sparsest = min(counts, key=lambda post_id: counts[post_id])
    if counts[densest] > counts[sparsest]:
        assert scores[densest] > scores[sparsest]
