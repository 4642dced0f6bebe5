"""The migrated schema is exactly the models' schema, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from bot.db.engine import Database
from bot.db.migrate import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    head_revision,
    stored_revisions,
    upgrade,
)
from bot.db.models import Base, UTCDateTime
from bot.db.search_index import include_object

STAMP = bindparam("t", type_=UTCDateTime())  # stored as the models store it


async def test_autogenerate_finds_no_difference(database: Database) -> None:
    def diff(connection: Connection) -> list[object]:
        # The same options as bot/db/migrations/env.py gives autogenerate.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_the_head_the_bot_checks_at_start_is_alembics(database: Database) -> None:
    # Start-up skips Alembic when alembic_version holds HEAD_REVISION: a new migration
    # must move it, or the bot would start on an old schema.
    assert head_revision() == HEAD_REVISION
    assert await stored_revisions(database) == [HEAD_REVISION]


async def test_a_database_behind_is_migrated_even_though_alembic_was_skipped_before(
    database: Database,
) -> None:
    await upgrade(database)  # up to date: nothing to do, nothing loaded
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0009"))
    assert await stored_revisions(database) == ["0009"]
    await upgrade(database)
    assert await stored_revisions(database) == [HEAD_REVISION]


async def test_database_is_at_head_and_upgrade_is_idempotent(database: Database) -> None:
    assert await current_revision(database) == head_revision()
    await upgrade(database)  # the bot runs this on every start
    assert await current_revision(database) == head_revision()


async def test_social_graph_migration_counts_existing_posts(database: Database) -> None:
    """0003 adds the counters to a database that already has accounts and posts."""

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0002")

    async with database.engine.begin() as connection:
        await connection.run_sync(downgrade)
        await connection.execute(
            text(
                "INSERT INTO account (id, username, username_key, password_hash, created_at) "
                "VALUES (1, 'old', 'old', 'x', :t), (2, 'quiet', 'quiet', 'x', :t)"
            ).bindparams(STAMP),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        await connection.execute(
            text(
                "INSERT INTO post (author_id, body, created_at) VALUES (1, 'a', :t), (1, 'b', :t)"
            ),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    await upgrade(database)
    async with database.read() as session:
        counts = (
            await session.execute(
                text(
                    "SELECT username, post_count, follower_count, following_count "
                    "FROM account ORDER BY id"
                )
            )
        ).all()
    assert [tuple(row) for row in counts] == [("old", 2, 0, 0), ("quiet", 0, 0, 0)]
    assert await current_revision(database) == head_revision()


async def test_blocks_end_follows_migration_makes_stored_data_right(database: Database) -> None:
    """0009: follows across a block go, and every follow counter is recounted from its rows
    (a deletion used to leave the others' counters behind)."""

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0008")

    async with database.engine.begin() as connection:
        await connection.run_sync(downgrade)
        await connection.execute(
            text(
                "INSERT INTO account (id, username, username_key, username_skeleton, "
                "shown_skeleton, password_hash, created_at, follower_count, following_count) "
                "VALUES (1, 'ann', 'ann', 'ann', 'ann', 'x', :t, 0, 2), "
                "(2, 'ben', 'ben', 'ben', 'ben', 'x', :t, 2, 1), "
                "(3, 'cat', 'cat', 'cat', 'cat', 'x', :t, 5, 7)"  # a deleted account's leftovers
            ).bindparams(STAMP),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        await connection.execute(
            text(
                "INSERT INTO follow (follower_id, followed_id, created_at) "
                "VALUES (1, 2, :t), (2, 1, :t), (1, 3, :t), (3, 2, :t)"
            ).bindparams(STAMP),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        await connection.execute(
            text(
                "INSERT INTO block (blocker_id, blocked_id, created_at) VALUES (2, 1, :t)"
            ).bindparams(STAMP),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    await upgrade(database)
    async with database.read() as session:
        follows = (
            await session.execute(text("SELECT follower_id, followed_id FROM follow ORDER BY 1, 2"))
        ).all()
        counts = (
            await session.execute(
                text("SELECT username, follower_count, following_count FROM account ORDER BY id")
            )
        ).all()
    assert [tuple(row) for row in follows] == [(1, 3), (3, 2)]
    assert [tuple(row) for row in counts] == [("ann", 0, 1), ("ben", 1, 0), ("cat", 1, 1)]
    assert await current_revision(database) == head_revision()
