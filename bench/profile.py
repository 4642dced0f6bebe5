"""``python -m bench.profile``: where the bot's CPU goes under a steady /feed load.

Seeds a throwaway database (as ``python -m bench`` does), starts the bot process, sends /feed
at a fixed open-loop rate and records the bot with py-spy (a dev tool: ``pip install py-spy``
next to the project). The samples are grouped by what they were doing (gateway parsing, the
command tree, SQLAlchemy, database driver and thread hops, rendering, HTTP back to Discord,
logging, the event loop itself) and printed as a markdown table; ``--out`` also keeps the raw
collapsed stacks for a flame graph (``flamegraph.pl``, speedscope.app).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

from bench.botproc import running_bot
from bench.databases import DEFAULT_POSTGRES_URL, throwaway_database
from bench.load import driver_gc_paused, open_loop, tracking
from bench.run import author_names
from bench.scenarios import QUICK, STORM_PASSWORD, BackendBench, Population
from bench.seed import Seeder, zipf_weights
from bench.stats import summary_ms
from discord_double import DiscordDouble

# py-spy names files relative to their sys.path entry: "(sqlalchemy/orm/session.py:2555)".
# First match wins, checked from the innermost frame outwards: a SQLAlchemy call that logs
# counts as logging, an aiohttp write inside discord.py's HTTP client as HTTP. Waiting and
# waking come first: a thread blocked in epoll or on a queue, or poking the loop's self-pipe.
GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "waiting and waking (epoll, queue get, self-pipe)",
        re.compile(
            r"\(selectors\.py|_write_to_self|_read_from_self|\(queue\.py|\(threading\.py"
            r"|_connection_worker_thread \(aiosqlite/core\.py:(59|63)\)"
            r"|_worker \(concurrent/futures/thread\.py:81\)"
        ),
    ),
    ("logging", re.compile(r"\(logging/|\(bot/ops/logs")),
    ("JSON (de)serialising", re.compile(r"\(json/|orjson")),
    ("database driver (aiosqlite/sqlite3, asyncpg)", re.compile(r"aiosqlite/|sqlite3/|asyncpg/")),
    ("SQLAlchemy", re.compile(r"\(sqlalchemy/")),
    ("command tree and checks", re.compile(r"\(discord/app_commands/|\(bot/front/tree")),
    ("rendering (cards, views, i18n)", re.compile(r"\(discord/ui/|\(bot/front/|\(babel/")),
    (
        "HTTP to Discord (discord.py http/webhook, aiohttp)",
        re.compile(r"\(discord/http\.py|\(discord/webhook/|\(aiohttp/|\(yarl/|\(multidict/"),
    ),
    (
        "gateway read and parse (websocket, state, Interaction)",
        re.compile(
            r"\(discord/(gateway|state|interactions|client|member|user|guild|channel|message)\.py"
            r"|zlib"
        ),
    ),
    (
        "our services and repositories",
        re.compile(r"\(bot/(services|repositories|domain|db)/"),
    ),
    ("cogs", re.compile(r"\(cogs/")),
    ("asyncio (socket send/recv, tasks, handles)", re.compile(r"\(asyncio/")),
    ("greenlet switches", re.compile(r"greenlet")),
)
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _split(stack: str) -> tuple[str, list[str]]:
    """(thread label, frames outermost first) of one collapsed py-spy line's stack."""
    parts = stack.split(";")
    thread = next((p for p in parts[:2] if p.startswith("thread ")), "thread ?")
    frames = [p for p in parts if not p.startswith(("process ", "thread "))]
    return thread, frames


def classify(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, pattern in GROUPS:
            if pattern.search(frame):
                return name
    return "other"


def summarise(raw: str) -> dict[str, object]:
    """Samples per group and per thread, and the hottest innermost frames."""
    groups: collections.Counter[str] = collections.Counter()
    threads: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        thread, frames = _split(stack)
        total += count
        groups[classify(frames)] += count
        threads[_thread_kind(thread, frames)] += count
        if frames:
            leaves[_short(frames[-1])] += count
    return {"total": total, "groups": groups, "threads": threads, "leaves": leaves}


def _thread_kind(thread: str, frames: list[str]) -> str:
    text = ";".join(frames[:6])
    if "aiosqlite" in text:
        return "aiosqlite worker"
    if "bcrypt" in text or "security" in text:
        return "bcrypt pool"
    if "concurrent/futures" in text or "threading.py" in text:
        return "worker threads (db-read, bcrypt, other)"
    return "event loop thread"


def _short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "lib/python3.11/", "/wt-", "/work/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    path = re.sub(r"^[^/]*/", "", path) if path.startswith("hotpath/") else path
    return f"{match['func']} ({path}:{match['line']})"


def markdown(summary: dict[str, object], meta: dict[str, object]) -> str:
    total = int(summary["total"])  # type: ignore[call-overload]
    lines = [
        "| group | samples | share |",
        "|---|---|---|",
    ]

    def share(n: int) -> str:
        return f"{100 * n / total:.1f} %" if total else "-"

    groups: collections.Counter[str] = summary["groups"]  # type: ignore[assignment]
    for name, count in groups.most_common():
        lines.append(f"| {name} | {count} | {share(count)} |")
    lines += ["", "| thread | samples | share |", "|---|---|---|"]
    threads: collections.Counter[str] = summary["threads"]  # type: ignore[assignment]
    for name, count in threads.most_common():
        lines.append(f"| {name} | {count} | {share(count)} |")
    lines += ["", "Hottest innermost frames:", "", "| frame | share |", "|---|---|"]
    leaves: collections.Counter[str] = summary["leaves"]  # type: ignore[assignment]
    for name, count in leaves.most_common(15):
        lines.append(f"| `{name}` | {share(count)} |")
    head = ", ".join(f"{key} {value}" for key, value in meta.items())
    return f"{head}; {total} samples (active CPU only, py-spy without --idle)\n\n" + "\n".join(
        lines
    )


async def profile(args: argparse.Namespace) -> str:
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if py_spy is None and not args.no_record:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    password_hash = bcrypt.hashpw(STORM_PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    with tempfile.TemporaryDirectory(prefix="microblog-profile-") as workdir:
        directory = Path(workdir)
        async with (
            DiscordDouble() as double,
            throwaway_database(args.backend, directory, args.postgres_url) as url,
        ):
            seeder = Seeder(args.backend, url)
            rng = random.Random(7)  # noqa: S311 (repeatable made-up names)
            authors = author_names(2000, rng)
            readers = [f"reader_{i:04d}" for i in range(200)]
            people = [double.add_user(name) for name in readers]
            ids = await seeder.add_accounts([*authors, *readers], password_hash)
            await seeder.add_sessions(
                [(u.id, ids[n]) for u, n in zip(people, readers, strict=True)]
            )
            weights = zipf_weights(len(authors))
            await seeder.grow_posts(args.posts, [ids[name] for name in authors], weights)
            population = Population(people, [], authors, weights)
            async with running_bot(double, url, directory) as bot:
                with tracking(double) as tracker, driver_gc_paused():
                    bench = BackendBench(double, tracker, bot, population, QUICK)
                    await bench._run(("feed",), 50, 200)  # warm: connections, caches
                    tracker.forget_finished()
                    raw_path = directory / "profile.txt"
                    recorder = None
                    if py_spy is not None and not args.no_record:
                        recorder = await asyncio.create_subprocess_exec(
                            py_spy,
                            *("record", "--nonblocking", "--threads", "--rate", "200"),
                            *("-p", str(bot.pid), "-f", "raw", "-o", str(raw_path)),
                            *("-d", str(int(args.seconds) + 1)),
                            stdout=asyncio.subprocess.DEVNULL,
                            stderr=asyncio.subprocess.DEVNULL,
                        )
                        await asyncio.sleep(0.5)
                    started, cpu = time.monotonic(), bot.cpu_seconds()
                    probes = await open_loop(
                        args.rate, int(args.rate * args.seconds), lambda i: bench.send("feed", i)
                    )
                    await tracker.settle(probes, 30)
                    elapsed = time.monotonic() - started
                    cpu = bot.cpu_seconds() - cpu
                    raw = ""
                    if recorder is not None:
                        await asyncio.wait_for(recorder.wait(), 30)
                        raw = raw_path.read_text()
        if args.out and raw:
            args.out.write_text(raw)
    ok = [p for p in probes if p.outcome == "ok"]
    final = summary_ms([p.final for p in ok if p.final is not None])
    meta = {
        "backend": args.backend,
        "posts": f"{args.posts:,}",
        "/feed": f"{len(ok)} ok of {len(probes)} at {args.rate:g}/s for {elapsed:.1f} s",
        "final p50/p99 ms": f"{final['p50']} / {final['p99']}",
        "bot CPU": f"{100 * cpu / elapsed:.0f} %",
        "load average": f"{os.getloadavg()[0]:.2f}",
    }
    if not raw:
        return ", ".join(f"{key} {value}" for key, value in meta.items())
    return markdown(summarise(raw), meta)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=150, help="/feed per second")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--out", type=Path, help="also keep the raw collapsed stacks here")
    parser.add_argument(
        "--no-record", action="store_true", help="no py-spy: only /feed latency and the bot's CPU"
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    print(asyncio.run(profile(parser.parse_args(argv))))


if __name__ == "__main__":
    main()
