"""Seeding straight into the database, fast: accounts, chat sessions and posts.

Posts look like a real history: timestamps spread over two years with ids rising with time
inside each batch, authors drawn from a Zipf-like distribution (a few prolific, a long tail),
bodies of 3 to 45 words. SQLite gets ``executemany`` in big transactions (stdlib sqlite3, in
a thread so the double keeps serving the bot's heartbeats); PostgreSQL gets binary COPY.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.databases import asyncpg_dsn, sqlite_path
from bot.domain.rules import clean_username, username_skeletons

HISTORY = timedelta(days=730)
NEWEST_AGE = timedelta(minutes=1)  # seeded posts end a minute ago; the benchmark's are newer
CHUNK = 100_000  # rows per transaction / COPY
ZIPF_EXPONENT = 1.1
WORDS = (  # noqa: SIM905 (a word list reads better as prose)
    "the a of and to in is it that was for on are with as at be this have from or one had by "
    "but not what all were we when your can said there use an each which she do how their if "
    "will up other about out many then them these so some her would make like him into time "
    "has look two more write go see number no way could people my than first water been call "
    "who oil its now find long down day did get come made may part coffee release deploy bug "
    "fixed shipped today tomorrow weekend train late again finally new build test green red "
    "cat dog garden rain sun cloud music playlist concert book reading chapter recipe bread "
    "soup tea morning night code review merge branch server database index query cache"
).split()


@dataclass(frozen=True)
class SeedTiming:
    rows: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
            "rows_per_second": round(self.rows / self.seconds) if self.seconds else None,
        }


class Seeder:
    """Writes into one benchmark database; remembers how many posts it holds."""

    def __init__(self, backend: str, url: str, seed: int = 6) -> None:
        self.backend = backend
        self.url = url
        self.rng = random.Random(seed)  # noqa: S311 (repeatable data, not secrets)
        self.posts = 0
        self.now = datetime.now(UTC)
        self.bodies = [self._body() for _ in range(4096)]

    def _body(self) -> str:
        words = self.rng.choices(WORDS, k=self.rng.randint(3, 45))
        return " ".join(words).capitalize()[:500]

    # -- accounts and sessions -------------------------------------------------------------
    async def add_accounts(self, names: Sequence[str], password_hash: str) -> dict[str, int]:
        """Accounts sharing one real bcrypt hash (hashing each would take minutes); name -> id."""
        rows = []
        for name in names:
            display, key = clean_username(name)
            folded, shown = username_skeletons(display)
            joined = self.now - HISTORY - timedelta(days=self.rng.uniform(1, 365))
            rows.append((display, key, folded, shown, password_hash, self._stamp(joined)))
        columns = (
            "username", "username_key", "username_skeleton", "shown_skeleton", "password_hash",
            "created_at",
        )  # fmt: skip
        await self._insert("account", columns, rows)
        found = await self._select("SELECT username, id FROM account")
        return {str(name): int(account_id) for name, account_id in found}

    async def add_sessions(self, sessions: Sequence[tuple[int, int]]) -> None:
        """Log Discord user ids into accounts: ``(discord_user_id, account_id)`` pairs."""
        stamp = self._stamp(self.now)
        rows = [("discord", str(user_id), account, stamp, stamp) for user_id, account in sessions]
        columns = ("platform", "chat_user_id", "account_id", "created_at", "last_seen_at")
        await self._insert("chat_session", columns, rows)

    async def add_follows(self, follows: Sequence[tuple[int, int]]) -> None:
        """``(follower_id, followed_id)`` pairs, all followed now."""
        stamp = self._stamp(self.now)
        rows = [(follower, followed, stamp) for follower, followed in follows]
        await self._insert("follow", ("follower_id", "followed_id", "created_at"), rows)

    async def recount(self) -> None:
        """Set every account's counters from its rows, as the bot keeps them while it runs."""
        await self._execute(
            "UPDATE account SET "
            "post_count = (SELECT COUNT(*) FROM post WHERE post.author_id = account.id), "
            "follower_count = (SELECT COUNT(*) FROM follow WHERE followed_id = account.id), "
            "following_count = (SELECT COUNT(*) FROM follow WHERE follower_id = account.id)"
        )

    # -- for sections that seed tables of their own (bench/conversations.py) ------------
    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]] | list[Any]
    ) -> None:
        await self._insert(table, columns, rows)

    async def select_rows(self, query: str) -> list[tuple[Any, ...]]:
        return await self._select(query)

    async def execute(self, statement: str) -> None:
        await self._execute(statement)

    def stamp(self, moment: datetime) -> Any:
        """A datetime as this backend's column takes it."""
        return self._stamp(moment)

    # -- posts ---------------------------------------------------------------------------
    async def grow_posts(
        self, total: int, author_ids: Sequence[int], weights: Sequence[float]
    ) -> SeedTiming:
        """Add posts until the table holds ``total`` seeded posts; times the inserts."""
        count = total - self.posts
        if count <= 0:
            return SeedTiming(0, 0.0)
        cumulative = _cumulative(weights)
        started = time.perf_counter()
        rows = self._post_rows(count, list(author_ids), cumulative)
        await self._insert("post", ("author_id", "body", "created_at"), rows)
        await self.recount()
        await self._maintain()
        self.posts = total
        return SeedTiming(count, time.perf_counter() - started)

    def _post_rows(
        self, count: int, author_ids: list[int], cumulative: list[float]
    ) -> Iterator[tuple[Any, ...]]:
        span = (HISTORY - NEWEST_AGE).total_seconds()
        oldest = self.now - HISTORY
        offsets = sorted(self.rng.random() * span for _ in range(count))
        authors = self.rng.choices(author_ids, cum_weights=cumulative, k=count)
        bodies, size = self.bodies, len(self.bodies)
        for index, offset in enumerate(offsets):
            stamp = self._stamp(oldest + timedelta(seconds=offset))
            yield (authors[index], bodies[(index * 7919) % size], stamp)

    def _stamp(self, moment: datetime) -> Any:
        # SQLite: naive UTC text in SQLAlchemy's own format (keyset paging compares it as text).
        if self.backend == "sqlite":
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment

    # -- the two backends ----------------------------------------------------------------
    async def _insert(
        self, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]] | list[Any]
    ) -> None:
        chunks = _chunks(iter(rows), CHUNK)
        if self.backend == "sqlite":
            await asyncio.to_thread(self._sqlite_insert, table, columns, chunks)
            return
        connection = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            while chunk := await asyncio.to_thread(next, chunks, None):
                await connection.copy_records_to_table(table, records=chunk, columns=columns)
        finally:
            await connection.close()

    def _sqlite_insert(
        self, table: str, columns: Sequence[str], chunks: Iterator[list[tuple[Any, ...]]]
    ) -> None:
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        connection = sqlite3.connect(sqlite_path(self.url), isolation_level=None)
        try:
            for chunk in chunks:
                connection.execute("BEGIN")
                connection.executemany(statement, chunk)
                connection.execute("COMMIT")
        finally:
            connection.close()

    async def _execute(self, statement: str) -> None:
        if self.backend == "sqlite":
            await asyncio.to_thread(self._sqlite_execute, statement)
            return
        connection = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    def _sqlite_execute(self, statement: str) -> None:
        connection = sqlite3.connect(sqlite_path(self.url), isolation_level=None)
        try:
            connection.execute(statement)
        finally:
            connection.close()

    async def _select(self, query: str) -> list[tuple[Any, ...]]:
        if self.backend == "sqlite":
            return await asyncio.to_thread(self._sqlite_select, query)
        connection = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            return [tuple(row) for row in await connection.fetch(query)]
        finally:
            await connection.close()

    def _sqlite_select(self, query: str) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(sqlite_path(self.url))
        try:
            return connection.execute(query).fetchall()
        finally:
            connection.close()

    async def _maintain(self) -> None:
        """What a live database does by itself after a big load, so the bot meets a calm one.

        PostgreSQL: autovacuum would soon analyze and vacuum the table. SQLite: the WAL is
        checkpointed (the bot's next connection would otherwise read through a huge WAL).
        """
        if self.backend == "sqlite":
            await asyncio.to_thread(self._sqlite_checkpoint)
            return
        connection = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            await connection.execute("VACUUM ANALYZE")
        finally:
            await connection.close()

    def _sqlite_checkpoint(self) -> None:
        connection = sqlite3.connect(sqlite_path(self.url), isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()


def zipf_weights(count: int) -> list[float]:
    """Weight of the author at each rank: a few write most posts, as on any real site."""
    return [1 / (rank**ZIPF_EXPONENT) for rank in range(1, count + 1)]


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def _chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    while True:
        chunk = [row for _, row in zip(range(size), rows, strict=False)]
        if not chunk:
            return
        yield chunk
