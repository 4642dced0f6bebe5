"""The event-loop watch: sees a blocking call as a stall, writes JSON, costs nothing when off."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from bot.config import DiagnosticsSettings
from bot.ops.loopwatch import watching_loop


async def test_a_blocking_call_shows_up_as_a_stall(tmp_path: Path) -> None:
    stats_file = tmp_path / "loop.json"
    async with watching_loop(DiagnosticsSettings(loop_stats_file=str(stats_file))):
        await asyncio.sleep(0.05)  # some calm samples first
        time.sleep(0.12)  # noqa: ASYNC251 (the mistake the watch exists to catch)
        await asyncio.sleep(0.05)
    stats = json.loads(stats_file.read_text())
    # At most one interval (10 ms) of the stall can hide inside the wait for the timer.
    assert 100 <= stats["max_ms"] < 400
    histogram = stats["histogram_ms"]
    assert histogram["<=200"] + histogram["<=500"] >= 1
    assert stats["samples"] == sum(histogram.values()) >= 5
    assert stats["recent"] and stats["recent"][-1][1] == stats["max_ms"]
    assert not (tmp_path / "loop.json.tmp").exists()


async def test_off_by_default(tmp_path: Path) -> None:
    async with watching_loop(DiagnosticsSettings()) as watch:
        await asyncio.sleep(0.02)
    assert watch is None
    assert list(tmp_path.iterdir()) == []
