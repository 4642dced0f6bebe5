"""Importing the Mega-Tutorial's microblog on both backends, from SQLite and PostgreSQL
sources: its editions, bios, follows and their counters, time zones, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from werkzeug.security import generate_password_hash

from bot.config import PostSettings
from bot.db.engine import Database
from bot.db.models import Account, Follow, Post
from bot.domain.imports import SourceRefused
from bot.domain.values import ChatUser
from bot.importers import open_source
from bot.services.auth import AuthService
from bot.services.importing import ImportService, ImportSummary
from bot.services.social import SocialService
from tests import databases
from tests.conftest import FakeClock
from tests.foreign import MicroblogUser, make_microblog

PASSWORD = "susan's microblog password"
HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
SEEN = datetime(2024, 6, 1, 18, 0)  # naive UTC, as utcnow() stored it

USERS: list[MicroblogUser] = [
    (1, "susan", HASH, "I like cats.\r\nAnd dogs.", SEEN),
    (2, "john", HASH, None, None),
    (3, "Mary Ann", HASH, "x" * 140, SEEN),
    (4, "david", None, None, None),  # created from a shell, never set a password
]
POSTS = [
    (1, 1, datetime(2024, 1, 2, 3, 4, 5, 678901), "hello from susan"),
    (2, 2, datetime(2024, 1, 3, 0, 0), "john here"),
    (3, 1, datetime(2023, 12, 31, 23, 59, 59), "older, imported later"),
]
FOLLOWS = [(1, 2), (2, 1), (3, 1), (1, 1)]


@pytest.fixture(scope="session")
def postgres_source_server() -> Iterator[str]:
    server = databases.require_postgres()
    url = databases.create_postgres_database(server, migrate=False)
    yield url
    databases.drop_postgres_database(server, url)


@pytest.fixture(params=["sqlite-source", "postgres-source"])
def source_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-source":
        return f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    return str(request.getfixturevalue("postgres_source_server"))


def _config_url(url: str) -> str:
    """What the app's own config would hold (sync drivers); the importer maps it."""
    return url.replace("sqlite+aiosqlite://", "sqlite://").replace(
        "postgresql+asyncpg://", "postgresql://"
    )


@pytest.fixture
def importer(database: Database, clock: FakeClock) -> ImportService:
    return ImportService(database, PostSettings(max_length=500), clock)


async def _run(importer: ImportService, url: str, **options: object) -> ImportSummary:
    source = open_source("microblog", _config_url(url))
    try:
        return await importer.run(source, batch_size=2, **options)  # type: ignore[arg-type]
    finally:
        await source.close()


async def _account(database: Database, username: str) -> Account:
    async with database.read() as session:
        account = await session.scalar(select(Account).where(Account.username == username))
    assert account is not None, username
    return account


async def test_people_posts_bios_and_follows_move_in(
    importer: ImportService, database: Database, source_url: str, social: SocialService
) -> None:
    await make_microblog(source_url, "2024", USERS, POSTS, FOLLOWS)
    summary = await _run(importer, source_url)
    assert (summary.users, summary.posts, summary.follows) == (4, 3, 3)
    assert summary.skipped["follow: of oneself"] == 1
    assert [(r.old, r.new) for r in summary.renamed] == [("Mary Ann", "Mary_Ann")]
    assert summary.locked == 1

    susan = await _account(database, "susan")
    assert susan.bio == "I like cats.\nAnd dogs."
    # No sign-up time in the Mega-Tutorial: the earliest of first post and last_seen.
    assert susan.created_at == datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert (susan.post_count, susan.follower_count, susan.following_count) == (2, 2, 1)
    john = await _account(database, "john")
    assert (john.post_count, john.follower_count, john.following_count) == (1, 1, 1)
    assert (await _account(database, "Mary_Ann")).bio == "x" * 140

    async with database.read() as session:
        rows = await session.execute(
            select(Post.body, Post.created_at).where(Post.author_id == susan.id).order_by(Post.id)
        )
        # Naive timestamps are UTC, microseconds and all.
        assert list(rows) == [
            ("hello from susan", datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)),
            ("older, imported later", datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ]
    followers = await social.followers(ChatUser("discord", "9"), "susan")
    assert sorted(p.username for p in followers.people) == ["Mary_Ann", "john"]
    assert followers.total == 2

    again = await _run(importer, source_url)
    assert (again.users, again.posts, again.follows) == (0, 0, 0)
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Follow)) == 3


async def test_an_unfollow_here_is_not_undone_by_a_rerun(
    importer: ImportService,
    database: Database,
    auth: AuthService,
    social: SocialService,
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    await make_microblog(url, "2024", USERS, POSTS, FOLLOWS)
    await _run(importer, url)
    chat = ChatUser("discord", "7")
    await auth.login(chat, "john", PASSWORD)
    await social.unfollow(chat, "susan")
    await _run(importer, url)
    assert (await _account(database, "john")).following_count == 0
    assert (await _account(database, "susan")).follower_count == 1


async def test_the_2017_edition_with_repeated_follow_rows(
    importer: ImportService, database: Database, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    await make_microblog(url, "2017", USERS, POSTS, [*FOLLOWS, (1, 2), (3, 1)])
    summary = await _run(importer, url)
    assert summary.follows == 3  # the followers table had no primary key: rows repeat
    assert (await _account(database, "susan")).follower_count == 2


async def test_chapter_four_has_no_bios_nor_follows(
    importer: ImportService, database: Database, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    await make_microblog(url, "ch4", USERS, POSTS)
    summary = await _run(importer, url)
    assert (summary.users, summary.posts, summary.follows) == (4, 3, 0)
    assert any("about_me is absent" in note for note in summary.notes)
    assert any("No followers table" in note for note in summary.notes)
    assert (await _account(database, "susan")).bio is None


async def test_aware_timestamps_keep_their_instant(
    importer: ImportService, database: Database, postgres_source_server: str
) -> None:
    """A deployment whose post.timestamp is timestamptz: the instant is kept, whatever the
    session's time zone was."""
    await make_microblog(postgres_source_server, "2024", USERS[:1], [])
    engine = create_async_engine(postgres_source_server)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("ALTER TABLE post ALTER COLUMN timestamp TYPE timestamptz USING timestamp")
            )
            await connection.execute(
                text(
                    "INSERT INTO post (id, user_id, timestamp, body) "
                    "VALUES (1, 1, '2024-07-01 12:00:00+02:00', 'noon in Paris')"
                )
            )
    finally:
        await engine.dispose()
    await _run(importer, postgres_source_server)
    async with database.read() as session:
        created = await session.scalar(select(Post.created_at))
    assert created == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)


async def test_the_2012_edition_and_other_databases_are_refused(
    importer: ImportService, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("CREATE TABLE user (id INTEGER PRIMARY KEY, nickname TEXT, email TEXT)")
            )
            await connection.execute(
                text("CREATE TABLE post (id INTEGER PRIMARY KEY, body TEXT, timestamp DATETIME)")
            )
    finally:
        await engine.dispose()
    with pytest.raises(
        SourceRefused, match=r"missing user.username, user.password_hash, post.user_id\."
    ):
        await _run(importer, url)
    with pytest.raises(SourceRefused, match="mysql databases are not supported"):
        open_source("microblog", "mysql+pymysql://u:secret@localhost/microblog")
