"""The home timeline's two query shapes give exactly the page a plain sort would, both ways,
of exactly the posts the visibility rule lets the reader see there."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update

from bot.db.engine import Database
from bot.db.models import Account, Block, Follow, Mute, Post, Repost, ServerHiddenAccount
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
            # Blocks either way of the reader and of the owner (their reposts bring others in).
            blockers = {audience.account_id, self.owner} - {None}
            return not (
                author in self.suspended
                or any((a, author) in self.blocks or (author, a) in self.blocks for a in blockers)
                or (audience.hide_muted and (self.owner, author) in self.mutes)
                or (audience.guild_id, author) in self.hidden
            )

        return [key for key, author, removed in self.posts if not removed and shown(author)]


async def _seed(database: Database, seed: int, *, hiding: bool = True) -> Seeded:
    """25 authors with posts (timestamps often tied), an owner following some of them, and
    every kind of thing that hides a post: some removed by a moderator; authors blocked
    either way (by the owner and by the reader; follows are left in place here, as an old
    database may have them), muted (by each), hidden in a server, suspended (now, or no
    longer). ``hiding=False``: none of those, only the accounts, follows and posts."""
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
        seeded = Seeded(
            owner=owner.id,
            following=len(followed),
            reader=reader.id,
            posts=[],
            names={a.id: a.username for a in accounts},
        )
        if hiding:
            picks = [a.id for a in rng.sample(others, 10)]
            seeded.blocks = {
                (owner.id, picks[0]),
                (picks[1], owner.id),
                (reader.id, picks[2]),
                (picks[3], reader.id),
            }
            seeded.mutes = {(owner.id, picks[4]), (reader.id, picks[5])}
            seeded.hidden = {(GUILD, picks[6]), (OTHER_GUILD, picks[7])}
            seeded.suspended = {picks[8]}
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
                removed_at=NOW if hiding and rng.random() < 0.1 else None,
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


# -- reposts ---------------------------------------------------------------------------------
async def _seed_reposts(database: Database, seed: int) -> tuple[int, int, dict[Key, str | None]]:
    """As ``_seed``, and 150 reposts (some of the same post by several accounts, some by
    accounts the owner does not follow, timestamps often tied), counters set as the
    services keep them. Returns (owner id, how many it follows, the expected timeline as
    {(moment, post id): username of the reposter, or None})."""
    seeded = await _seed(database, seed, hiding=False)
    owner, following, names = seeded.owner, seeded.following, seeded.names
    rng = random.Random(seed * 7)
    async with database.write() as session:
        followed = set(
            await session.scalars(select(Follow.followed_id).where(Follow.follower_id == owner))
        )
        every_post = list((await session.execute(select(Post.id, Post.created_at))).all())
        made: dict[tuple[int, int], datetime] = {}
        for _ in range(150):
            post_id, created_at = rng.choice(every_post[: rng.randint(1, len(every_post))])
            account = rng.randint(1, 26)
            made[(account, post_id)] = created_at + timedelta(seconds=rng.randint(0, 60))
        session.add_all(
            Repost(account_id=a, post_id=p, created_at=at) for (a, p), at in made.items()
        )
        counts: dict[int, int] = {}
        for _, post_id in made:
            counts[post_id] = counts.get(post_id, 0) + 1
        for post_id, count in counts.items():
            await session.execute(update(Post).where(Post.id == post_id).values(repost_count=count))
    authors = {owner, *followed}
    newest: dict[int, tuple[datetime, int, int | None]] = {}  # post -> (at, tie, reposter)
    for (created_at, post_id), _author, _removed in seeded.posts:
        newest[post_id] = (created_at, -1, None)
    for (account, post_id), at in made.items():
        if account in authors:
            best = newest.get(post_id)
            if best is None or best[2] is None or (at, account) > best[:2]:
                newest[post_id] = (at, account, account)
    return (
        owner,
        following,
        {(at, post_id): names[via] if via else None for post_id, (at, _, via) in newest.items()},
    )


@pytest.mark.parametrize(
    ("merge_max", "window"),
    [(10**9, 0), (0, 10**6), (0, 4)],
    ids=["merge", "window", "window-then-merge"],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_reposts_show_once_at_their_newest_moment(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    merge_max: int,
    window: int,
) -> None:
    monkeypatch.setattr(timeline, "MERGE_MAX_AUTHORS", merge_max)
    monkeypatch.setattr(timeline, "WINDOW_POSTS", window)
    owner, following, expected = await _seed_reposts(database, seed)
    assert any(expected.values()) and None in expected.values()  # both kinds are there
    keys = list(expected)
    cursors: list[Key | None] = [None, *random.Random(seed).sample(sorted(keys), 8)]
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
                    audience=Audience(now=NOW, account_id=owner),
                    limit=LIMIT,
                    before=None if newer else position,
                    after=position if newer else None,
                )
                got = [(row.at, row.id) for row in rows]
                assert got == _expected(keys, cursor, newer), (cursor, newer)
                assert [row.reposted_by for row in rows] == [expected[key] for key in got]
        # Paging down from the top meets every post once.
        seen: list[Key] = []
        position = None
        audience = Audience(now=NOW, account_id=owner)
        while rows := await repository.home_page(
            owner, following, audience=audience, limit=LIMIT, before=position
        ):
            seen += [(row.at, row.id) for row in rows]
            position = Position(*seen[-1])
        assert seen == sorted(keys, reverse=True)
        assert len({post_id for _, post_id in seen}) == len(seen)


@pytest.mark.parametrize(("merge_max", "window"), [(10**9, 0), (0, 10**6)], ids=["merge", "window"])
async def test_reposts_of_what_the_audience_may_not_see_are_left_out(
    database: Database, monkeypatch: pytest.MonkeyPatch, merge_max: int, window: int
) -> None:
    """A repost is left out when its post may not be seen (removed, its author muted by the
    owner, blocked either way by the owner or the reader, hidden in the server, suspended)
    or when its reposter may not be (then the post shows at its own time, if at all)."""
    monkeypatch.setattr(timeline, "MERGE_MAX_AUTHORS", merge_max)
    monkeypatch.setattr(timeline, "WINDOW_POSTS", window)
    names = ("owner", "reader", "friend", "gone", "stranger", "muted", "blocked", "avoided")
    async with database.write() as session:
        people = {name: _account(name) for name in (*names, "hidden", "suspended")}
        session.add_all(people.values())
        await session.flush()
        ids = {name: account.id for name, account in people.items()}
        for followed in ("friend", "gone"):
            session.add(
                Follow(follower_id=ids["owner"], followed_id=ids[followed], created_at=WHEN)
            )
        people["gone"].suspended_until = NOW + timedelta(days=1)  # a followed reposter
        people["suspended"].suspended_until = NOW + timedelta(days=1)
        session.add(Mute(muter_id=ids["owner"], muted_id=ids["muted"], created_at=WHEN))
        session.add(Block(blocker_id=ids["blocked"], blocked_id=ids["owner"], created_at=WHEN))
        session.add(Block(blocker_id=ids["reader"], blocked_id=ids["avoided"], created_at=WHEN))
        session.add(
            ServerHiddenAccount(
                guild_id=GUILD, account_id=ids["hidden"], hidden_by=1, created_at=WHEN
            )
        )
        posts = {
            body: Post(author_id=ids[author], body=body, created_at=WHEN, repost_count=1)
            for body, author in (
                ("fine", "stranger"),
                ("removed", "stranger"),
                ("by muted", "muted"),
                ("by blocked", "blocked"),
                ("by avoided", "avoided"),
                ("by hidden", "hidden"),
                ("by suspended", "suspended"),
                ("friend's, reposted by gone", "friend"),
                ("stranger's, reposted by gone", "stranger"),
            )
        }
        posts["removed"].removed_at = WHEN
        session.add_all(posts.values())
        await session.flush()
        later = WHEN + timedelta(minutes=1)
        session.add_all(
            Repost(
                account_id=ids["gone" if "gone" in body else "friend"],
                post_id=post.id,
                created_at=later,
            )
            for body, post in posts.items()
        )

    async def shown(audience: Audience) -> list[tuple[str, str | None]]:
        async with database.read() as session:
            rows = await TimelineRepository(session).home_page(
                ids["owner"], 2, audience=audience, limit=LIMIT
            )
        return sorted((row.body, row.reposted_by) for row in rows)

    friends = [("friend's, reposted by gone", None)]  # at its own time: gone is suspended
    assert await shown(Audience(now=NOW, account_id=ids["owner"])) == sorted(
        [("by avoided", "friend"), ("by hidden", "friend"), ("fine", "friend"), *friends]
    )
    assert await shown(Audience(now=NOW, account_id=ids["reader"], guild_id=GUILD)) == sorted(
        [("fine", "friend"), *friends]
    )
