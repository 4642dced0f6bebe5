"""Seeding straight into the database, fast: accounts, chat sessions and posts.

Posts look like a real history: timestamps spread over two years with ids rising with time
inside each batch, authors drawn from a Zipf-like distribution (a few prolific, a long tail),
bodies of 3 to 45 words with the word frequencies of real text and some #tags
(``bench/corpus.py``), indexed for search as the bot indexes them. SQLite gets
``executemany`` in big transactions (stdlib sqlite3, in a thread so the double keeps serving
the bot's heartbeats); its FTS5 triggers index each row. PostgreSQL gets binary COPY, with
the search column's GIN index dropped during the load and built once afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.corpus import COMMON, Corpus
from bench.databases import asyncpg_dsn, sqlite_path
from bot.db.search_index import SEARCH_VECTOR, SEARCH_VECTOR_INDEX
from bot.domain.rules import clean_username, username_skeletons
from bot.domain.search_query import indexed_text

HISTORY = timedelta(days=730)
NEWEST_AGE = timedelta(minutes=1)  # seeded posts end a minute ago; the benchmark's are newer
CHUNK = 100_000  # rows per transaction / COPY
ZIPF_EXPONENT = 1.1
INDEX_BUILD_MEMORY = "512MB"  # PostgreSQL's maintenance_work_mem while it builds the GIN index


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
        self.corpus = Corpus()
        # Bodies for sections that add posts of their own (replies, a reader's posts): common
        # words only, so the corpus's counts of rare words, which /search's queries come
        # from, stay true.
        self.bodies = [
            " ".join(self.rng.choices(COMMON, k=self.rng.randint(3, 45))).capitalize()
            for _ in range(4096)
        ]

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
        # Explicit ids (the next free ones) so that the tag rows can name their posts.
        first_id = int((await self._select("SELECT coalesce(max(id), 0) FROM post"))[0][0]) + 1
        tags: list[tuple[Any, ...]] = []
        rows = self._post_rows(count, first_id, list(author_ids), cumulative, tags)
        columns = ("id", "author_id", "body", "search_text", "created_at")
        async with self._search_index_paused():
            await self._insert("post", columns, rows)
            await self._insert("post_tag", ("tag", "post_id", "created_at"), tags)
        await self.recount()
        await self._maintain()
        self.posts = total
        return SeedTiming(count, time.perf_counter() - started)

    def _post_rows(
        self,
        count: int,
        first_id: int,
        author_ids: list[int],
        cumulative: list[float],
        tags: list[tuple[Any, ...]],
    ) -> Iterator[tuple[Any, ...]]:
        """Post rows; fills ``tags`` with their tag rows on the way."""
        span = (HISTORY - NEWEST_AGE).total_seconds()
        oldest = self.now - HISTORY
        offsets = sorted(self.rng.random() * span for _ in range(count))
        authors = self.rng.choices(author_ids, cum_weights=cumulative, k=count)
        bodies = self.corpus.bodies(count)
        for index, offset in enumerate(offsets):
            stamp = self._stamp(oldest + timedelta(seconds=offset))
            body, keys = next(bodies)
            post_id = first_id + index
            tags.extend((key, post_id, stamp) for key in keys)
            yield (post_id, authors[index], body, indexed_text(body), stamp)

    @contextlib.asynccontextmanager
    async def _search_index_paused(self) -> AsyncIterator[None]:
        """PostgreSQL: no GIN index during the load, one build after it (minutes faster).
        Also moves the id sequence past the explicit ids. SQLite: its triggers index as rows
        arrive, which costs about what a rebuild would."""
        if self.backend == "sqlite":
            yield
            return
        await self._execute(f"DROP INDEX IF EXISTS {SEARCH_VECTOR_INDEX}")
        try:
            yield
        finally:
            await self._execute_together(
                f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'",
                f"CREATE INDEX {SEARCH_VECTOR_INDEX} ON post USING gin ({SEARCH_VECTOR})",
                "SELECT setval(pg_get_serial_sequence('post', 'id'), max(id)) FROM post",
            )

    async def _execute_together(self, *statements: str) -> None:
        """PostgreSQL statements on one connection (a SET applies to what follows it)."""
        connection = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

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
