"""The migrated schema is exactly the models' schema, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.db.engine import Database
from bot.db.migrate import current_revision, head_revision, upgrade
from bot.db.models import Base
from bot.db.search_index import include_object


async def test_autogenerate_finds_no_difference(database: Database) -> None:
    def diff(connection: Connection) -> list[object]:
        # The same options as bot/db/migrations/env.py gives autogenerate.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_database_is_at_head_and_upgrade_is_idempotent(database: Database) -> None:
    assert await current_revision(database) == head_revision()
    await upgrade(database)  # the bot runs this on every start
    assert await current_revision(database) == head_revision()
