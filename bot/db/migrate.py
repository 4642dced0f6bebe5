"""Alembic, driven from inside the application: ``python -m bot db upgrade`` and bot start-up.

The async engine lends Alembic one of its connections (the Alembic cookbook's "connection
sharing" recipe), so migrations use the same URL, drivers and SQLite pragmas as the bot.

Alembic is imported only when there is something to migrate: with Mako and Pygments it
holds 11 MiB for the life of the process, and a bot restarting on an up-to-date database
(the usual start) only needs to read ``alembic_version`` to know that.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration; tests/db/test_migrations.py checks it against Alembic's own head.
HEAD_REVISION = "0004"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # lazy: see the module docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    if revision == "head" and await stored_revisions(database) == [HEAD_REVISION]:
        return  # up to date: no need to load Alembic

    def run(connection: Connection) -> None:
        from alembic import command  # lazy: see the module docstring

        command.upgrade(alembic_config(connection), revision)

    if not database.is_sqlite:
        async with database.engine.begin() as connection:
            await connection.run_sync(run)
        return
    async with database.engine.connect() as connection:
        await connection.run_sync(_without_foreign_keys, run)


def _without_foreign_keys(connection: Connection, run: Callable[[Connection], None]) -> None:
    """SQLite's documented way to change a table's definition (lang_altertable.html, "Making
    Other Kinds Of Table Schema Changes"), as Django runs its SQLite migrations: foreign keys
    off around the transaction, so Alembic's copy-and-rename of a table does not cascade
    (dropping the old table would delete or null every row that refers to it), then
    ``PRAGMA foreign_key_check`` before committing. The pragma is a no-op inside a
    transaction, hence the raw connection before BEGIN."""
    raw = connection.connection.dbapi_connection
    assert raw is not None
    _pragma(raw, "PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            run(connection)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        _pragma(raw, "PRAGMA foreign_keys=ON")


def _pragma(raw: Any, statement: str) -> None:
    cursor = raw.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


async def upgrade_url(url: str) -> str | None:
    """Migrate the database at ``url`` with an engine of its own; returns the revision."""
    database = Database(url)
    try:
        await upgrade(database)
        return await current_revision(database)
    finally:
        await database.dispose()


async def stored_revisions(database: Database) -> list[str]:
    """The revisions ``alembic_version`` holds, without Alembic; [] for a new database."""
    async with database.engine.connect() as connection:
        try:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:  # no such table yet
            return []
        return [str(row[0]) for row in rows]


async def current_revision(database: Database) -> str | None:
    def read(connection: Connection) -> str | None:
        from alembic.runtime.migration import MigrationContext  # lazy, as above

        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory  # lazy: see the module docstring

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def autogenerate(database: Database, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""

    def run(connection: Connection) -> None:
        from alembic import command  # lazy: see the module docstring

        command.revision(alembic_config(connection), message=message, autogenerate=True)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
