"""Posts due feed summaries into channels, each independently of the others.

One tick: claim what is due (a lease per subscription), then send every claimed summary
concurrently, so a slow or failing channel never holds up the rest beyond its own retry.
How each Discord answer is handled:
- accepted: the cursor advances (DigestService.delivered);
- 403 missing access / permissions (50001, 50013): the subscription pauses with the reason;
- 404 unknown channel (10003): the subscription is removed;
- 429: discord.py waits as Discord says and retries by itself;
- 5xx, timeouts, network errors: retried on a later tick, waiting longer each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid

import aiohttp
import discord
from discord.ext import tasks

from bot.config import DigestSettings
from bot.front.cards import summary_card
from bot.front.i18n import language_of, messages_in
from bot.services.digests import DigestService
from bot.telemetry import DIGEST_SENDS

_log = logging.getLogger(__name__)
UNKNOWN_CHANNEL = 10003


def process_identity() -> str:
    """Names this process in lease rows: readable in the database, unique per start."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DigestScheduler:
    def __init__(
        self,
        client: discord.Client,
        service: DigestService,
        settings: DigestSettings,
        *,
        shard_count: int | None = None,
        shard_ids: tuple[int, ...] | None = None,
        owner: str | None = None,
    ) -> None:
        self.client = client
        self.service = service
        self.settings = settings
        self.shard_count = shard_count
        self.shard_ids = shard_ids
        self.owner = owner or process_identity()
        self._sends = asyncio.Semaphore(settings.max_parallel_sends)
        # discord.ext.tasks: a fixed interval, reconnect-aware, cancellable as a unit.
        self._loop = tasks.loop(seconds=settings.tick_seconds, name="digest-scheduler")(
            self._tick_and_survive
        )

    def start(self) -> None:
        if not self._loop.is_running():
            self._loop.start()

    async def stop(self) -> None:
        """Cancel the loop and wait until it has stopped (a tick in flight is cancelled)."""
        task = self._loop.get_task()
        self._loop.cancel()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def tick(self) -> int:
        """One pass: send every due summary this process can claim; returns how many."""
        claimed = await self.service.claim_due(self.owner, self.shard_count, self.shard_ids)
        results = await asyncio.gather(*(self._deliver(i) for i in claimed), return_exceptions=True)
        for subscription_id, result in zip(claimed, results, strict=True):
            if isinstance(result, BaseException):
                _log.error("Digest %s failed unexpectedly", subscription_id, exc_info=result)
        return sum(1 for result in results if result is True)

    async def _tick_and_survive(self) -> None:
        try:
            await self.tick()
        except Exception:  # the database may be briefly away: try again next tick
            _log.exception("Digest tick failed")

    async def _deliver(self, subscription_id: int) -> bool:
        async with self._sends:
            summary = await self.service.prepare(subscription_id, self.owner)
            if summary is None:
                return False
            channel = self.client.get_partial_messageable(summary.channel_id)
            guild = self.client.get_guild(summary.guild_id)
            # The server's language (Community servers set it); English when not known.
            _ = messages_in(language_of(guild.preferred_locale if guild else None))
            try:
                message = await asyncio.wait_for(
                    channel.send(
                        view=summary_card(summary, _),  # Components V2: no content, no embeds
                        nonce=summary.nonce,  # discord.py adds enforce_nonce
                        silent=True,
                        allowed_mentions=discord.AllowedMentions.none(),
                    ),
                    timeout=self.settings.send_timeout_seconds,
                )
            except discord.Forbidden as error:
                reason = f"Discord refused access to <#{summary.channel_id}> (error {error.code})."
                _log.warning("Digest %s paused: %s", subscription_id, reason)
                DIGEST_SENDS.labels("paused").inc()
                await self.service.pause_for(
                    subscription_id,
                    self.owner,
                    f"{reason} Give the bot View Channel, Send Messages and Embed Links "
                    "there, then /digest resume.",
                )
                return False
            except discord.NotFound as error:
                if error.code != UNKNOWN_CHANNEL:
                    DIGEST_SENDS.labels("retry").inc()
                    await self.service.retry_later(subscription_id, self.owner, str(error))
                    return False
                _log.info("Digest %s removed: its channel is gone", subscription_id)
                DIGEST_SENDS.labels("removed").inc()
                await self.service.remove_gone(subscription_id, self.owner)
                return False
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
                description = f"{type(error).__name__}: {error}"[:300]
                _log.warning("Digest %s will be retried: %s", subscription_id, description)
                DIGEST_SENDS.labels("retry").inc()
                await self.service.retry_later(subscription_id, self.owner, description)
                return False
            DIGEST_SENDS.labels("sent").inc()
            return await self.service.delivered(subscription_id, self.owner, message.id)
