"""Migration 0006 on a database that already holds look-alike names: reported, not changed.

Run as operators run it (``python -m bot db upgrade``, then ``db check-names``), on both
backends, from revision 0002 with accounts, sessions and posts in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.domain.rules import clean_username
from tests import databases
from tests.ops.commands import bot_command

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
# Distinct before 0006 (different NFKC + casefold keys), alike to the eye.
NAMES = ["alice", "аlice", "bob", "paypal", "paypaI", "ΑLICE"]  # Cyrillic а, Greek Α


@pytest.fixture(params=["sqlite", "postgres"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at revision 0002 holding accounts, a session and a post each."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        databases.run_blocking(_fill_old(url))
        yield url
        return
    server = databases.require_postgres()
    name = f"microblog_names_{uuid.uuid4().hex[:12]}"
    databases.run_blocking(databases._admin(server, f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        databases.run_blocking(_fill_old(url))
        yield url
    finally:
        databases.run_blocking(
            databases._admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


async def _fill_old(url: str) -> None:
    database = Database(url)
    try:
        await upgrade(database, "0002")
        async with database.write() as session:
            for number, name in enumerate(NAMES, start=1):
                display, key = clean_username(name)
                values = {"id": number, "u": display, "k": key, "t": WHEN}
                for statement in (
                    "INSERT INTO account (id, username, username_key, password_hash, created_at)"
                    " VALUES (:id, :u, :k, 'hash', :t)",
                    "INSERT INTO post (author_id, body, created_at) VALUES (:id, :u, :t)",
                    "INSERT INTO chat_session (platform, chat_user_id, account_id, created_at,"
                    " last_seen_at) VALUES ('discord', :k, :id, :t, :t)",
                ):
                    await session.execute(text(statement), values)
    finally:
        await database.dispose()


async def test_look_alike_accounts_are_flagged_and_reported_never_changed(
    old_database: str, tmp_path: Path
) -> None:
    plain = old_database.replace("+aiosqlite", "").replace("+asyncpg", "")
    code, out, err = await bot_command("db", "upgrade", cwd=tmp_path, DATABASE_URL=plain)
    assert code == 0, err
    warnings = [line for line in err if "Look-alike usernames kept as they are" in line]
    assert len(warnings) == 3, err  # alice/аlice/ΑLICE twice (two skeletons), paypal/paypaI

    database = Database(old_database)
    try:
        async with database.read() as session:
            rows = (
                await session.execute(
                    text("SELECT username, skeleton_clash FROM account ORDER BY id")
                )
            ).all()
            posts = await session.scalar(text("SELECT count(*) FROM post"))
            sessions = await session.scalar(text("SELECT count(*) FROM chat_session"))
    finally:
        await database.dispose()
    # Nobody renamed, nothing lost; the oldest of each group keeps the unique skeleton.
    assert [(name, bool(flag)) for name, flag in rows] == [
        ("alice", False), ("аlice", True), ("bob", False), ("paypal", False),
        ("paypaI", True), ("ΑLICE", True),
    ]  # fmt: skip
    assert (posts, sessions) == (len(NAMES), len(NAMES))

    code, out, err = await bot_command("db", "check-names", cwd=tmp_path, DATABASE_URL=plain)
    assert code == 1, err
    alike = "'alice' (account 1), 'аlice' (account 2, flagged), 'ΑLICE' (account 6, flagged)"
    assert f"Look alike: {alike}" in out
    assert "Look alike: 'paypal' (account 4), 'paypaI' (account 5, flagged)" in out
    assert out[-1].endswith("nothing changed.")
