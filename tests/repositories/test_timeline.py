"""The home timeline's two query shapes give exactly the page a plain sort would, both ways."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.db.engine import Database
from bot.db.models import Account, Follow, Post
from bot.domain.rules import username_skeletons
from bot.domain.values import Position
from bot.repositories import timeline
from bot.repositories.timeline import TimelineRepository

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
LIMIT = 6
Key = tuple[datetime, int]


def _account(name: str) -> Account:
    skeleton, shown = username_skeletons(name)
    return Account(
        username=name,
        username_key=name,
        username_skeleton=skeleton,
        shown_skeleton=shown,
        password_hash="x",
        created_at=WHEN,
    )


async def _seed(
    database: Database, seed: int
) -> tuple[int, int, list[tuple[Key, int]], dict[int, str]]:
    """25 authors with posts (timestamps often tied), an owner following some of them.

    Returns (owner id, how many it follows, every post on the owner's timeline as
    ((created_at, id), author id), and every account's username by id).
    """
    rng = random.Random(seed)
    async with database.write() as session:
        accounts = [_account(f"user{n}") for n in range(26)]
        session.add_all(accounts)
        await session.flush()
        owner, others = accounts[0], accounts[1:]
        followed = rng.sample(others, rng.randint(0, len(others)))
        session.add_all(
            Follow(follower_id=owner.id, followed_id=a.id, created_at=WHEN) for a in followed
        )
        posts = [
            Post(
                # A Zipf-ish pick: some authors busy, most quiet, a few silent.
                author_id=rng.choice(accounts[: rng.randint(1, len(accounts))]).id,
                body="x",
                created_at=WHEN + timedelta(seconds=rng.randint(0, 120)),
            )
            for _ in range(300)
        ]
        session.add_all(posts)
        await session.flush()
        return (
            owner.id,
            len(followed),
            [
                ((p.created_at, p.id), p.author_id)
                for p in posts
                if p.author_id in {owner.id, *(a.id for a in followed)}
            ],
            {a.id: a.username for a in accounts},
        )


def _expected(keys: list[Key], cursor: Key | None, newer: bool) -> list[Key]:
    newest_first = sorted(keys, reverse=True)
    if cursor is None:
        return newest_first[:LIMIT]
    if newer:
        return [k for k in newest_first if k > cursor][-LIMIT:]
    return [k for k in newest_first if k < cursor][:LIMIT]


@pytest.mark.parametrize(
    ("merge_max", "window"),
    [
        (10**9, 0),  # always the per-author merge
        (0, 10**6),  # always the global window, deep enough for any page
        (0, 4),  # a shallow window: most pages fall back to the merge
    ],
    ids=["merge", "window", "window-then-merge"],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_both_strategies_match_a_plain_sort(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    merge_max: int,
    window: int,
) -> None:
    monkeypatch.setattr(timeline, "MERGE_MAX_AUTHORS", merge_max)
    monkeypatch.setattr(timeline, "WINDOW_POSTS", window)
    owner, following, posts, names = await _seed(database, seed)
    keys = [key for key, _ in posts]
    cursors: list[Key | None] = [None, *random.Random(seed).sample(sorted(keys), min(8, len(keys)))]
    cursors.append((WHEN - timedelta(days=1), 1))  # below everything
    cursors.append((WHEN + timedelta(days=1), 1))  # above everything
    async with database.read() as session:
        repository = TimelineRepository(session)
        for cursor in cursors:
            position = Position(*cursor) if cursor else None
            for newer in (False, True):
                if newer and position is None:
                    continue
                rows = await repository.home_page(
                    owner,
                    following,
                    limit=LIMIT,
                    before=None if newer else position,
                    after=position if newer else None,
                )
                got = [(row.created_at, row.id) for row in rows]
                assert got == _expected(keys, cursor, newer), (cursor, newer)
                assert all(row.username == names[row.author_id] for row in rows)


@pytest.mark.parametrize(("merge_max", "window"), [(10**9, 0), (0, 10**6), (0, 4)])
async def test_one_busy_author_fills_whole_pages(
    database: Database, monkeypatch: pytest.MonkeyPatch, merge_max: int, window: int
) -> None:
    """Every page from a single author, many sharing one timestamp: nothing lost at the edges."""
    monkeypatch.setattr(timeline, "MERGE_MAX_AUTHORS", merge_max)
    monkeypatch.setattr(timeline, "WINDOW_POSTS", window)
    async with database.write() as session:
        owner, busy = (_account(n) for n in ("owner", "busy"))
        session.add_all([owner, busy])
        await session.flush()
        session.add(Follow(follower_id=owner.id, followed_id=busy.id, created_at=WHEN))
        posts = [
            Post(author_id=busy.id, body="x", created_at=WHEN + timedelta(seconds=n // 4))
            for n in range(40)
        ]
        session.add_all(posts)
        await session.flush()
        keys = [(p.created_at, p.id) for p in posts]
        owner_id = owner.id
    seen: list[Key] = []
    cursor: Position | None = None
    async with database.read() as session:
        while True:
            rows = await TimelineRepository(session).home_page(
                owner_id, 1, limit=LIMIT, before=cursor
            )
            if not rows:
                break
            page = [(row.created_at, row.id) for row in rows]
            assert page == _expected(
                keys, (cursor.created_at, cursor.post_id) if cursor else None, False
            )
            seen += page
            cursor = Position(*page[-1])
    assert seen == sorted(keys, reverse=True)


async def _statements(database: Database, following: int) -> list[tuple[str, Any]]:
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        captured.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with database.read() as session:
            await TimelineRepository(session).home_page(
                1, following, limit=LIMIT, before=Position(WHEN, 10)
            )
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    return [(s, p) for s, p in captured if "post" in s]


async def _plan(database: Database, statement: str, parameters: Any) -> str:
    async with database.read() as session:
        connection = await session.connection()
        if database.is_sqlite:
            rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(row[-1]) for row in rows)
        # Tiny tables make a sequential scan cheapest; ask what happens when indexes count.
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in rows)


async def test_few_follows_use_one_merge_query_on_the_author_index(database: Database) -> None:
    statements = await _statements(database, following=3)
    assert len(statements) == 1
    plan = await _plan(database, *statements[0])
    assert "ix_post_author_id_created_at_id" in plan, plan
    assert "SCAN post" not in plan and "Seq Scan on post" not in plan, plan


async def test_many_follows_walk_the_global_index_then_fall_back(database: Database) -> None:
    # Nothing to find: the window comes up short, so the merge runs as well.
    statements = await _statements(database, following=timeline.MERGE_MAX_AUTHORS)
    assert len(statements) == 2
    window_plan = await _plan(database, *statements[0])
    assert "ix_post_created_at_id" in window_plan, window_plan
    assert "pk_follow" in window_plan or "sqlite_autoindex_follow_1" in window_plan, window_plan
    assert "SCAN post" not in window_plan and "Seq Scan on post" not in window_plan
