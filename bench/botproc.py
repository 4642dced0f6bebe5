"""The bot under test: its own process, ``python -m bot run --config FILE``, a real config."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.machine import cpu_seconds, memory_kib
from bot.config import write_config
from bot.ops.loopwatch import RECENT_WINDOWS
from discord_double import DiscordDouble

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def production_config(
    double: DiscordDouble, database_url: str, loop_stats: Path
) -> dict[str, dict[str, object]]:
    """Production settings (bcrypt cost 12, 10 s post cooldown, INFO logs) aimed at the double."""
    return {
        "discord": double.bot_settings(),
        "database": {"url": database_url},
        "auth": {"bcrypt_rounds": 12},
        "logging": {"level": "INFO"},
        "diagnostics": {"loop_stats_file": str(loop_stats)},
    }


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    log: Path
    loop_stats_file: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def memory_mib(self) -> dict[str, float]:
        return {key: round(kib / 1024, 1) for key, kib in memory_kib(self.pid).items()}

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def loop_stats(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self.loop_stats_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextlib.asynccontextmanager
async def running_bot(
    double: DiscordDouble, database_url: str, workdir: Path
) -> AsyncIterator[BotProcess]:
    """Start the bot process, wait until its gateway session is ready; SIGTERM it afterwards."""
    loop_stats = workdir / "loop-stats.json"
    config = write_config(
        workdir / "config.toml", production_config(double, database_url, loop_stats)
    )
    log = workdir / "bot.log"
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL"}}
    with log.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )
        bot = BotProcess(process, log, loop_stats)
        try:
            await _wait_ready(double, bot)
            yield bot
        finally:
            code = await _stop(bot)
    if code != 0:  # reached only when the run itself went well; else its error wins
        raise RuntimeError(f"the bot stopped with code {code}:\n{bot.log_tail()}")


async def _wait_ready(double: DiscordDouble, bot: BotProcess) -> None:
    ready = asyncio.ensure_future(double.wait_for_ready(timeout=START_TIMEOUT))
    exited = asyncio.ensure_future(bot.process.wait())
    try:
        await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            raise RuntimeError(f"the bot exited while starting:\n{bot.log_tail()}")
        ready.result()
    finally:
        for future in (ready, exited):
            future.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await future


async def _stop(bot: BotProcess) -> int:
    process = bot.process
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
    return -1 if process.returncode is None else process.returncode


def stall_between(stats: dict[str, Any], start: float, end: float) -> float | None:
    """Worst event-loop stall (ms) in the watch's one-second windows overlapping [start, end]
    (monotonic seconds); None if the stats no longer reach back that far."""
    recent = stats.get("recent") or []
    if not recent or recent[-1][0] < end:
        return None
    # The oldest window starts when the watch did, unless older windows were dropped.
    previous_end = stats["started_at"] if len(recent) < RECENT_WINDOWS else recent[0][0]
    if start < previous_end:
        return None
    worst = 0.0
    for window_end, lateness_ms in recent:
        if window_end >= start and previous_end <= end:
            worst = max(worst, float(lateness_ms))
        previous_end = window_end
    return worst
