"""One engine per process, and the kinds of unit of work the services use: ``read()`` and
``write()`` (below), and ``run_read(fn)``, a read in one hop (reads.py).

SQLite: WAL (readers never wait for the writer), synchronous=NORMAL, foreign keys, a busy
timeout, and write transactions that begin with BEGIN IMMEDIATE. With a plain BEGIN two
transactions can both read and then both try to upgrade to the write lock; SQLite cannot
wait its way out of that deadlock and fails one with "database is locked" at once, busy
timeout or not. Taking the write lock up front makes concurrent writers queue instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.db.reads import PostgresReader, ReadFn, SqliteReader, T

SQLITE_BUSY_TIMEOUT_SECONDS = 30
_BEGIN_OPTION = "microblog_sqlite_begin"


class Database:
    """Owns the engines; ``read()``, ``write()`` and ``run_read(fn)`` each open one unit of
    work. ``run_read`` is the cheap one for reads on the hot path (bot/db/reads.py)."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine: AsyncEngine = _create_engine(url, echo=echo)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer = self.engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write = async_sessionmaker(writer, expire_on_commit=False)
        self._reader: SqliteReader | PostgresReader | None = None
        self._echo = echo

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session, session.begin():
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """Commits when the block ends, rolls back if it raises."""
        async with self._write() as session, session.begin():
            yield session

    async def run_read(self, fn: ReadFn[T]) -> T:
        """``await fn(session)`` as one read-only unit of work, in one hop: see reads.py.

        ``fn`` only reads (on SQLite a write fails: the connection is query_only) and may
        run twice on PostgreSQL (once more after a dropped connection).
        """
        if self._reader is None:
            self._reader = self._new_reader()
            if self._reader is None:  # an in-memory SQLite database: one connection only
                async with self.read() as session:
                    return await fn(session)
        return await self._reader.run(fn)

    def _new_reader(self) -> SqliteReader | PostgresReader | None:
        if not self.is_sqlite:
            return PostgresReader(self.url, echo=self._echo)
        if make_url(self.url).database in (None, "", ":memory:"):
            return None
        return SqliteReader(self.url, SQLITE_BUSY_TIMEOUT_SECONDS)

    async def dispose(self) -> None:
        reader, self._reader = self._reader, None
        if isinstance(reader, SqliteReader):
            await asyncio.to_thread(reader.close)
        elif reader is not None:
            await reader.close()
        await self.engine.dispose()


def _create_engine(url: str, *, echo: bool) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, echo=echo, pool_pre_ping=True)
    engine = create_async_engine(
        url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
    )
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below (the documented
        # recipe); otherwise the sqlite3 module issues its own deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get(_BEGIN_OPTION, "BEGIN"))

    return engine
