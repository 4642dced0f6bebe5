"""The full-text index objects the models do not declare, and the search language.

Each database keeps its own index from ``post.search_text`` in the same transaction as the
write (migration 0004 creates them):

- SQLite: the FTS5 table ``post_fts`` (external content: it stores the index, and reads the
  text from ``post``), kept in sync by three triggers on ``post``. Triggers also fire for
  rows deleted by a foreign-key cascade. A future migration that makes Alembic *recreate*
  ``post`` (batch mode on SQLite) drops the triggers with the table and must create them
  again (``SQLITE_TRIGGERS`` below).
- PostgreSQL: the generated column ``post.search_vector`` (``to_tsvector(language,
  search_text)``) with the GIN index ``ix_post_search_vector``.

Neither fits SQLAlchemy's model of a table, so autogenerate is told to leave them alone
(``include_object``) and the migration creates them with SQL.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import ConfigError
from bot.db.engine import Database

FTS_TABLE = "post_fts"
SEARCH_VECTOR = "search_vector"
SEARCH_VECTOR_INDEX = "ix_post_search_vector"
DEFAULT_LANGUAGE = "simple"
LANGUAGE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_log = logging.getLogger(__name__)

SQLITE_FTS_TABLE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='post', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
)
# External content: the index must be told the old text to remove it, hence 'delete'.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER post_fts_after_insert AFTER INSERT ON post BEGIN
        INSERT INTO post_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER post_fts_after_delete AFTER DELETE ON post BEGIN
        INSERT INTO post_fts(post_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER post_fts_after_update AFTER UPDATE OF search_text ON post BEGIN
        INSERT INTO post_fts(post_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO post_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
)


def postgres_vector_ddl(language: str) -> tuple[str, ...]:
    """Statements that (re)create the generated column and its index for ``language``."""
    if not LANGUAGE_NAME.fullmatch(language):
        raise ValueError(f"not a text search configuration name: {language!r}")
    return (
        f"ALTER TABLE post ADD COLUMN {SEARCH_VECTOR} tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('{language}'::regconfig, search_text)) STORED",
        f"CREATE INDEX {SEARCH_VECTOR_INDEX} ON post USING gin ({SEARCH_VECTOR})",
    )


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic autogenerate filter: ignore the index objects above, which the models omit."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False  # the FTS5 table and its shadow tables (post_fts_data, _idx, ...)
    if type_ == "column" and name == SEARCH_VECTOR and reflected:
        return False
    return not (type_ == "index" and name == SEARCH_VECTOR_INDEX and reflected)


class SearchLanguageError(ConfigError):
    """The configured language is not a text search configuration of this PostgreSQL."""


async def ensure_search_language(database: Database, language: str) -> None:
    """PostgreSQL: rebuild the search column if ``[search] language`` changed. SQLite: nothing.

    Runs at start-up, after the migrations. A change re-indexes every post (the generated
    column is rewritten), in one transaction: searches keep working on the old index until
    it commits.
    """
    if database.is_sqlite:
        return
    async with database.engine.begin() as connection:
        known = await _configurations(connection)
        if language not in known:
            raise SearchLanguageError(
                f"[search] language: PostgreSQL has no text search configuration {language!r} "
                f"(it has: {', '.join(sorted(known))})"
            )
        current = await current_search_language(connection)
        if current == language:
            return
        _log.warning("Re-indexing every post for search language %r (was %r)", language, current)
        await connection.execute(text(f"DROP INDEX IF EXISTS {SEARCH_VECTOR_INDEX}"))
        await connection.execute(text(f"ALTER TABLE post DROP COLUMN IF EXISTS {SEARCH_VECTOR}"))
        for statement in postgres_vector_ddl(language):
            await connection.execute(text(statement))


async def current_search_language(connection: AsyncConnection) -> str | None:
    """The configuration the generated column was built with (PostgreSQL)."""
    expression = await connection.scalar(
        text(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
            "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
            "WHERE d.adrelid = 'post'::regclass AND a.attname = :column"
        ),
        {"column": SEARCH_VECTOR},
    )
    found = re.search(r"'([^']+)'::regconfig", expression or "")
    return found.group(1) if found else None


async def _configurations(connection: AsyncConnection) -> set[str]:
    rows = await connection.execute(text("SELECT cfgname FROM pg_ts_config"))
    return {str(name) for (name,) in rows}
