"""The feed queries walk the composite indexes: no sort step, no OFFSET, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from bot.db.engine import Database
from bot.domain.values import Audience, Position
from bot.repositories.posts import PostRepository

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


async def _explain_page(
    database: Database, author_id: int | None, audience: Audience | None = None
) -> str:
    """EXPLAIN the exact statement and parameters the repository sends."""
    captured: list[tuple[str, Any]] = []
    audience = audience or Audience(now=WHEN)

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        captured.append((statement, parameters))

    async with database.read() as session:
        event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
        try:
            await PostRepository(session).page(
                limit=5, audience=audience, before=Position(WHEN, 10), author_id=author_id
            )
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
        statement, parameters = captured[-1]
        if "OFFSET" in statement.upper():
            assert list(parameters)[-1] == 0, "the SQLite dialect's OFFSET must stay 0"
        connection = await session.connection()
        if database.is_sqlite:
            rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(row[-1]) for row in rows)
        # Tiny test tables would make a sequential scan the cheapest plan; ask what the
        # planner does when the index is an option at all.
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        # Without statistics PostgreSQL guesses that IS NULL (removed_at: no post removed)
        # keeps 0.5 % of rows, and then prefers a bitmap scan and a sort; on a real table
        # (bench/safety.py, 1M posts) nearly every row matches and the ordered index wins.
        await connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        rows = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in rows)


@pytest.mark.parametrize(
    ("author_id", "index"),
    [(None, "ix_post_created_at_id"), (1, "ix_post_author_id_created_at_id")],
)
async def test_feed_page_uses_the_composite_index_without_sorting(
    database: Database, author_id: int | None, index: str
) -> None:
    plan = await _explain_page(database, author_id)
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan.upper(), plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize(
    ("author_id", "index"),
    [(None, "ix_post_created_at_id"), (1, "ix_post_author_id_created_at_id")],
)
async def test_a_reader_with_blocks_mutes_and_a_server_still_walks_the_index(
    database: Database, author_id: int | None, index: str
) -> None:
    """visible_to adds one small exclusion set; the page still reads the index in order."""
    audience = Audience(now=WHEN, account_id=7, guild_id=42)
    plan = await _explain_page(database, author_id, audience)
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan.upper(), plan
    assert "Sort" not in plan, plan
