"""Throwaway databases for a benchmark run: a SQLite file, or a PostgreSQL database we drop."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.migrate import upgrade_url

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _admin(server_url: str, statement: str) -> str | None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(statement))
            value = result.scalar() if result.returns_rows else None
            return None if value is None else str(value)
    finally:
        await engine.dispose()


async def postgres_version(server_url: str) -> str:
    return str(await _admin(server_url, "SHOW server_version"))


@asynccontextmanager
async def throwaway_database(backend: str, workdir: Path, server_url: str) -> AsyncIterator[str]:
    """A migrated, empty database for ``backend``; the PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        await upgrade_url(url)
        yield url  # the file goes with the work directory
        return
    server_url = server_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    name = f"microblog_bench_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        await upgrade_url(url)
        yield url
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def asyncpg_dsn(url: str) -> str:
    """The plain DSN asyncpg takes, from our SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> str:
    return str(make_url(url).database)
