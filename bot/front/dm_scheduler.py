"""Sends notification DMs to the people who asked for them (/account notify dm:on).

The same pattern as feed summaries (``scheduler.DigestScheduler``): a ``discord.ext.tasks``
loop claims what is due with a lease per DM, pins the DM's content and nonce, sends with
``enforce_nonce``, and marks it delivered only after Discord accepted it, so several bot
processes on one database send each DM once. How each Discord answer is handled:
- accepted: what the DM covered is sent; the next waits ``dm_interval_minutes``;
- 403 with code 50007 (the user closed DMs or blocked the bot): DMs switch off, and the
  user is told why the next time they look (/notifications, /whoami);
- 404 unknown channel: the DM channel is opened anew next time;
- 429: discord.py waits as Discord says and retries by itself;
- 5xx, timeouts, network errors: retried on a later tick, waiting longer each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord
from discord.ext import tasks

from bot.config import NotificationSettings
from bot.front.components.notifications import dm_text
from bot.front.i18n import language_of, messages_in
from bot.front.scheduler import process_identity
from bot.services.notifications import DM_CLOSED, NotificationService
from bot.telemetry import DM_SENDS

_log = logging.getLogger(__name__)
CANNOT_MESSAGE_USER = 50007


class NotificationDmScheduler:
    def __init__(
        self,
        client: discord.Client,
        service: NotificationService,
        settings: NotificationSettings,
        *,
        owner: str | None = None,
    ) -> None:
        self.client = client
        self.service = service
        self.settings = settings
        self.owner = owner or process_identity()
        self._sends = asyncio.Semaphore(settings.max_parallel_sends)
        self._loop = tasks.loop(seconds=settings.tick_seconds, name="notification-dms")(
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
        """One pass: send every due DM this process can claim; returns how many were sent."""
        claimed = await self.service.claim_due(self.owner)
        results = await asyncio.gather(*(self._deliver(i) for i in claimed), return_exceptions=True)
        for session_id, result in zip(claimed, results, strict=True):
            if isinstance(result, BaseException):
                _log.error("Notification DM %s failed unexpectedly", session_id, exc_info=result)
        return sum(1 for result in results if result is True)

    async def _tick_and_survive(self) -> None:
        try:
            await self.tick()
        except Exception:  # the database may be briefly away: try again next tick
            _log.exception("Notification DM tick failed")

    async def _deliver(self, session_id: int) -> bool:
        async with self._sends:
            digest = await self.service.prepare(session_id, self.owner)
            if digest is None:
                return False
            text = dm_text(digest, messages_in(language_of(digest.locale)))
            channel_id = digest.dm_channel_id
            try:
                if channel_id is None:  # POST /users/@me/channels: once, then remembered
                    opened = await self.client.http.start_private_message(int(digest.chat_user_id))
                    channel_id = int(opened["id"])
                channel = self.client.get_partial_messageable(
                    channel_id, type=discord.ChannelType.private
                )
                await asyncio.wait_for(
                    channel.send(
                        text,
                        nonce=digest.nonce,  # discord.py adds enforce_nonce
                        allowed_mentions=discord.AllowedMentions.none(),
                    ),
                    timeout=self.settings.send_timeout_seconds,
                )
            except discord.Forbidden as error:
                if error.code != CANNOT_MESSAGE_USER:
                    return await self._retry(session_id, error)
                _log.info("Notification DMs to session %s switched off: 50007", session_id)
                DM_SENDS.labels("switched_off").inc()
                await self.service.switch_off(session_id, self.owner, DM_CLOSED)
                return False
            except discord.NotFound as error:
                # The DM channel is gone: it is opened anew on the next try.
                await self.service.forget_channel(session_id, self.owner)
                return await self._retry(session_id, error)
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
                return await self._retry(session_id, error)
            DM_SENDS.labels("sent").inc()
            return await self.service.delivered(session_id, self.owner, channel_id)

    async def _retry(self, session_id: int, error: BaseException) -> bool:
        description = f"{type(error).__name__}: {error}"[:300]
        _log.warning("Notification DM %s will be retried: %s", session_id, description)
        DM_SENDS.labels("retry").inc()
        await self.service.retry_later(session_id, self.owner, description)
        return False
