"""``python -m bench.importing``: import a generated Flaskr database into SQLite and PostgreSQL.

The source is made with Flaskr's own schema (tests/foreign.py): 10,000 users and 1M posts by
default, authors drawn by Zipf weights (a few prolific, most quiet), bodies of 40 to 400
characters, a title each. Passwords are a handful of real werkzeug hashes reused (the
importer copies them; it never checks them). Each backend gets a fresh migrated database
and the import runs exactly as ``python -m bot import flaskr`` does (default batch size),
without the progress display. Target: under 60 s each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from bench.databases import DEFAULT_POSTGRES_URL, postgres_version, throwaway_database
from bench.machine import describe
from bot.config import PostSettings
from bot.db.engine import Database
from bot.db.models import Account, Post
from bot.importers import open_source
from bot.services.importing import DEFAULT_BATCH_SIZE, ImportService
from tests.foreign import FLASKR_SCHEMA

TARGET_SECONDS = 60
RESULTS = Path(__file__).resolve().parent / "results"
_WORDS = [
    *("flask", "blog", "post", "today", "wrote", "about", "python", "tea", "garden"),
    *("rain", "code", "test", "deploy", "weekend", "music", "book", "idea", "morning"),
    *("coffee", "travel", "friend", "bug", "fix", "release", "database", "query", "cat"),
]


def make_source(path: Path, users: int, posts: int, seed: int = 7) -> float:
    """Write the Flaskr database; returns the seconds it took."""
    began = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 (repeatable made-up text, not secrets)
    hashes = [
        generate_password_hash(f"password {n}", method="pbkdf2:sha256:1000") for n in range(8)
    ]
    connection = sqlite3.connect(path)
    connection.executescript(FLASKR_SCHEMA)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    with connection:
        connection.executemany(
            "INSERT INTO user (id, username, password) VALUES (?, ?, ?)",
            ((n, f"user{n}", hashes[n % len(hashes)]) for n in range(1, users + 1)),
        )
    weights = [1 / rank for rank in range(1, users + 1)]
    start = datetime(2019, 1, 1, tzinfo=UTC)
    step = timedelta(days=5 * 365) / max(posts, 1)
    batch = 100_000
    for first in range(1, posts + 1, batch):
        count = min(batch, posts - first + 1)
        authors = rng.choices(range(1, users + 1), weights=weights, k=count)
        rows = []
        for offset, author in enumerate(authors):
            n = first + offset
            words = rng.choices(_WORDS, k=rng.randint(8, 70))
            created = (start + step * n).strftime("%Y-%m-%d %H:%M:%S")
            rows.append((n, author, created, f"Post {n}", " ".join(words)))
        with connection:
            connection.executemany(
                "INSERT INTO post (id, author_id, created, title, body) VALUES (?,?,?,?,?)", rows
            )
    connection.close()
    return time.perf_counter() - began


async def import_into(url: str, source_path: Path, batch_size: int) -> dict[str, float | int]:
    database = Database(url)
    source = open_source("flaskr", str(source_path))
    try:
        began = time.perf_counter()
        summary = await ImportService(database, PostSettings()).run(source, batch_size=batch_size)
        seconds = time.perf_counter() - began
        async with database.read() as session:
            posts = int(await session.scalar(select(func.count()).select_from(Post)) or 0)
            counted = int(await session.scalar(select(func.sum(Account.post_count))) or 0)
        assert posts == counted == summary.posts, (posts, counted, summary.posts)
        return {
            "seconds": round(seconds, 1),
            "users": summary.users,
            "posts": summary.posts,
            "posts_per_second": round(summary.posts / seconds),
        }
    finally:
        await source.close()
        await database.dispose()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.importing", description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where import.md/json go")
    args = parser.parse_args(argv)
    rows: dict[str, dict[str, float | int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
        work = Path(workdir)
        source = work / "flaskr.sqlite"
        made = make_source(source, args.users, args.posts)
        print(f"source: {args.users:,} users, {args.posts:,} posts, written in {made:.1f} s")
        for backend in args.backends.split(","):
            target = work / backend
            target.mkdir()
            async with throwaway_database(backend, target, args.postgres_url) as url:
                rows[backend] = await import_into(url, source, args.batch_size)
            # Other work on the machine slows every row: say how busy it was.
            rows[backend]["load_average_1m"] = round(os.getloadavg()[0], 2)
            verdict = "ok" if rows[backend]["seconds"] < TARGET_SECONDS else "OVER TARGET"
            print(f"{backend}: {rows[backend]} {verdict}")
    version = await postgres_version(args.postgres_url) if "postgres" in rows else None
    machine = describe(version)
    report = {
        "users": args.users,
        "posts": args.posts,
        "batch_size": args.batch_size,
        "target_seconds": TARGET_SECONDS,
        "results": rows,
        "machine": machine,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "import.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"# Import benchmark: Flaskr, {args.users:,} users and {args.posts:,} posts",
        "",
        f"`python -m bench.importing` (batch size {args.batch_size:,}); target under "
        f"{TARGET_SECONDS} s each. Machine: {machine['cores']} cores ({machine['cpu_model']}), "
        f"{machine['ram_gib']} GiB, SQLite {machine['sqlite']}, PostgreSQL {version}.",
        "",
        "| backend | seconds | posts/s | load average (1 min) after |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {name} | {row['seconds']} | {row['posts_per_second']:,} | "
            f"{row['load_average_1m']} |"
            for name, row in rows.items()
        ),
        "",
    ]
    (args.out / "import.md").write_text("\n".join(lines))
    return 0 if all(r["seconds"] < TARGET_SECONDS for r in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
