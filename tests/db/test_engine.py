"""SQLite under concurrency: BEGIN IMMEDIATE makes writers queue instead of failing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.db.engine import Database
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.posts import PostService
from tests import databases
from tests.conftest import STRONG_PASSWORD


async def test_sqlite_pragmas(tmp_path: Path, sqlite_template: Path) -> None:
    database = Database(databases.copy_sqlite(sqlite_template, tmp_path))
    try:
        async with database.read() as session:
            pragmas = [
                (await session.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            ]
        assert pragmas == ["wal", 1, 1, 30000]  # synchronous=1 is NORMAL
    finally:
        await database.dispose()


async def _read_then_write(session: AsyncSession, n: int) -> None:
    """Read, yield to the others, then write: the pattern that deadlocks deferred BEGINs."""
    await session.execute(text("SELECT count(*) FROM rate_event"))
    await asyncio.sleep(0.01)
    await session.execute(
        text("INSERT INTO rate_event (kind, subject, created_at) VALUES ('t', :s, '2026')"),
        {"s": str(n)},
    )


async def test_plain_begin_recipe_fails_under_concurrency(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """Why the engine uses BEGIN IMMEDIATE: the deferred recipe gives "database is locked"."""
    engine = create_async_engine(
        databases.copy_sqlite(sqlite_template, tmp_path), connect_args={"timeout": 30}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        dbapi_connection.cursor().execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")

    factory = async_sessionmaker(engine)

    async def one(n: int) -> None:
        async with factory() as session, session.begin():
            await _read_then_write(session, n)

    try:
        results = await asyncio.gather(*(one(n) for n in range(10)), return_exceptions=True)
    finally:
        await engine.dispose()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors, "expected the deferred-BEGIN recipe to fail under concurrent writers"
    assert all(isinstance(e, OperationalError) and "locked" in str(e) for e in errors)


async def test_begin_immediate_writers_all_succeed(tmp_path: Path, sqlite_template: Path) -> None:
    database = Database(databases.copy_sqlite(sqlite_template, tmp_path))

    async def one(n: int) -> None:
        async with database.write() as session:
            await _read_then_write(session, n)

    try:
        await asyncio.gather(*(one(n) for n in range(10)))
        async with database.read() as session:
            assert (await session.execute(text("SELECT count(*) FROM rate_event"))).scalar() == 10
    finally:
        await database.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_fifty_concurrent_registrations_and_posts_on_sqlite(
    auth: AuthService, posts: PostService
) -> None:
    chats = [ChatUser("discord", str(5000 + n)) for n in range(50)]
    await asyncio.gather(
        *(auth.register(chat, f"user{n}", STRONG_PASSWORD) for n, chat in enumerate(chats))
    )
    created = await asyncio.gather(
        *(posts.create_post(chat, f"hello from {n}") for n, chat in enumerate(chats))
    )
    assert len({p.id for p in created}) == 50
    seen: list[str] = []
    page = await posts.feed()
    while True:
        seen += [p.body for p in page.posts]
        if page.older is None:
            break
        page = await posts.feed(page.older)
    assert sorted(seen) == sorted(f"hello from {n}" for n in range(50))
