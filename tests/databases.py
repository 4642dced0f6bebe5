"""Throwaway databases for tests: SQLite files and a per-run PostgreSQL database.

Each pytest run migrates one template per backend; every test then gets a fresh copy
(SQLite) or freshly truncated tables (PostgreSQL, in a database private to this run, so
two runs on one server never see each other's rows).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import Database
from bot.db.migrate import upgrade_url
from bot.db.models import Base

T = TypeVar("T")
DEFAULT_TEST_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even if an event loop is running here.

    Session-wide setup is reached lazily from inside async fixtures; a thread with its own
    loop keeps it independent of whichever loop the test uses.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def postgres_server_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


def postgres_required() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def make_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    run_blocking(upgrade_url(f"sqlite+aiosqlite:///{path}"))
    return path


def copy_sqlite(template: Path, directory: Path) -> str:
    path = directory / "microblog.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def _admin(server_url: str, *statements: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def create_postgres_database(server_url: str, *, migrate: bool = True) -> str:
    """Create (and migrate) a database private to this test run; returns its URL."""
    name = f"microblog_test_{uuid.uuid4().hex[:12]}"
    run_blocking(_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    if migrate:
        run_blocking(upgrade_url(url))
    return url


def drop_postgres_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    run_blocking(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def truncate_all(database: Database) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with database.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def require_postgres() -> str:
    """The server URL; skips the test when PostgreSQL is unreachable, fails under CI=true."""
    server = postgres_server_url()
    reason = run_blocking(postgres_reachable(server))
    if reason is not None:
        if postgres_required():
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)
    return server


async def postgres_reachable(server_url: str) -> str | None:
    """None if reachable, else the reason."""
    try:
        await asyncio.wait_for(_admin(server_url, "SELECT 1"), timeout=5)
    except Exception as exc:  # any failure to connect is a reason to skip (or fail in CI)
        return f"PostgreSQL at {make_url(server_url).render_as_string()} unreachable: {exc!r}"
    return None
