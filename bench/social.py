"""/home beside /feed: the home timeline of accounts following 10, 1,000 and 5,000 others.

Seeding: one benchmark account per follow count, each logged in through a seeded session
and following that many authors drawn uniformly (fixed seed) from every author, so a
follow set holds busy and quiet accounts alike, as a real one does. The plan's authors
(8,000 in the full run) share the posts by Zipf weights, so a follow set of 10 sees about
one post in 2,500, one of 5,000 about half of them. Counters are set as the bot keeps them.

Measurement: /feed and each /home interleaved, at the plan's latency rate, in one phase at
the largest size, so every row meets the same machine. Target: /home p99 at the largest
follow count within ``HOME_FACTOR`` of /feed p99.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.load import open_loop
from bench.scenarios import BackendBench, describe_probes
from bench.seed import Seeder
from discord_double import DiscordDouble, InteractionHandle, User

HOME_FACTOR = 1.5
HOME_TITLE = "Home timeline of"


@dataclass(frozen=True)
class HomeUser:
    follows: int
    user: User
    account_id: int

    @property
    def kind(self) -> str:
        return f"home_{self.follows}"


def label(kind: str) -> str:
    return "/feed" if kind == "feed" else f"/home, {int(kind.split('_')[1]):,} follows"


async def seed_home_users(
    double: DiscordDouble,
    seeder: Seeder,
    follow_counts: Sequence[int],
    author_ids: Sequence[int],
    password_hash: str,
) -> list[HomeUser]:
    """The accounts whose /home is measured, their sessions, their follows and counters."""
    rng = random.Random(12)  # noqa: S311 (repeatable follow sets, not secrets)
    names = [f"home_{count}" for count in follow_counts]
    ids = await seeder.add_accounts(names, password_hash)
    users = [double.add_user(f"{name}_discord") for name in names]
    await seeder.add_sessions(
        [(user.id, ids[name]) for user, name in zip(users, names, strict=True)]
    )
    follows = []
    for name, count in zip(names, follow_counts, strict=True):
        if count > len(author_ids):
            raise ValueError(f"{count} follows need at least as many authors")
        follows += [(ids[name], followed) for followed in rng.sample(list(author_ids), count)]
    await seeder.add_follows(follows)
    await seeder.recount()
    return [
        HomeUser(count, user, ids[name])
        for count, user, name in zip(follow_counts, users, names, strict=True)
    ]


def _home_page(handle: InteractionHandle) -> bool:
    texts = handle.messages[0].texts if handle.messages else []
    return bool(texts) and texts[0].startswith(f"## {HOME_TITLE}")


def _feed_page(handle: InteractionHandle) -> bool:
    texts = handle.messages[0].texts if handle.messages else []
    return bool(texts) and texts[0] == "## Latest posts"


async def home_latency(
    bench: BackendBench, home_users: Sequence[HomeUser], posts: int
) -> dict[str, Any]:
    """/feed and every /home, interleaved; visible-answer latency of each."""
    double, tracker, plan = bench.double, bench.tracker, bench.plan
    by_kind = {user.kind: user for user in home_users}
    kinds = ("feed", *by_kind)
    readers = bench.population.people

    def send(index: int) -> Any:
        kind = kinds[index % len(kinds)]
        if kind == "feed":
            reader = readers[index % len(readers)]
            return tracker.send(kind, _feed_page, lambda: double.send_slash(reader, "feed"))
        user = by_kind[kind].user
        return tracker.send(kind, _home_page, lambda: double.send_slash(user, "home"))

    # Discarded first: cold caches along each follow set's index pages.
    warm = await open_loop(50, plan.warmup * len(kinds), send)
    await tracker.settle(warm, plan.settle_timeout)
    tracker.forget_finished()
    start = time.monotonic()
    probes = await open_loop(plan.latency_rate, plan.latency_per_command * len(kinds), send)
    await tracker.settle(probes, plan.settle_timeout)
    result: dict[str, Any] = {
        "posts": posts,
        "rate": plan.latency_rate,
        "rows": {kind: describe_probes([p for p in probes if p.kind == kind]) for kind in kinds},
        "window": (start, time.monotonic()),
    }
    tracker.forget_finished()
    return result


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """/home p99 at the largest follow count within HOME_FACTOR x /feed p99, per backend."""
    found = []
    for name, backend in results["backends"].items():
        home = backend.get("home")
        if not home:
            continue
        rows = home["rows"]
        largest = max((k for k in rows if k != "feed"), key=lambda k: int(k.split("_")[1]))
        feed_p99, home_p99 = rows["feed"]["final_ms"]["p99"], rows[largest]["final_ms"]["p99"]
        ratio = home_p99 / feed_p99 if feed_p99 and home_p99 is not None else None
        found.append(
            {
                "target": f"{name}, {home['posts']:,} posts: {label(largest)} p99 within "
                f"{HOME_FACTOR:g}x /feed p99",
                "value": f"{home_p99} ms vs {feed_p99} ms: {ratio:.2f}x" if ratio else "n/a",
                "met": ratio is not None and ratio <= HOME_FACTOR,
            }
        )
    return found


def markdown(results: dict[str, Any]) -> list[str]:
    """The /home table (empty when the run had no home section)."""
    rows = []
    for name, backend in results["backends"].items():
        home = backend.get("home")
        if not home:
            continue
        feed_p99 = home["rows"]["feed"]["final_ms"]["p99"]
        for kind, stats in home["rows"].items():
            final = stats["final_ms"]
            factor = f"{final['p99'] / feed_p99:.2f}" if final["p99"] and feed_p99 else ""
            rows.append(
                [
                    name,
                    f"{home['posts']:,}",
                    label(kind),
                    f"{final['p50']} / {final['p95']} / {final['p99']}",
                    factor,
                    stats["ok"],
                    stats["errors"] + stats["timeouts"],
                    home.get("loop_max_ms"),
                ]
            )
    if not rows:
        return []
    header = ["backend", "posts", "command", "final", "x /feed p99", "n", "failed", "max stall"]
    lines = [
        "## Home timeline beside /feed (ms, p50 / p95 / p99)",
        "",
        "*final*: INTERACTION_CREATE sent to the visible answer. /feed and each /home "
        "interleaved in one phase (open loop); each /home user follows that many authors, "
        "drawn uniformly from all of them.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]
