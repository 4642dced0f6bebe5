"""Importing Flaskr on both backends: names, passwords, posts, re-runs, dry runs, refusals."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text
from werkzeug.security import generate_password_hash

from bot.config import PostSettings
from bot.db.engine import Database
from bot.db.models import Account, ImportMapping, Post
from bot.domain.errors import InvalidCredentials
from bot.domain.imports import ImportSource, SourcePost, SourceRefused
from bot.domain.security import LOCKED_MARKER, WERKZEUG_MARKER
from bot.domain.values import ChatUser
from bot.importers import open_source
from bot.services.auth import AuthService
from bot.services.importing import ImportService, ImportSummary
from tests.conftest import STRONG_PASSWORD, FakeClock
from tests.foreign import OLD_FLASKR_SCHEMA, add_flaskr_rows, make_flaskr

# Cheap hashes: the importer never checks them; the login tests check one of each kind.
SAM_PASSWORD = "sams flaskr password"
FAST = "pbkdf2:sha256:1000"


def _hash(password: str, method: str = FAST) -> str:
    return generate_password_hash(password, method=method)


@pytest.fixture
def flaskr(tmp_path: Path) -> Path:
    users = [
        (1, "Sam", _hash(SAM_PASSWORD)),
        (2, "sam", _hash("the other sam")),  # Flaskr's UNIQUE is case-sensitive
        (3, "alice", _hash("alice from flaskr")),  # taken here by a registered alice
        (4, "x y!", _hash("spaces")),
        (5, "jo", _hash("short name")),
        (6, "nopass", ""),
        (7, "legacy", "sha1$abcd$0123456789abcdef0123456789abcdef01234567"),
        (8, "paypaI", _hash("capital i")),  # looks like a registered "paypal"
    ]
    posts = [
        (1, 1, "2024-03-01 09:30:00", "Hello", "First post\r\non two lines"),
        (2, 1, None, "Second", "x" * 2_000),  # longer than [posts] max_length
        (3, 2, "2024-03-02 10:00:00", "Other sam", "hi"),
        (4, 99, "2024-03-02 10:00:00", "Orphan", "no such author"),
        (5, 4, "2024-03-03 11:00:00", "   ", "\u200b"),  # nothing visible
        (6, 3, "2024-03-03 12:00:00", "Bell\x07", "kept\x00 text"),
    ]
    return make_flaskr(tmp_path / "flaskr.sqlite", users, posts)


@pytest.fixture
def importer(database: Database, clock: FakeClock) -> ImportService:
    return ImportService(database, PostSettings(max_length=500), clock)


async def _run(
    importer: ImportService, path: Path, *, batch_size: int = 2, **options: object
) -> ImportSummary:
    source = open_source("flaskr", str(path))
    try:
        return await importer.run(source, batch_size=batch_size, **options)  # type: ignore[arg-type]
    finally:
        await source.close()


async def _table_counts(database: Database) -> dict[str, int]:
    counts = {}
    async with database.read() as session:
        for model in (Account, Post, ImportMapping):
            counts[model.__tablename__] = int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
    return counts


async def _accounts(database: Database) -> dict[str, Account]:
    async with database.read() as session:
        return {a.username: a for a in (await session.scalars(select(Account))).all()}


async def _bodies(database: Database, username: str) -> list[tuple[str, datetime, bool]]:
    async with database.read() as session:
        rows = await session.execute(
            select(Post.body, Post.created_at, Post.imported)
            .join(Account, Account.id == Post.author_id)
            .where(Account.username == username)
            .order_by(Post.id)
        )
        return [(body, created, imported) for body, created, imported in rows]


async def _assert_counters_exact(database: Database) -> None:
    async with database.read() as session:
        rows = await session.execute(
            select(Account.username, Account.post_count, func.count(Post.id))
            .outerjoin(Post, Post.author_id == Account.id)
            .group_by(Account.id, Account.username, Account.post_count)
        )
        for username, counter, actual in rows:
            assert counter == actual, username


async def test_people_posts_and_passwords_move_in(
    importer: ImportService, auth: AuthService, flaskr: Path, clock: FakeClock
) -> None:
    await auth.register(ChatUser("discord", "1"), "ALICE", STRONG_PASSWORD)
    await auth.register(ChatUser("discord", "2"), "paypal", STRONG_PASSWORD)
    summary = await _run(importer, flaskr)

    assert (summary.users, summary.posts, summary.follows) == (8, 4, 0)
    renamed = {r.old: (r.new, r.why) for r in summary.renamed}
    assert renamed == {
        "sam": ("sam-2", "the name is taken (names are compared ignoring case and width)"),
        "alice": ("alice-2", "the name is taken (names are compared ignoring case and width)"),
        "x y!": ("x_y", "Usernames may contain only letters, digits, '.', '_' and '-'."),
        "jo": ("jo_5", "Usernames need 3 to 32 characters."),
        "paypaI": ("paypaI-2", "it looks like another account's name"),
    }
    assert summary.skipped["post: its author is not in the source"] == 1
    assert summary.skipped["post: no text"] == 1
    assert summary.locked == 2
    assert summary.long_posts == 1

    accounts = await _accounts(importer.db)
    assert set(accounts) == {
        *("ALICE", "paypal", "Sam", "sam-2", "alice-2", "x_y", "jo_5", "nopass", "legacy"),
        "paypaI-2",
    }
    assert accounts["Sam"].password_hash.startswith(WERKZEUG_MARKER + "pbkdf2:sha256:1000$")
    assert accounts["nopass"].password_hash.startswith(LOCKED_MARKER)
    assert accounts["legacy"].password_hash.startswith(LOCKED_MARKER)
    # No sign-up time in Flaskr: as old as the first post, else the import's time.
    assert accounts["Sam"].created_at == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert accounts["nopass"].created_at == clock.now

    sam_posts = await _bodies(importer.db, "Sam")
    # The title is the first line; Flaskr's naive CURRENT_TIMESTAMP text is UTC.
    assert sam_posts[0] == (
        "Hello\nFirst post\non two lines",
        datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        True,
    )
    assert sam_posts[1][0] == "Second\n" + "x" * 2_000  # whole, past max_length
    assert sam_posts[1][1].tzinfo is not None
    assert await _bodies(importer.db, "alice-2") == [
        ("Bell\nkept text", datetime(2024, 3, 3, 12, 0, tzinfo=UTC), True)
    ]
    await _assert_counters_exact(importer.db)


async def test_old_passwords_log_in_once_then_bcrypt(
    importer: ImportService, auth: AuthService, tmp_path: Path
) -> None:
    long_password = "a passphrase from the days without a 72-byte limit, " * 2
    path = make_flaskr(
        tmp_path / "flaskr.sqlite",
        [
            (1, "pbkdf2_user", _hash(SAM_PASSWORD, "pbkdf2:sha256:600000")),
            (2, "scrypt_user", _hash(SAM_PASSWORD, "scrypt")),
            (3, "long_user", _hash(long_password, "scrypt")),
            (4, "nopass", ""),
        ],
    )
    await _run(importer, path)
    chat = ChatUser("discord", "42")
    for username, password in (
        ("pbkdf2_user", SAM_PASSWORD),
        ("scrypt_user", SAM_PASSWORD),
        ("long_user", long_password),
    ):
        with pytest.raises(InvalidCredentials):
            await auth.login(chat, username, password + "x")
        result = await auth.login(chat, username, password)
        assert result.account.username == username
        stored = (await _accounts(importer.db))[username].password_hash
        expected = "bcrypt-sha256$$2b$04$" if username == "long_user" else "$2b$04$"
        assert stored.startswith(expected), stored
        await auth.login(chat, username, password)  # and again, now on bcrypt
    with pytest.raises(InvalidCredentials):  # never cut to bcrypt's 72 bytes
        await auth.login(chat, "long_user", long_password[:72])
    with pytest.raises(InvalidCredentials):
        await auth.login(chat, "nopass", "")


async def test_a_rerun_imports_only_what_is_new(
    importer: ImportService, database: Database, flaskr: Path
) -> None:
    await _run(importer, flaskr)
    before = await _table_counts(database)
    again = await _run(importer, flaskr)
    assert (again.users, again.posts, again.renamed, again.skipped) == (0, 0, [], {})
    assert await _table_counts(database) == before

    connection = sqlite3.connect(flaskr)
    add_flaskr_rows(
        connection,
        [(9, "newcomer", _hash("new"))],
        [(7, 9, "2024-04-01 08:00:00", "Hi", "new here"), (8, 1, None, "Sam again", "more")],
    )
    connection.close()
    more = await _run(importer, flaskr)
    assert (more.users, more.posts) == (1, 2)
    after = await _table_counts(database)
    assert after["account"] == before["account"] + 1
    assert after["post"] == before["post"] + 2
    assert [b for b, _, _ in await _bodies(database, "Sam")][-1] == "Sam again\nmore"
    await _assert_counters_exact(database)


async def test_dry_run_writes_nothing_and_tells_the_same_story(
    importer: ImportService, database: Database, flaskr: Path
) -> None:
    before = await _table_counts(database)
    dry = await _run(importer, flaskr, dry_run=True)
    assert await _table_counts(database) == before
    real = await _run(importer, flaskr)
    assert dry.dry_run and not real.dry_run
    for field in ("users", "posts", "follows", "renamed", "skipped", "locked", "long_posts"):
        assert getattr(dry, field) == getattr(real, field), field


class _Interrupted(Exception):
    pass


class _Failing:
    """The real source, failing on the nth batch of posts (a kill between two batches is the
    same to the database as an exception: the open transaction never commits)."""

    def __init__(self, source: ImportSource, fail_at: int) -> None:
        self.inner = source
        self.app = source.app
        self.description = source.description
        self.calls = 0
        self.fail_at = fail_at

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def posts(self, after: int, limit: int) -> list[SourcePost]:
        self.calls += 1
        if self.calls == self.fail_at:
            raise _Interrupted
        return await self.inner.posts(after, limit)


async def test_an_interrupted_import_resumes_without_duplicates(
    importer: ImportService, database: Database, tmp_path: Path
) -> None:
    users = [(n, f"user{n}", _hash("pw")) for n in range(1, 6)]
    posts = [(n, 1 + n % 5, "2024-01-01 00:00:00", f"t{n}", f"b{n}") for n in range(1, 51)]
    path = make_flaskr(tmp_path / "flaskr.sqlite", users, posts)
    source = open_source("flaskr", str(path))
    try:
        with pytest.raises(_Interrupted):
            await importer.run(_Failing(source, fail_at=4), batch_size=7)  # type: ignore[arg-type]
    finally:
        await source.close()
    assert (await _table_counts(database))["post"] == 21  # three batches committed
    resumed = await _run(importer, path, batch_size=7)
    assert resumed.users == 0 and resumed.posts == 29
    async with database.read() as session:
        bodies = list((await session.scalars(select(Post.body).order_by(Post.body))).all())
    assert sorted(bodies) == sorted(f"t{n}\nb{n}" for n in range(1, 51))
    await _assert_counters_exact(database)


async def test_another_database_under_the_same_source_name_is_refused(
    importer: ImportService, flaskr: Path, tmp_path: Path
) -> None:
    await _run(importer, flaskr)
    other = make_flaskr(
        tmp_path / "other.sqlite", [(n, f"stranger{n}", _hash("pw")) for n in range(1, 9)]
    )
    with pytest.raises(SourceRefused, match="--source NAME"):
        await _run(importer, other)
    named = await _run(importer, other, source_name="flaskr-other")
    assert named.users == 8


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (OLD_FLASKR_SCHEMA, "first Flaskr (an entries table, no users)"),
        (
            "CREATE TABLE user (id INTEGER PRIMARY KEY, username TEXT);"
            "CREATE TABLE post (id INTEGER PRIMARY KEY, author_id INTEGER, title TEXT);",
            "missing user.password, post.created, post.body",
        ),
        ("CREATE TABLE notes (id INTEGER);", "missing table user (id, username, password)"),
    ],
    ids=["flask-0.x", "columns-missing", "not-flaskr"],
)
async def test_anything_else_is_refused_naming_what_is_missing(
    importer: ImportService, database: Database, tmp_path: Path, schema: str, message: str
) -> None:
    path = tmp_path / "other.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(schema)
    connection.close()
    before = await _table_counts(database)
    with pytest.raises(SourceRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        await _run(importer, path)
    assert await _table_counts(database) == before


async def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceRefused, match="no such file"):
        open_source("flaskr", str(tmp_path / "nope.sqlite"))


@pytest.fixture
def no_title_flaskr(tmp_path: Path) -> Path:
    path = tmp_path / "flaskr.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE user (id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT UNIQUE NOT NULL,"
        " password TEXT NOT NULL);"
        "CREATE TABLE post (id INTEGER PRIMARY KEY AUTOINCREMENT, author_id INTEGER NOT NULL,"
        " created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, body TEXT NOT NULL);"
    )
    connection.execute("INSERT INTO user VALUES (1, 'ann', ?)", (_hash("pw"),))
    connection.execute("INSERT INTO post VALUES (1, 1, '2024-05-05 05:05:05', 'only a body')")
    connection.commit()
    connection.close()
    return path


async def test_a_flaskr_without_titles_keeps_bodies(
    importer: ImportService, no_title_flaskr: Path
) -> None:
    summary = await _run(importer, no_title_flaskr)
    assert summary.notes == ["post.title is absent: posts keep their body only."]
    assert [b for b, _, _ in await _bodies(importer.db, "ann")] == ["only a body"]


async def test_bulk_rows_store_times_exactly_as_the_bot_does(
    importer: ImportService, database: Database, flaskr: Path, backend: str
) -> None:
    """Feeds page by (created_at, id): on SQLite that is text, so an imported time must be
    the very text the bot writes for the same instant, or equal times would not be equal."""
    await _run(importer, flaskr)
    async with database.read() as session:
        stored = await session.scalar(
            select(func.min(Post.created_at)).where(Post.imported.is_(True))
        )
        if backend == "sqlite":
            raw = await session.scalar(text("SELECT min(created_at) FROM post WHERE imported"))
            assert raw == "2024-03-01 09:30:00.000000"  # SQLAlchemy's format, microseconds too
    assert stored == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


async def test_an_account_deleted_here_is_not_brought_back_nor_given_new_posts(
    importer: ImportService, database: Database, flaskr: Path
) -> None:
    await _run(importer, flaskr)
    async with database.write() as session:
        await session.execute(delete(Account).where(Account.username == "Sam"))
    connection = sqlite3.connect(flaskr)
    add_flaskr_rows(connection, [], [(9, 1, "2024-05-01 00:00:00", "Late", "Sam wrote more")])
    connection.close()
    again = await _run(importer, flaskr)
    assert (again.users, again.posts) == (0, 0)
    assert again.skipped == {"post: its author's account was deleted here": 1}
    assert "Sam" not in await _accounts(database)
