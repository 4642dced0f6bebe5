"""Read-only units of work that cost one hop: ``Database.run_read(fn)``.

Why: on these machines waking a thread or waiting for a network round trip costs far more
than the queries themselves (bench/results/profile.md). Through aiosqlite, one page read
took about nine hops to the database thread and back (BEGIN, each execute, each fetch,
COMMIT); through asyncpg with pool pre-ping, six round trips. Both are paid on every /feed.

- SQLite: the whole read runs in one call on a small thread pool, over a plain sqlite3
  connection to the same file (WAL: readers never wait for the writer), opened with
  ``PRAGMA query_only`` so a read that tried to write would fail instead of writing.
- PostgreSQL: an autocommit connection from a pool without pre-ping, so each query is one
  round trip and nothing else is sent (READ COMMITTED gives each statement its own snapshot
  anyway), with ``default_transaction_read_only`` so a write fails there too. A connection
  the server dropped (restart, pg_terminate_backend) fails its first query; the read is
  then retried once on a fresh one, as pre-ping would have done.

The read itself is the same ``async def fn(session)`` either way, using the repositories,
which take an ``AsyncSession``. On SQLite they get ``ThreadSession``: the part of
``AsyncSession`` they use, over a sync ``Session``. Its awaitables never suspend, so the
coroutine runs to its end in a single step on the worker thread (``run_to_end``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
ReadFn = Callable[[AsyncSession], Awaitable[T]]
# Set once per PostgreSQL read connection, free per query. read_only: a read that tried to
# write fails. Custom plans: a generic plan cannot know how common a searched word or an
# author is, and picked full scans for /search; planning these short queries each time
# costs far less than one bad plan. No JIT: it only pays off for long analytic queries.
READ_CONNECTION_SETTINGS = {
    "default_transaction_read_only": "on",
    "plan_cache_mode": "force_custom_plan",
    "jit": "off",
}
READ_THREADS = 4  # SQLite releases the GIL while it steps; more threads than cores helps a little


class ThreadSession:
    """What the repositories use of ``AsyncSession``, over a sync ``Session``.

    Only for reads run whole on a worker thread: each method does its work before
    returning an already finished awaitable. No ``add``, ``flush`` or ``delete``: a read
    that reached for one is a bug, and fails loudly.
    """

    def __init__(self, session: Session) -> None:
        self.sync_session = session
        self.bind = session.get_bind()

    async def execute(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return self.sync_session.execute(statement, params, **_buffered(kw))

    async def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return self.sync_session.scalar(statement, params, **kw)

    async def scalars(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return self.sync_session.scalars(statement, params, **_buffered(kw))

    async def get(self, entity: Any, ident: Any, **kw: Any) -> Any:
        return self.sync_session.get(entity, ident, **kw)


def _buffered(kw: dict[str, Any]) -> dict[str, Any]:
    """Rows fetched at once, as AsyncSession does: a result outlives nothing it needs."""
    options = {**kw.get("execution_options", {}), "prebuffer_rows": True}
    return {**kw, "execution_options": options}


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends (one ``send`` runs it to its end)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    coroutine.close()
    raise RuntimeError("a one-hop read awaited something other than its session")


class SqliteReader:
    """Reads in one executor call each, over sqlite3 connections of their own."""

    def __init__(self, url: str, busy_timeout_seconds: float) -> None:
        sync_url = make_url(url).set(drivername="sqlite+pysqlite")
        self.engine: Engine = create_engine(
            sync_url,
            pool_size=READ_THREADS,
            connect_args={"timeout": busy_timeout_seconds, "check_same_thread": False},
        )
        event.listen(self.engine, "connect", _read_only_connection)
        event.listen(self.engine, "begin", _deferred_begin)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.executor = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="db-read")

    async def run(self, fn: ReadFn[T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._run, fn)

    def _run(self, fn: ReadFn[T]) -> T:
        with self.sessions() as session, session.begin():
            reader = cast(AsyncSession, ThreadSession(session))  # the subset repositories use
            return run_to_end(cast(Coroutine[Any, Any, T], fn(reader)))

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.engine.dispose()


def _read_only_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions from the "begin" event below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _deferred_begin(connection: Any) -> None:
    # A deferred BEGIN: the reads share one snapshot, and no lock is taken beyond WAL's.
    connection.exec_driver_sql("BEGIN")


class PostgresReader:
    """Reads on autocommit connections without pre-ping; retried once after a disconnect."""

    def __init__(self, url: str, *, echo: bool) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url,
            echo=echo,
            isolation_level="AUTOCOMMIT",
            connect_args={"server_settings": READ_CONNECTION_SETTINGS},
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    async def run(self, fn: ReadFn[T]) -> T:
        try:
            return await self._run(fn)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        # The pool dropped its stale connections with that one: this read gets a new one.
        return await self._run(fn)

    async def _run(self, fn: ReadFn[T]) -> T:
        async with self.sessions() as session:
            return await fn(session)

    async def close(self) -> None:
        await self.engine.dispose()
