"""Migration 0004 on a database that already has posts, and the search language switch."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from bot.config import AuthSettings, SearchSettings
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.search_index import (
    SearchLanguageError,
    current_search_language,
    ensure_search_language,
)
from bot.domain.security import PasswordHasher
from bot.services.auth import AuthService
from bot.services.search import SearchService
from tests import databases

OLD_POSTS = [
    "Coffee before the #Release, then #release notes",
    "tea time ＃ＴＥＡ",
    "nothing to see",
]


@pytest.fixture
async def fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database of its own (migrations not applied yet)."""
    if backend == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
        yield database
        await database.dispose()
        return
    server = databases.require_postgres()
    name = f"microblog_search_{uuid.uuid4().hex[:12]}"
    url = make_url(server).set(database=name)
    await databases._admin(server, f'CREATE DATABASE "{name}"')
    database = Database(url.render_as_string(hide_password=False))
    try:
        yield database
    finally:
        await database.dispose()
        await databases._admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _search(database: Database, hasher: PasswordHasher, language: str = "simple") -> SearchService:
    auth = AuthService(database, hasher, AuthSettings(bcrypt_rounds=4))
    return SearchService(database, auth, SearchSettings(language=language))


async def test_upgrade_indexes_existing_posts(
    fresh_database: Database, hasher: PasswordHasher
) -> None:
    await upgrade(fresh_database, "0002")
    async with fresh_database.write() as session:
        await session.execute(
            text(
                "INSERT INTO account (id, username, username_key, password_hash, created_at) "
                "VALUES (1, 'old', 'old', 'x', '2025-01-01 00:00:00')"
            )
        )
        for body in OLD_POSTS:
            await session.execute(
                text(
                    "INSERT INTO post (author_id, body, created_at) "
                    "VALUES (1, :body, '2025-06-01 00:00:00')"
                ),
                {"body": body},
            )
    await upgrade(fresh_database)
    search = _search(fresh_database, hasher)
    assert [p.body for p in (await search.search("coffee")).posts] == [OLD_POSTS[0]]
    assert [p.body for p in (await search.search("#release")).posts] == [OLD_POSTS[0]]
    assert [p.body for p in (await search.search("#tea from:old")).posts] == [OLD_POSTS[1]]
    assert (await search.search("#nothing")).posts == []
    if fresh_database.is_sqlite:
        async with fresh_database.write() as session:  # raises if index and table disagree
            await session.execute(
                text("INSERT INTO post_fts(post_fts, rank) VALUES ('integrity-check', 1)")
            )


async def test_switching_the_postgres_language_reindexes(
    fresh_database: Database, hasher: PasswordHasher
) -> None:
    if fresh_database.is_sqlite:
        await ensure_search_language(fresh_database, "english")  # SQLite: nothing to do
        return
    await upgrade(fresh_database)
    async with fresh_database.write() as session:
        await session.execute(
            text(
                "INSERT INTO account (id, username, username_key, password_hash, created_at) "
                "VALUES (1, 'old', 'old', 'x', now())"
            )
        )
        await session.execute(
            text(
                "INSERT INTO post (author_id, body, search_text, created_at) "
                "VALUES (1, 'Running dogs', 'running dogs', now())"
            )
        )
    simple = _search(fresh_database, hasher, "simple")
    english = _search(fresh_database, hasher, "english")
    assert (await simple.search("run")).posts == []
    await ensure_search_language(fresh_database, "english")
    async with fresh_database.engine.connect() as connection:
        assert await current_search_language(connection) == "english"
    assert [p.body for p in (await english.search("run dog")).posts] == ["Running dogs"]
    with pytest.raises(SearchLanguageError, match="no text search configuration 'klingon'"):
        await ensure_search_language(fresh_database, "klingon")
    await ensure_search_language(fresh_database, "simple")
    assert (await simple.search("run")).posts == []
    assert [p.body for p in (await simple.search("running")).posts] == ["Running dogs"]
