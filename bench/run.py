"""One benchmark run: per backend, a fresh double, database and bot process, then every section."""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bcrypt

from bench import conversations, machine, search
from bench.botproc import running_bot, stall_between
from bench.databases import postgres_version, throwaway_database
from bench.load import driver_gc_paused, tracking
from bench.report import evaluate
from bench.scenarios import STORM_PASSWORD, BackendBench, Plan, Population
from bench.seed import Seeder, zipf_weights
from bench.social import home_latency, seed_home_users
from discord_double import DiscordDouble

BCRYPT_COST = 12  # production's default; the bot under test runs with it too


@dataclass(frozen=True)
class Options:
    plan: Plan
    backends: tuple[str, ...]
    postgres_url: str
    quick: bool
    command: str
    only: str | None = None  # "home", "conversations" or "search": seed, then that only


async def run_benchmarks(options: Options) -> dict[str, Any]:
    plan = options.plan
    pg_version = None
    if "postgres" in options.backends:
        pg_version = await postgres_version(options.postgres_url)
    hash_seconds = await asyncio.to_thread(
        machine.bcrypt_hash_seconds, BCRYPT_COST, plan.hash_repeats
    )
    cores = os.cpu_count() or 1
    password_hash = await asyncio.to_thread(
        lambda: bcrypt.hashpw(STORM_PASSWORD.encode(), bcrypt.gensalt(BCRYPT_COST)).decode()
    )
    results: dict[str, Any] = {
        "command": options.command,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": options.quick,
        "machine": machine.describe(pg_version),
        "bcrypt": {
            "cost": BCRYPT_COST,
            "hash_seconds": round(hash_seconds, 4),
            "limit_per_second": round(cores / hash_seconds, 2),
        },
        "plan": asdict(plan),
        "only": options.only,
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="microblog-bench-") as workdir:
        for backend in options.backends:
            directory = Path(workdir) / backend
            directory.mkdir()
            results["backends"][backend] = await run_backend(
                backend, options, directory, password_hash, cores, hash_seconds
            )
    results["targets"] = evaluate(results)
    return results


async def run_backend(
    backend: str,
    options: Options,
    workdir: Path,
    password_hash: str,
    cores: int,
    hash_seconds: float,
) -> dict[str, Any]:
    plan = options.plan
    async with (
        DiscordDouble() as double,
        throwaway_database(backend, workdir, options.postgres_url) as url,
    ):
        seeder = Seeder(backend, url)
        population, author_ids = await populate(double, seeder, plan, password_hash)
        home_users = await seed_home_users(
            double, seeder, plan.home_follows, author_ids, password_hash
        )
        scale = conversations.QUICK_SCALE if options.quick else conversations.FULL_SCALE
        talk = await conversations.seed(double, seeder, author_ids, password_hash, scale)
        async with running_bot(double, url, workdir) as bot:
            with tracking(double) as tracker, driver_gc_paused():
                bench = BackendBench(double, tracker, bot, population, plan)
                await bench.warm_up(("ping", "feed"))
                idle = bot.memory_mib()
                seeding: dict[str, Any] = {}
                latency: dict[str, Any] = {}
                searches: dict[str, Any] = {}
                for size in plan.sizes:
                    timing = await seeder.grow_posts(size, author_ids, population.author_weights)
                    seeding[str(size)] = timing.as_dict()
                    if options.only is None:
                        await bench.warm_up(("feed", "feed_author"))
                        latency[str(size)] = await bench.latency()
                    if options.only in (None, "search"):
                        queries = search.SearchQueries.pick(
                            seeder.corpus, population.authors, population.author_weights
                        )
                        searches[str(size)] = await search.search_latency(
                            bench, queries, plan.latency_per_command, plan.latency_rate
                        )
                home: dict[str, Any] = {}
                if home_users and options.only in (None, "home"):
                    home = await home_latency(bench, home_users, plan.sizes[-1])
                talking: dict[str, Any] = {}
                if options.only in (None, "conversations"):
                    talking = await conversations.latency(bench, talk, plan.sizes[-1])
                    conversations.prepare_likes(bench, talk)
                    talking["likes"] = await bench.throughput(conversations.LIKE)
                    talking["like_counts"] = await conversations.like_counts(seeder, talk.root_id)
                storm: dict[str, Any] = {}
                throughput: dict[str, Any] = {}
                if options.only is None:
                    storm = await bench.login_storm(cores, hash_seconds)
                    throughput = {kind: await bench.throughput(kind) for kind in ("ping", "feed")}
                after_load = bot.memory_mib()
                violations = list(double.violations)
        loop = bot.loop_stats() or {}
    # Each phase noted its time window; the watch's per-second maxima say how it went.
    phases = [*latency.values(), *searches.values(), storm, *throughput.values(), home, talking]
    if talking:
        phases.append(talking["likes"])
    for phase in phases:
        if phase:
            phase["loop_max_ms"] = stall_between(loop, *phase.pop("window"))
    return {
        "seeding": seeding,
        "latency": latency,
        "search": searches,
        "home": home,
        "conversations": talking,
        "storm": storm,
        "throughput": throughput,
        "memory": {"idle": idle, "after_load": after_load},
        "loop": {key: loop.get(key) for key in ("max_ms", "samples", "histogram_ms")},
        "violations": violations[:10],
    }


async def populate(
    double: DiscordDouble, seeder: Seeder, plan: Plan, password_hash: str
) -> tuple[Population, list[int]]:
    """Discord users in the double, their accounts and sessions in the database."""
    rng = random.Random(7)  # noqa: S311 (repeatable made-up names, not secrets)
    authors = author_names(plan.authors, rng)
    posters = [f"reader_{i:04d}" for i in range(plan.posters)]
    stormers = [f"storm_{i:03d}" for i in range(plan.storm_logins)]
    people = [double.add_user(name) for name in posters]
    storm_users = [double.add_user(f"{name}_discord") for name in stormers]
    ids = await seeder.add_accounts([*authors, *posters, *stormers], password_hash)
    await seeder.add_sessions(
        [(user.id, ids[name]) for user, name in zip(people, posters, strict=True)]
    )
    population = Population(
        people=people,
        storm=list(zip(storm_users, stormers, strict=True)),
        authors=authors,
        author_weights=zipf_weights(len(authors)),
    )
    return population, [ids[name] for name in authors]


FIRST = (  # noqa: SIM905 (a word list reads better as prose)
    "ada alex ana ben cleo dan eli eva finn gus hana ian ida jon kai lea leo liv max mia nia "
    "noah olga omar paz quinn rae rui sam sara tom uma val wes xin yara yuki zoe"
).split()
SECOND = (  # noqa: SIM905 (a word list reads better as prose)
    "bakes codes draws flies grows hikes jogs knits laughs makes naps paints reads runs "
    "sails sings skates swims travels writes"
).split()


def author_names(count: int, rng: random.Random) -> list[str]:
    """Distinct, plausible usernames ("mia.paints", "leo_codes7")."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(FIRST)}{rng.choice('._')}{rng.choice(SECOND)}"
        if name in seen:
            name += str(rng.randint(1, 9999))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
