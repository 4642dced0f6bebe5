"""One read-only connection to a foreign database, and what its schema holds."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql import ClauseElement

from bot.domain.imports import SourceRefused


def sqlite_file_url(path: str) -> str:
    """A read-only URL for a SQLite file: an import never writes to its source."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise SourceRefused(f"{path}: no such file.")
    return f"sqlite+aiosqlite:///file:{file.resolve()}?mode=ro&uri=true"


def async_url(url: str) -> str:
    """The URL an app's config holds, pointed at the async drivers we ship."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SourceRefused(f"Not a database URL: {url!r}.") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database:
            raise SourceRefused("An in-memory SQLite database has nothing to import.")
        return sqlite_file_url(parsed.database)
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise SourceRefused(
        f"{backend} databases are not supported as a source: SQLite and PostgreSQL are. "
        "Copy the data into either first."
    )


class SourceDatabase:
    """The engine, and the tables and columns found in it (names, lower case).

    Batches from a SQLite file are read with the sqlite3 module in one worker thread:
    through the async driver and result rows, reading cost six times what SQLite itself
    spends (20 s of a million-post import); the statements are still SQLAlchemy's.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(url)
        self.description = make_url(url).render_as_string(hide_password=True)
        self._tables: dict[str, set[str]] | None = None
        self._file: sqlite3.Connection | None = None
        self._reader: ThreadPoolExecutor | None = None
        if self.engine.dialect.name == "sqlite":
            self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="source")

    async def tables(self) -> dict[str, set[str]]:
        if self._tables is None:

            def read(connection: Connection) -> dict[str, set[str]]:
                inspector = inspect(connection)
                return {
                    name: {column["name"] for column in inspector.get_columns(name)}
                    for name in inspector.get_table_names()
                }

            try:
                async with self.engine.connect() as connection:
                    self._tables = await connection.run_sync(read)
            except (SQLAlchemyError, OSError) as error:
                raise SourceRefused(f"Cannot read {self.description}: {error}") from None
        return self._tables

    async def require(self, what: str, needed: dict[str, tuple[str, ...]]) -> None:
        """Refuse with one message that names every missing table and column."""
        tables = await self.tables()
        missing: list[str] = []
        for table, columns in needed.items():
            if table not in tables:
                missing.append(f"table {table} ({', '.join(columns)})")
                continue
            missing.extend(f"{table}.{c}" for c in columns if c not in tables[table])
        if missing:
            raise SourceRefused(
                f"{self.description} is not a {what} database: missing {', '.join(missing)}."
            )

    async def has(self, table: str, column: str | None = None) -> bool:
        tables = await self.tables()
        return table in tables and (column is None or column in tables[table])

    async def rows(self, query: ClauseElement) -> list[Any]:
        if self._reader is None:
            async with self.engine.connect() as connection:
                return list((await connection.execute(query)).all())  # type: ignore[arg-type]
        compiled = query.compile(dialect=self.engine.dialect)
        params = [compiled.params[name] for name in compiled.positiontup or ()]
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader, self._fetch, str(compiled), params)

    def _fetch(self, statement: str, params: list[Any]) -> list[Any]:
        """In the reader thread, which alone uses the connection."""
        if self._file is None:
            # The same read-only file URI the engine opened ("file:/path", mode=ro).
            uri = f"{make_url(self.url).database}?mode=ro"
            self._file = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return self._file.execute(statement, params).fetchall()

    async def scalar(self, query: ClauseElement) -> Any:
        async with self.engine.connect() as connection:
            return await connection.scalar(query)  # type: ignore[call-overload]

    async def close(self) -> None:
        if self._reader is not None:
            if self._file is not None:
                await asyncio.get_running_loop().run_in_executor(self._reader, self._file.close)
            self._reader.shutdown(wait=True)
        await self.engine.dispose()
