"""``Database.run_read``: one hop per read, read-only, and a dropped connection survived."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Database
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.posts import PostService
from tests.conftest import STRONG_PASSWORD


async def test_a_read_sees_what_was_committed_and_gives_back_models(
    database: Database, auth: AuthService, posts: PostService
) -> None:
    alice = ChatUser("discord", "1")
    await auth.register(alice, "alice", STRONG_PASSWORD)
    await posts.create_post(alice, "hello")
    page = await posts.feed(reader=alice)
    assert [(p.author, p.body) for p in page.posts] == [("alice", "hello")]
    assert page.viewer_id is not None  # the reader's session was read in the same hop


async def test_a_read_cannot_write(database: Database) -> None:
    async def write(session: AsyncSession) -> None:
        await session.execute(
            text("INSERT INTO rate_event (kind, subject, created_at) VALUES ('t', 's', '2026')")
        )

    with pytest.raises((OperationalError, DBAPIError)):
        await database.run_read(write)
    async with database.read() as session:
        assert (await session.execute(text("SELECT count(*) FROM rate_event"))).scalar() == 0


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_runs_the_whole_read_in_one_worker_call(database: Database) -> None:
    threads: list[str] = []

    async def read(session: AsyncSession) -> int:
        threads.append(threading.current_thread().name)
        first = (await session.execute(text("SELECT count(*) FROM account"))).scalar()
        threads.append(threading.current_thread().name)
        second = (await session.execute(text("SELECT count(*) FROM post"))).scalar()
        threads.append(threading.current_thread().name)
        return int(first) + int(second)

    assert await database.run_read(read) == 0
    assert threads[0].startswith("db-read") and len(set(threads)) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_refuses_a_read_that_waits_for_something_else(database: Database) -> None:
    async def read(session: AsyncSession) -> None:
        await asyncio.sleep(0)  # would need the event loop, which is on another thread

    with pytest.raises(RuntimeError, match="awaited something other than its session"):
        await database.run_read(read)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgres_sends_no_transaction_around_a_read(database: Database) -> None:
    async def read(session: AsyncSession) -> list[object]:
        # now() is when the transaction began: inside BEGIN ... COMMIT both statements
        # would share it; in autocommit each statement is a transaction of its own.
        statement = text("SELECT now(), pg_sleep(0.01)")
        return [(await session.execute(statement)).first()[0] for _ in range(2)]  # type: ignore[index]

    first, second = await database.run_read(read)
    assert first != second


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgres_read_survives_its_connection_being_dropped(database: Database) -> None:
    async def backend_pid(session: AsyncSession) -> int:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    first = await database.run_read(backend_pid)
    async with database.write() as session:  # another connection: the server drops the reader's
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    second = await database.run_read(backend_pid)
    assert second != first
    assert await database.run_read(backend_pid) == second  # and the new one is pooled
