"""Event-loop stalls, measured from inside: a timer due every 10 ms notes how late it ran.

A late timer means the loop could not run anything for that long (a blocking call, a long
callback, or the process starved of CPU), so every command waiting then was delayed as much.
The lateness is a lower bound on a stall: one that begins between two timers is seen minus
the part of the interval it overlapped, at most ``INTERVAL`` less.

Enabled by ``[diagnostics] loop_stats_file``: the JSON there is rewritten every second and at
exit, so a benchmark or an operator can read it while the bot runs. Cost: 100 timer
callbacks a second and one small file write a second. A timer callback rather than a task:
it is not a command, so the shutdown drain (which waits for running tasks) never waits on it.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import os
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.config import DiagnosticsSettings
from bot.telemetry import LOOP_STALL_SECONDS

INTERVAL = 0.010  # seconds between wake-ups
WRITE_EVERY = 1.0  # seconds between file writes (each also closes one "recent" window)
RECENT_WINDOWS = 900  # per-window maxima kept: 15 minutes at WRITE_EVERY
# Upper bounds (ms) of the histogram's buckets; a last bucket counts everything above.
BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class LoopWatch:
    """Collects wake-up lateness: the worst, a histogram, and the worst of each recent second.

    Times are ``time.monotonic()`` seconds, which on Linux other processes can compare with
    their own (the benchmark driver maps its phases onto the ``recent`` windows).
    """

    def __init__(self, path: Path | None, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self.started_at = time.monotonic()
        self.samples = 0
        self.max_ms = 0.0
        self.max_at: float | None = None
        self.counts = [0] * (len(BUCKETS_MS) + 1)
        self.window_max_ms = 0.0
        self.recent: deque[tuple[float, float]] = deque(maxlen=RECENT_WINDOWS)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0
        self._next_write = 0.0

    def observe(self, lateness: float, at: float) -> None:
        # The loop may run a timer up to its clock resolution early: that is not a stall.
        ms = max(0.0, lateness * 1000)
        LOOP_STALL_SECONDS.observe(ms / 1000)
        self.samples += 1
        self.counts[bisect.bisect_left(BUCKETS_MS, ms)] += 1
        self.window_max_ms = max(self.window_max_ms, ms)
        if ms > self.max_ms:
            self.max_ms, self.max_at = ms, at

    def close_window(self, at: float) -> None:
        self.recent.append((at, self.window_max_ms))
        self.window_max_ms = 0.0

    def snapshot(self) -> dict[str, Any]:
        labels = [f"<={bound}" for bound in BUCKETS_MS] + [f">{BUCKETS_MS[-1]}"]
        return {
            "pid": os.getpid(),
            "interval_ms": self.interval * 1000,
            "started_at": self.started_at,
            "written_at": time.monotonic(),
            "samples": self.samples,
            "max_ms": round(self.max_ms, 3),
            "max_at": self.max_at,
            "histogram_ms": dict(zip(labels, self.counts, strict=True)),
            # [end of window, worst lateness in it (ms)], oldest first.
            "recent": [[round(at, 3), round(ms, 3)] for at, ms in self.recent],
        }

    def write(self) -> None:
        if self.path is None:
            return  # watching for the metrics only
        # Write then rename, so a reader never sees half a file.
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(json.dumps(self.snapshot()), encoding="utf-8")
        os.replace(partial, self.path)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._next_write = time.monotonic() + WRITE_EVERY
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.close_window(time.monotonic())
        self.write()

    def _schedule(self) -> None:
        assert self._loop is not None
        self._due = self._loop.time() + self.interval
        self._handle = self._loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        assert self._loop is not None
        now = time.monotonic()
        self.observe(self._loop.time() - self._due, now)
        if now >= self._next_write:
            self.close_window(now)
            self.write()
            self._next_write = now + WRITE_EVERY
        self._schedule()


@asynccontextmanager
async def watching_loop(
    settings: DiagnosticsSettings, *, for_metrics: bool = False
) -> AsyncIterator[LoopWatch | None]:
    """Watch the running loop while the block runs: for ``loop_stats_file``, for the
    metrics' stall histogram, or both; a no-op when neither wants it."""
    if not settings.loop_stats_file and not for_metrics:
        yield None
        return
    watch = LoopWatch(Path(settings.loop_stats_file) if settings.loop_stats_file else None)
    watch.start(asyncio.get_running_loop())
    try:
        yield watch
    finally:
        watch.stop()
