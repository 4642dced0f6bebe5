"""Running the bot: endpoints, services, the gateway, and a clean stop on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal

from bot.app import Services, open_services
from bot.config import Settings
from bot.front.client import MicroblogBot
from bot.front.endpoints import use_endpoints
from bot.front.metering import GatewayCollector
from bot.front.sync import sync_commands
from bot.ops.health import Heartbeat
from bot.ops.loopwatch import watching_loop
from bot.ops.metrics import PoolCollector, serving_metrics

_log = logging.getLogger(__name__)
DRAIN_SECONDS = 5.0  # in-flight commands may finish this long after the gateway closes


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until the gateway fails for good, or ``stop`` is set (SIGINT/SIGTERM set it)."""
    use_endpoints(settings.discord)
    stop = stop or asyncio.Event()
    _install_signal_handlers(stop)
    _freeze_startup_heap()
    metrics_on = settings.metrics.port > 0
    async with (
        open_services(settings) as services,
        watching_loop(settings.diagnostics, for_metrics=metrics_on),
    ):
        _freeze_startup_heap()  # again: Alembic's modules, when this start migrated
        bot = MicroblogBot(services)
        with serving_metrics(
            settings.metrics, GatewayCollector(bot), PoolCollector(services.database)
        ):
            await _serve(bot, services, settings, stop)
    _log.info("Stopped cleanly")


async def _serve(
    bot: MicroblogBot, services: Services, settings: Settings, stop: asyncio.Event
) -> None:
    """The gateway runs until it fails for good or ``stop`` is set; then a clean stop."""
    async with bot, Heartbeat(bot, services.database, settings.health) as heartbeat:
        runner = asyncio.create_task(bot.start(settings.discord.token), name="gateway")
        stopper = asyncio.create_task(stop.wait(), name="stop-signal")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        _log.info("Shutting down")
        await heartbeat.stop()  # unhealthy from now on, not 3 intervals later
        await bot.close()
        stopper.cancel()
        await _drain({runner, stopper})
        if runner in done:
            runner.result()  # a login failure or fatal gateway error surfaces here


async def sync_only(settings: Settings, guild_id: int | None, force: bool) -> bool:
    """Log in over REST only (no gateway) and register the commands."""
    use_endpoints(settings.discord)
    async with open_services(settings) as services:
        # Registering commands must not also start sending due feed summaries.
        bot = MicroblogBot(services, sync_on_start=False, run_scheduler=False)
        async with bot:
            await bot.login(settings.discord.token)
            return await sync_commands(bot, guild_id, force=force)


async def _drain(exclude: set[asyncio.Task[object]]) -> None:
    """Let commands already running finish (their transactions commit or roll back whole)."""
    current = asyncio.current_task()
    pending = {t for t in asyncio.all_tasks() if t is not current and t not in exclude}
    if pending:
        _, still = await asyncio.wait(pending, timeout=DRAIN_SECONDS)
        for task in still:
            task.cancel()  # a cancelled transaction rolls back: nothing half-written
    for task in exclude:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            if task.done():
                continue
            await task


def _freeze_startup_heap() -> None:
    """Keep the garbage collector off the ~100k objects the imports leave behind for good.

    discord.py, SQLAlchemy and our own modules make a large, permanent heap (and Alembic,
    when a start migrates; zxcvbn freezes its own when first used); every full collection
    walked all of it, stalling the event loop for 60-130 ms each time under load. Frozen, a
    full collection only walks what came later (under 1 ms).
    """
    gc.collect()  # garbage from the imports is freed, not frozen
    gc.freeze()


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
