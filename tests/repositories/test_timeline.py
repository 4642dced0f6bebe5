"""The home timeline's two query shapes give exactly the page a plain sort would, both ways,
of exactly the posts the visibility rule lets the reader see there."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.db.engine import Database
from bot.db.models import Account, Block, Follow, Mute, Post, ServerHiddenAccount
from bot.domain.rules import username_skeletons
from bot.domain.values import Audience, Position
from bot.repositories import timeline
from bot.repositories.timeline import TimelineRepository

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
NOW = WHEN + timedelta(days=1)
LIMIT = 6
GUILD, OTHER_GUILD = 500, 600
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


@dataclass
class Seeded:
    owner: int
    following: int
    reader: int  # another account, who pages the owner's shared timeline
    posts: list[tuple[Key, int, bool]]  # ((created_at, id), author id, removed) on the timeline
    names: dict[int, str]
    blocks: set[tuple[int, int]] = field(default_factory=set)  # (blocker, blocked)
    mutes: set[tuple[int, int]] = field(default_factory=set)  # (muter, muted)
    hidden: set[tuple[int, int]] = field(default_factory=set)  # (guild, account)
    suspended: set[int] = field(default_factory=set)  # suspended at NOW

    def visible(self, audience: Audience) -> list[Key]:
        """The rule, written out plainly: what the query must return, in any order."""

        def shown(author: int) -> bool:
            reader = audience.account_id
            return not (
                author in self.suspended
                or (reader is not None and ((reader, author) in self.blocks))
                or (reader is not None and ((author, reader) in self.blocks))
                or (audience.hide_muted and (self.owner, author) in self.mutes)
                or (audience.guild_id, author) in self.hidden
            )

        return [key for key, author, removed in self.posts if not removed and shown(author)]


async def _seed(database: Database, seed: int) -> Seeded:
    """25 authors with posts (timestamps often tied), an owner following some of them, and
    every kind of thing that hides a post: some removed by a moderator; authors blocked
    either way (by the owner and by the reader; follows are left in place here, as an old
    database may have them), muted (by each), hidden in a server, suspended (now, or no
    longer)."""
    rng = random.Random(seed)
    async with database.write() as session:
        accounts = [_account(f"user{n}") for n in range(26)]
        session.add_all(accounts)
        await session.flush()
        owner, reader, others = accounts[0], accounts[1], accounts[2:]
        followed = rng.sample(accounts[1:], rng.randint(0, len(accounts) - 1))
        session.add_all(
            Follow(follower_id=owner.id, followed_id=a.id, created_at=WHEN) for a in followed
        )
        picks = [a.id for a in rng.sample(others, 10)]
        seeded = Seeded(
            owner=owner.id,
            following=len(followed),
            reader=reader.id,
            posts=[],
            names={a.id: a.username for a in accounts},
            blocks={
                (owner.id, picks[0]),
                (picks[1], owner.id),
                (reader.id, picks[2]),
                (picks[3], reader.id),
            },
            mutes={(owner.id, picks[4]), (reader.id, picks[5])},
            hidden={(GUILD, picks[6]), (OTHER_GUILD, picks[7])},
            suspended={picks[8]},
        )
        session.add_all(
            Block(blocker_id=a, blocked_id=b, created_at=WHEN) for a, b in seeded.blocks
        )
        session.add_all(Mute(muter_id=a, muted_id=b, created_at=WHEN) for a, b in seeded.mutes)
        session.add_all(
            ServerHiddenAccount(guild_id=g, account_id=a, hidden_by=1, created_at=WHEN)
            for g, a in seeded.hidden
        )
        for account in accounts:
            if account.id == picks[8]:
                account.suspended_until = NOW + timedelta(days=1)
            elif account.id == picks[9]:
                account.suspended_until = NOW - timedelta(days=1)  # over: shown again
        posts = [
            Post(
                # A Zipf-ish pick: some authors busy, most quiet, a few silent.
                author_id=rng.choice(accounts[: rng.randint(1, len(accounts))]).id,
                body="x",
                created_at=WHEN + timedelta(seconds=rng.randint(0, 120)),
                removed_at=NOW if rng.random() < 0.1 else None,
            )
            for _ in range(300)
        ]
        session.add_all(posts)
        await session.flush()
        on_timeline = {owner.id, *(a.id for a in followed)}
        seeded.posts = [
            ((p.created_at, p.id), p.author_id, p.removed_at is not None)
            for p in posts
            if p.author_id in on_timeline
        ]
        return seeded


AUDIENCES = {
    "owner": lambda s: Audience(now=NOW, account_id=s.owner),
    "owner-in-a-server": lambda s: Audience(now=NOW, account_id=s.owner, guild_id=GUILD),
    "another-reader-in-a-server": lambda s: Audience(now=NOW, account_id=s.reader, guild_id=GUILD),
    "logged-out": lambda s: Audience(now=NOW, guild_id=OTHER_GUILD),
    "mutes-off": lambda s: Audience(now=NOW, account_id=s.owner, hide_muted=False),
}


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
@pytest.mark.parametrize("who", list(AUDIENCES))
async def test_both_strategies_match_a_plain_sort_of_what_may_be_seen(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    who: str,
    merge_max: int,
    window: int,
) -> None:
    monkeypatch.setattr(timeline, "MERGE_MAX_AUTHORS", merge_max)
    monkeypatch.setattr(timeline, "WINDOW_POSTS", window)
    seeded = await _seed(database, seed)
    audience = AUDIENCES[who](seeded)
    keys = seeded.visible(audience)
    assert len(keys) < len(seeded.posts) or not seeded.posts  # something is left out
    every = sorted(key for key, _, _ in seeded.posts)  # cursors may sit on hidden posts too
    cursors: list[Key | None] = [None, *random.Random(seed).sample(every, min(8, len(every)))]
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
                    seeded.owner,
                    seeded.following,
                    audience=audience,
                    limit=LIMIT,
                    before=None if newer else position,
                    after=position if newer else None,
                )
                got = [(row.created_at, row.id) for row in rows]
                assert got == _expected(keys, cursor, newer), (cursor, newer)
                assert all(row.username == seeded.names[row.author_id] for row in rows)


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
                owner_id,
                1,
                audience=Audience(now=NOW, account_id=owner_id),
                limit=LIMIT,
                before=cursor,
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
                1,
                following,
                audience=Audience(now=NOW, account_id=2, guild_id=GUILD),
                limit=LIMIT,
                before=Position(WHEN, 10),
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
