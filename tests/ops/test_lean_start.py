"""A bot starting on an up-to-date database leaves out what only some starts need.

Alembic (with Mako and Pygments) is loaded only when there is something to migrate, and
zxcvbn's dictionaries only when a password's strength is first checked: together about
20 MiB of the process's resident memory for its whole life (`python -m bench`, idle RSS).
Checked in a fresh interpreter, since this test session has imported both already.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.db.migrate import upgrade_url

LEFT_OUT = ("alembic", "mako", "pygments", "zxcvbn")

START = """
import asyncio, importlib, pkgutil, sys

import cogs
import bot.front.client, bot.ops.runner
from bot.app import open_services
from bot.config import load_config


async def start(url):
    for found in pkgutil.iter_modules(cogs.__path__):
        importlib.import_module("cogs." + found.name)
    async with open_services(load_config(None, env={"DATABASE_URL": url})) as services:
        await services.posts.feed()
        return [name for name in %r if name in sys.modules]


print(",".join(asyncio.run(start(sys.argv[1]))))
"""


def _loaded_after_start(url: str) -> list[str]:
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", START % (LEFT_OUT,), url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [name for name in done.stdout.strip().split(",") if name]


async def test_an_up_to_date_start_loads_neither_alembic_nor_zxcvbn(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'microblog.db'}"
    await upgrade_url(url)
    assert _loaded_after_start(url) == []


async def test_a_start_that_migrates_loads_alembic_and_still_not_zxcvbn(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'microblog.db'}"  # a new database: migrated
    assert _loaded_after_start(url) == ["alembic", "mako", "pygments"]
    assert _loaded_after_start(url) == []  # and the next start is lean again
