"""Health: the running bot keeps a heartbeat file fresh; ``python -m bot health`` judges it.

A container's HEALTHCHECK runs in a separate process and cannot ask the bot's event loop
anything. So the bot writes what it knows every interval (gateway connected, database
answering, when, which pid), atomically, and the check reads it. A stuck event loop stops
writing, which shows up as a stale file: a "healthy" flag alone would never reveal that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import HealthSettings

if TYPE_CHECKING:  # the health command stays quick to start: no discord.py import there
    import discord

    from bot.db.engine import Database

_log = logging.getLogger(__name__)

STALE_AFTER_INTERVALS = 3
DATABASE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str


def probe_gateway(client: discord.Client) -> Probe:
    """Connected means: ready (on_ready ran), not closing, and every shard's websocket open.

    Latency is reported, not required: it stays infinite until the first heartbeat ACK,
    which Discord only asks for after ~41 s, and discord.py itself drops a connection
    whose ACKs stop (the shard then shows as closed until it reconnects).
    """
    if client.is_closed():
        return Probe(False, "client closed")
    if not client.is_ready():
        return Probe(False, "not ready yet")
    shards: dict[int, Any] = getattr(client, "shards", {})
    closed = sorted(shard_id for shard_id, shard in shards.items() if shard.is_closed())
    if closed:
        return Probe(False, f"websocket closed for shard(s) {', '.join(map(str, closed))}")
    latency = client.latency
    shown = f"{latency * 1000:.0f} ms" if math.isfinite(latency) else "not measured yet"
    return Probe(True, f"{len(shards) or 1} shard(s), latency {shown}")


async def probe_database(database: Database, timeout: float) -> Probe:
    from sqlalchemy import text  # imported here so that `health` never pays for it

    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout), database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except TimeoutError:
        return Probe(False, f"SELECT 1 timed out after {timeout:g} s")
    except Exception as exc:  # any failure to answer is the finding, whatever its type
        # The driver's first line says what failed; URLs (and passwords) are not in it.
        reason = (str(exc).strip().splitlines() or [""])[0][:200]
        return Probe(False, f"{type(exc).__name__}: {reason}".rstrip(": "))
    return Probe(True, f"SELECT 1 in {(time.perf_counter() - started) * 1000:.0f} ms")


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Readers see the old file or the new one, never half of one (rename is atomic)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)


class Heartbeat:
    """``async with Heartbeat(bot, database, settings):`` writes the file until stopped."""

    def __init__(
        self, client: discord.Client, database: Database, settings: HealthSettings
    ) -> None:
        self.client = client
        self.database = database
        self.path = Path(settings.file)
        self.interval = settings.interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._last_healthy: bool | None = None

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.create_task(self._run(), name="heartbeat")
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop writing and remove the file: a stopping bot is not healthy (idempotent)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)

    async def beat(self) -> dict[str, Any]:
        """Probe once and write the file; returns what was written."""
        gateway = probe_gateway(self.client)
        database = await probe_database(self.database, min(DATABASE_TIMEOUT_SECONDS, self.interval))
        record = {
            "time": time.time(),
            "pid": os.getpid(),
            "gateway": asdict(gateway),
            "database": asdict(database),
        }
        # A few hundred bytes, written synchronously: a write still running in a worker
        # thread could recreate the file after stop() removed it.
        write_atomically(self.path, record)
        self._log_change(gateway, database)
        return record

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_beat = loop.time()
        while True:
            try:
                await self.beat()
            except Exception:  # a full disk must not kill the bot; the file goes stale instead
                _log.warning("Could not write the heartbeat file %s", self.path, exc_info=True)
            # A fixed rate, so slow probes do not stretch the interval the check relies on.
            next_beat += self.interval
            await asyncio.sleep(max(0.0, next_beat - loop.time()))

    def _log_change(self, gateway: Probe, database: Probe) -> None:
        healthy = gateway.ok and database.ok
        if healthy and self._last_healthy is not True:
            _log.info("Healthy: gateway %s; database %s", gateway.detail, database.detail)
        elif not healthy and self._last_healthy is True:
            _log.warning("Unhealthy: %s", "; ".join(_problems(gateway, database)))
        self._last_healthy = healthy


def _problems(gateway: Probe, database: Probe) -> list[str]:
    problems = []
    if not gateway.ok:
        problems.append(f"gateway not connected ({gateway.detail})")
    if not database.ok:
        problems.append(f"database check failed ({database.detail})")
    return problems


def check(settings: HealthSettings, now: float | None = None) -> tuple[bool, str]:
    """Judge the heartbeat file: (healthy, the one line that says why)."""
    path = Path(settings.file)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        stamp, pid = float(record["time"]), int(record["pid"])
        gateway, database = Probe(**record["gateway"]), Probe(**record["database"])
    except FileNotFoundError:
        return False, f"unhealthy: no heartbeat file at {path} (bot not running or not started)"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return False, f"unhealthy: unreadable heartbeat file {path} ({type(exc).__name__})"
    age = (time.time() if now is None else now) - stamp
    limit = STALE_AFTER_INTERVALS * settings.interval_seconds
    if age > limit:
        return False, (
            f"unhealthy: heartbeat is {age:.0f} s old (limit {limit:g} s): "
            f"process {pid} stopped or stuck"
        )
    problems = _problems(gateway, database)
    if problems:
        return False, f"unhealthy: {'; '.join(problems)}"
    return True, (
        f"healthy: gateway {gateway.detail}; database {database.detail}; "
        f"heartbeat {max(age, 0):.1f} s old (pid {pid})"
    )
