"""``python -m bot import`` as an operator runs it: its own process, a config file, a pipe
or a terminal, Ctrl-C and SIGKILL in the middle, on both databases."""

from __future__ import annotations

import asyncio
import os
import pty
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from werkzeug.security import generate_password_hash

from bot.config import write_config
from bot.db.engine import Database
from bot.db.models import Account, ImportMapping, Post
from tests import databases
from tests.foreign import OLD_FLASKR_SCHEMA, make_flaskr

USERS = 40
POSTS = 4_000
HASH = generate_password_hash("old password", method="pbkdf2:sha256:1000")


@pytest.fixture
async def target_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The bot's database: a migrated SQLite copy, or this run's PostgreSQL database emptied."""
    if backend == "sqlite":
        return databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    url = str(request.getfixturevalue("postgres_url"))
    database = Database(url)
    try:
        await databases.truncate_all(database)
    finally:
        await database.dispose()
    return url


@pytest.fixture
def config(tmp_path: Path, target_url: str) -> Path:
    path = tmp_path / "config.toml"
    write_config(path, {"database": {"url": target_url}, "auth": {"bcrypt_rounds": 4}})
    return path


@pytest.fixture(scope="module")
def flaskr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    users = [(n, f"user{n}", HASH) for n in range(1, USERS + 1)]
    posts = [
        (n, 1 + n % USERS, "2024-01-01 00:00:00", f"title {n}", f"body {n}")
        for n in range(1, POSTS + 1)
    ]
    return make_flaskr(tmp_path_factory.mktemp("flaskr") / "flaskr.sqlite", users, posts)


def _env() -> dict[str, str]:
    overrides = {"DISCORD_TOKEN", "DISCORD_TOKEN_FILE", "DATABASE_URL", "MICROBLOG_CONFIG"}
    return {k: v for k, v in os.environ.items() if k not in overrides}


async def _start(*args: str, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _bot(*args: str, cwd: Path) -> tuple[int, str, str]:
    process = await _start(*args, cwd=cwd)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _counts(url: str) -> tuple[int, int, int, int]:
    """(accounts, posts, distinct post bodies, sum of post counters)."""
    database = Database(url)
    try:
        async with database.read() as session:
            accounts = await session.scalar(select(func.count()).select_from(Account))
            posts = await session.scalar(select(func.count()).select_from(Post))
            bodies = await session.scalar(select(func.count(func.distinct(Post.body))))
            counted = await session.scalar(select(func.coalesce(func.sum(Account.post_count), 0)))
            return int(accounts or 0), int(posts or 0), int(bodies or 0), int(counted or 0)
    finally:
        await database.dispose()


async def _mapped(url: str) -> int:
    database = Database(url)
    try:
        async with database.read() as session:
            return int(await session.scalar(select(func.count()).select_from(ImportMapping)) or 0)
    finally:
        await database.dispose()


async def test_a_piped_import_logs_lines_then_sums_up_and_a_rerun_adds_nothing(
    config: Path, flaskr: Path, target_url: str, tmp_path: Path
) -> None:
    code, out, err = await _bot(
        "import", "flaskr", str(flaskr), "--config", str(config), cwd=tmp_path
    )
    assert code == 0, err
    assert "Imported from" in out
    assert f"posts    {POSTS:>10,}" in out
    assert "import posts: 4,000 to read" in err  # plain log lines, no bar on a pipe
    assert "\x1b[" not in err
    assert await _counts(target_url) == (USERS, POSTS, POSTS, POSTS)

    code, out, _ = await _bot(
        "import", "flaskr", str(flaskr), "--config", str(config), cwd=tmp_path
    )
    assert code == 0
    assert "Nothing new: everything in the source was imported before." in out
    assert await _counts(target_url) == (USERS, POSTS, POSTS, POSTS)


async def test_a_dry_run_writes_nothing(
    config: Path, flaskr: Path, target_url: str, tmp_path: Path
) -> None:
    code, out, err = await _bot(
        "import", "flaskr", str(flaskr), "--config", str(config), "--dry-run", cwd=tmp_path
    )
    assert code == 0, err
    assert out.startswith("Dry run: nothing was written.\nWould import from")
    assert f"users    {USERS:>10,}" in out
    assert await _counts(target_url) == (0, 0, 0, 0)
    assert await _mapped(target_url) == 0


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_source_we_cannot_import_is_refused_by_name(
    config: Path, tmp_path: Path, backend: str
) -> None:
    old = tmp_path / "old.sqlite"
    connection = sqlite3.connect(old)
    connection.executescript(OLD_FLASKR_SCHEMA)
    connection.close()
    code, out, err = await _bot("import", "flaskr", str(old), "--config", str(config), cwd=tmp_path)
    assert code == 2 and out == ""
    assert "first Flaskr (an entries table, no users)" in err
    code, _, err = await _bot(
        "import",
        "microblog",
        "mysql://u:secret@db/microblog",
        "--config",
        str(config),
        cwd=tmp_path,
    )
    assert code == 2 and "mysql databases are not supported" in err and "secret" not in err


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_terminal_gets_a_progress_bar_with_rate_and_eta(
    config: Path, flaskr: Path, tmp_path: Path, backend: str
) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal on stdin, stdout and stderr
        os.chdir(tmp_path)
        os.execve(  # noqa: S606 (our own interpreter, fixed arguments)
            sys.executable,
            [sys.executable, "-m", "bot", "import", "flaskr", str(flaskr), "--config", str(config)],
            _env() | {"COLUMNS": "160"},
        )
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    shown = output.decode("utf-8", "replace")
    assert "━" in shown  # rich's bar
    assert "rows/s" in shown and "ETA" in shown
    assert "posts" in shown and f"{POSTS}/{POSTS}" in shown
    assert "Imported from" in shown


async def _wait_for_posts(url: str, process: asyncio.subprocess.Process, at_least: int) -> int:
    # One connection and one cheap count per look: on a loaded machine a slower poll could
    # miss the whole import.
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                posts = int(await connection.scalar(select(func.count()).select_from(Post)) or 0)
                await connection.rollback()  # the next look sees the import's newer batches
                if posts >= at_least:
                    return posts
                assert process.returncode is None, "the import finished before it could be stopped"
                await asyncio.sleep(0.005)
    finally:
        await database.dispose()
    raise AssertionError("the import made no progress")


async def _import_slowly(config: Path, flaskr: Path, cwd: Path) -> asyncio.subprocess.Process:
    return await _start(
        # Small batches: 800 of them give the test time to act before the import is done.
        "import",
        "flaskr",
        str(flaskr),
        "--config",
        str(config),
        "--batch-size",
        "5",
        cwd=cwd,
    )


async def _assert_whole_after_rerun(config: Path, flaskr: Path, url: str, cwd: Path) -> None:
    code, _out, err = await _bot("import", "flaskr", str(flaskr), "--config", str(config), cwd=cwd)
    assert code == 0, err
    assert await _counts(url) == (USERS, POSTS, POSTS, POSTS)  # nothing twice, nothing missed
    assert await _mapped(url) == USERS + POSTS


async def test_ctrl_c_keeps_finished_batches_and_the_same_command_resumes(
    config: Path, flaskr: Path, target_url: str, tmp_path: Path
) -> None:
    process = await _import_slowly(config, flaskr, tmp_path)
    await _wait_for_posts(target_url, process, 100)
    process.send_signal(signal.SIGINT)
    _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 130, err.decode()[-2000:]
    assert "Run the same command again to resume." in err.decode()
    _accounts, posts, bodies, counted = await _counts(target_url)
    assert 0 < posts < POSTS and posts == bodies == counted
    await _assert_whole_after_rerun(config, flaskr, target_url, tmp_path)


async def test_sigkill_mid_import_then_a_rerun_has_no_duplicates(
    config: Path, flaskr: Path, target_url: str, tmp_path: Path, backend: str
) -> None:
    process = await _import_slowly(config, flaskr, tmp_path)
    seen = await _wait_for_posts(target_url, process, 200)
    if backend == "postgres":
        # Kill it inside a batch, for certain: hold the progress table so the next batch
        # writes its posts and mapping, then waits to record its position.
        database = Database(target_url)
        try:
            async with database.engine.connect() as blocker:
                await blocker.execute(text("LOCK TABLE import_progress IN EXCLUSIVE MODE"))
                await _wait_until_waiting_on_lock(blocker)
                process.kill()
                await process.wait()
                await blocker.rollback()
        finally:
            await database.dispose()
    else:
        process.kill()
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    _accounts, posts, bodies, counted = await _counts(target_url)
    assert seen <= posts < POSTS and posts == bodies == counted
    await _assert_whole_after_rerun(config, flaskr, target_url, tmp_path)


async def _wait_until_waiting_on_lock(connection: object) -> None:
    from sqlalchemy.ext.asyncio import AsyncConnection

    assert isinstance(connection, AsyncConnection)
    for _ in range(600):
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the importer never waited on the lock")
