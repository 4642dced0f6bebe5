"""The measurements on one backend: latency per command and size, the login storm, throughput.

Every interaction goes through the double to the bot process and back, so each number is what
a Discord user would wait for, minus Discord's own network.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from bench import conversations, safety
from bench.botproc import BotProcess
from bench.load import Probe, Tracker, open_loop
from bench.machine import cpu_seconds
from bench.stats import summary_ms
from discord_double import DiscordDouble, InteractionHandle, User

STORM_PASSWORD = "Zebra-Quantum-Marmalade-42"  # noqa: S105 (the seeded accounts' password)
# The order latency samples are interleaved in, so drift on the machine hits every row alike.
LATENCY_COMMANDS = ("ping", "feed", "feed_author", "post", *safety.LATENCY_COMMANDS)
P99_LIMIT_MS = 100.0  # the throughput criterion


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    latency_per_command: int  # samples of each command at each size
    latency_rate: float  # interactions per second, all commands together
    warmup: int  # discarded interactions after start and after each seeding
    storm_logins: int
    storm_feed_rate: float
    storm_baseline_seconds: float
    ramp_rates: tuple[float, ...]
    ramp_seconds: float
    authors: int
    posters: int  # logged-in users; /post rotates through them (10 s cooldown each)
    hash_repeats: int
    settle_timeout: float = 30.0
    home_follows: tuple[int, ...] = ()  # one /home user per count (bench/social.py)


FULL = Plan(
    sizes=(10_000, 100_000, 1_000_000),
    latency_per_command=300,
    latency_rate=40,
    warmup=20,
    storm_logins=50,
    storm_feed_rate=20,
    storm_baseline_seconds=3,
    ramp_rates=(50, 100, 150, 200, 300, 400, 600, 800, 1000, 1200, 1600),
    ramp_seconds=4,
    authors=8000,  # enough for a /home user following 5,000 of them
    posters=400,
    hash_repeats=5,
    home_follows=(10, 1000, 5000),
)
QUICK = Plan(
    sizes=(200, 2_000),
    latency_per_command=12,
    latency_rate=50,
    warmup=4,
    storm_logins=4,
    storm_feed_rate=20,
    storm_baseline_seconds=0.5,
    ramp_rates=(20, 40),
    ramp_seconds=1,
    authors=50,
    posters=30,
    hash_repeats=1,
    home_follows=(2, 10, 40),
)


@dataclass
class Population:
    people: list[User]  # logged in through seeded sessions; everyone reads, posters post
    storm: list[tuple[User, str]]  # logged out, with the account name they will log in to
    authors: list[str]  # seeded authors' usernames, most prolific first
    author_weights: list[float]


# What a correct answer looks like, per command (anything else counts as an error).
def _pong(handle: InteractionHandle) -> bool:
    return bool(handle.messages) and handle.messages[0].content.startswith("Pong!")


def _feed_page(title: str) -> Callable[[InteractionHandle], bool]:
    def judge(handle: InteractionHandle) -> bool:
        texts = handle.messages[0].texts if handle.messages else []
        return bool(texts) and texts[0].startswith(f"## {title}")

    return judge


def _posted(handle: InteractionHandle) -> bool:
    texts = handle.messages[0].texts if handle.messages else []
    return bool(texts) and texts[0].startswith("Posted!")


def _modal(handle: InteractionHandle) -> bool:
    return handle.recorded_modal is not None


def _logged_in(handle: InteractionHandle) -> bool:
    return bool(handle.messages) and handle.messages[0].content.startswith("Logged in as")


def describe_probes(probes: Sequence[Probe]) -> dict[str, Any]:
    ok = [p for p in probes if p.outcome == "ok"]
    failed = [p for p in probes if p.outcome != "ok"]
    return {
        "first_ms": summary_ms([p.first for p in ok if p.first is not None]),
        "final_ms": summary_ms([p.final for p in ok if p.final is not None]),
        "ok": len(ok),
        "errors": sum(p.outcome == "error" for p in failed),
        "timeouts": sum(p.outcome == "timeout" for p in failed),
        "error_examples": sorted({p.detail or p.outcome for p in failed})[:3],
    }


class BackendBench:
    """Drives one running bot; each method is one section of the report."""

    def __init__(
        self,
        double: DiscordDouble,
        tracker: Tracker,
        bot: BotProcess,
        population: Population,
        plan: Plan,
    ) -> None:
        self.double = double
        self.tracker = tracker
        self.bot = bot
        self.population = population
        self.plan = plan
        self.rng = random.Random(12)  # noqa: S311 (repeatable load, not secrets)
        self.cumulative_weights = list(accumulate(population.author_weights))
        self.posts_sent = 0

    # -- sending -------------------------------------------------------------------------
    def send(self, kind: str, index: int) -> Awaitable[Probe]:
        people = self.population.people
        user = people[index % len(people)]
        slash = self.double.send_slash
        if kind == "ping":
            return self.tracker.send(kind, _pong, lambda: slash(user, "ping"))
        if kind == "feed":
            return self.tracker.send(kind, _feed_page("Latest posts"), lambda: slash(user, "feed"))
        if kind == "feed_author":
            (author,) = self.rng.choices(
                self.population.authors, cum_weights=self.cumulative_weights
            )
            return self.tracker.send(
                kind, _feed_page("Posts by"), lambda: slash(user, "feed", {"user": author})
            )
        if kind in safety.LATENCY_COMMANDS:
            return safety.send(self, kind, index)
        if kind in conversations.KINDS:
            return conversations.send(self, kind, index)
        if kind == "post":
            # Round-robin over the posters: each posts again only after all the others.
            poster = people[self.posts_sent % len(people)]
            self.posts_sent += 1
            text = f"Benchmark post {self.posts_sent}: {self.rng.choice(SENTENCES)}"
            return self.tracker.send(
                kind, _posted, lambda: slash(poster, "post", {"content": text})
            )
        raise ValueError(kind)

    async def _run(self, kinds: Sequence[str], rate: float, count: int) -> list[Probe]:
        probes = await open_loop(rate, count, lambda i: self.send(kinds[i % len(kinds)], i))
        await self.tracker.settle(probes, self.plan.settle_timeout)
        return probes

    async def warm_up(self, kinds: Sequence[str]) -> None:
        """Discarded interactions: first connections, cold pages after a seeding."""
        await safety.prepare(self)
        await self._run((*kinds, *safety.LATENCY_COMMANDS), 50, self.plan.warmup * len(kinds))
        self.tracker.forget_finished()

    # -- a. and b.: latency per command, /ping being the floor --------------------------
    async def latency(self) -> dict[str, Any]:
        count = self.plan.latency_per_command * len(LATENCY_COMMANDS)
        start = time.monotonic()
        probes = await self._run(LATENCY_COMMANDS, self.plan.latency_rate, count)
        end = time.monotonic()
        result: dict[str, Any] = {
            kind: describe_probes([p for p in probes if p.kind == kind])
            for kind in LATENCY_COMMANDS
        }
        result["window"] = (start, end)
        self.tracker.forget_finished()
        return result

    # -- c. the login storm ----------------------------------------------------------------
    async def login_storm(self, cores: int, hash_seconds: float) -> dict[str, Any]:
        """Many /login submissions at once (bcrypt cost 12) while /feed runs at a steady rate."""
        plan, slash = self.plan, self.double.send_slash
        stop = asyncio.Event()
        feeds = asyncio.create_task(
            open_loop(plan.storm_feed_rate, 1_000_000, lambda i: self.send("feed", i), stop)
        )
        await asyncio.sleep(plan.storm_baseline_seconds)
        storm = self.population.storm
        opened = [
            await self.tracker.send("login", _modal, lambda u=user: slash(u, "login"))
            for user, _ in storm
        ]
        await self.tracker.settle(opened, 10)
        if not all(p.outcome == "ok" for p in opened):
            stop.set()
            await feeds
            raise RuntimeError(f"/login did not open its form: {describe_probes(opened)}")
        logins = await asyncio.gather(
            *(
                self.tracker.send(
                    "login_submit",
                    _logged_in,
                    lambda u=user, p=probe, n=name: self.double.submit_modal(
                        u, p.handle.recorded_modal, {"username": n, "password": STORM_PASSWORD}
                    ),
                )
                for (user, name), probe in zip(storm, opened, strict=True)
            )
        )
        await self.tracker.settle(list(logins), 60 + 2 * len(logins))
        storm_start = min(p.sent_at for p in logins)
        storm_end = max((p.finished_at or storm_start) for p in logins)
        await asyncio.sleep(1.0)  # a calm second after the storm, then stop the feed load
        stop.set()
        feed_probes = await feeds
        await self.tracker.settle(feed_probes, plan.settle_timeout)
        during = [p for p in feed_probes if storm_start <= p.sent_at <= storm_end]
        before = [p for p in feed_probes if p.sent_at < opened[0].sent_at]
        duration = storm_end - storm_start
        result = {
            "logins": describe_probes(list(logins)),
            "storm_seconds": round(duration, 2),
            "logins_per_second": round(len(logins) / duration, 2) if duration > 0 else None,
            "limit_per_second": round(cores / hash_seconds, 2),
            "feed_rate": plan.storm_feed_rate,
            "feed_during": describe_probes(during),
            "feed_before": describe_probes(before),
            "window": (storm_start, storm_end),
        }
        self.tracker.forget_finished()
        return result

    # -- d. throughput ---------------------------------------------------------------------
    async def throughput(self, kind: str) -> dict[str, Any]:
        """Raise the offered rate step by step; the best is the highest whose p99 holds."""
        steps: list[dict[str, Any]] = []
        best: dict[str, Any] | None = None
        failed_at: float | None = None
        start = time.monotonic()
        for rate in self.plan.ramp_rates:
            step = await self._step(kind, rate)
            steps.append(step)
            if not step["holds"]:
                failed_at = rate
                break
            best = step
        if best is not None and failed_at is not None:
            step = await self._step(kind, round((best["rate"] + failed_at) / 2))
            steps.append(step)
            best = step if step["holds"] else best
        return {
            "steps": steps,
            "max_rate": best["rate"] if best else None,
            "at_max": best,
            "limit_reached": failed_at is not None,
            "window": (start, time.monotonic()),
        }

    async def _step(self, kind: str, rate: float) -> dict[str, Any]:
        count = max(2, int(rate * self.plan.ramp_seconds))
        bot_cpu, driver_cpu = self.bot.cpu_seconds(), cpu_seconds(os.getpid())
        start = time.monotonic()
        probes = await self._run((kind,), rate, count)
        elapsed = time.monotonic() - start
        bot_cpu, driver_cpu = (
            self.bot.cpu_seconds() - bot_cpu,
            cpu_seconds(os.getpid()) - driver_cpu,
        )
        ok = [p for p in probes if p.outcome == "ok"]
        first_sent, last_sent = probes[0].sent_at, probes[-1].sent_at
        last_done = max((p.finished_at or last_sent) for p in probes)
        offered = (len(probes) - 1) / (last_sent - first_sent) if last_sent > first_sent else 0
        completed = len(ok) / (last_done - first_sent) if last_done > first_sent else 0
        stats = describe_probes(probes)
        p99 = stats["final_ms"]["p99"]
        # Why a step fails, first reason first; "" when it holds.
        if offered < 0.95 * rate:
            why = "driver"  # the driver could not send that fast: its limit, not the bot's
        elif len(ok) < count:
            why = "errors"
        elif p99 is None or p99 >= P99_LIMIT_MS:
            why = "p99"
        elif completed < 0.95 * rate:
            why = "behind"
        else:
            why = ""
        self.tracker.forget_finished()
        await asyncio.sleep(0.5)  # let queues drain between steps
        return {
            "rate": rate,
            "offered_per_second": round(offered, 1),
            "completed_per_second": round(completed, 1),
            "final_ms": stats["final_ms"],
            "errors": stats["errors"] + stats["timeouts"],
            "bot_cpu_percent": round(100 * bot_cpu / elapsed),
            "driver_cpu_percent": round(100 * driver_cpu / elapsed),
            "holds": not why,
            "why": why,
        }


SENTENCES = (
    "Shipped the new build, tests are green.",
    "Rain again. Good day for reading.",
    "Coffee first, code review second.",
    "The garden survived the weekend heat.",
    "Index added, query went from seconds to milliseconds.",
)
