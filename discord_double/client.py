"""Pointing the real discord.py client at a double, and running a bot against it in tests.

discord.py reads two class attributes: ``Route.BASE`` for every REST call (interaction
callbacks and webhooks included) and ``DiscordWebSocket.DEFAULT_GATEWAY`` for the gateway.
Both are process-global, so they are changed in a context manager that restores them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import discord

    from .double import DiscordDouble


@contextlib.contextmanager
def point_discord_at(api_base_url: str, gateway_url: str) -> Iterator[None]:
    """Route discord.py's REST and gateway traffic to ``api_base_url`` / ``gateway_url``."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = api_base_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


class BotRunner:
    """A discord.py client started against a double; ``stop()`` closes it and restores URLs."""

    def __init__(self, client: discord.Client, double: DiscordDouble) -> None:
        self.client = client
        self.double = double
        self.task: asyncio.Task[None] | None = None
        self._pointing = contextlib.ExitStack()

    async def start(self, *, ready_timeout: float = 10.0) -> discord.Client:
        """Start the client as a task and wait until discord.py dispatched ``on_ready``.

        A failure while starting (bad token, a crash in ``setup_hook``) is raised here rather
        than as a timeout.
        """
        self._pointing.enter_context(
            point_discord_at(self.double.api_base_url, self.double.gateway_url)
        )
        self.task = asyncio.create_task(self.client.start(self.double.token), name="double-bot")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ready_timeout
        try:
            while not self.client.is_ready():
                if self.task.done():
                    self.task.result()  # raises what broke the start
                    raise RuntimeError("discord.py client stopped before it was ready")
                if loop.time() > deadline:
                    raise TimeoutError(f"discord.py client not ready after {ready_timeout:g}s")
                await asyncio.sleep(0.01)
        except BaseException:
            await self.stop()
            raise
        return self.client

    async def stop(self) -> None:
        """Close the client, wait for its task, and restore discord.py's URLs."""
        try:
            if not self.client.is_closed():
                await self.client.close()
            if self.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(self.task, timeout=10)
        finally:
            self._pointing.close()


async def start_bot(
    client: discord.Client, double: DiscordDouble, *, ready_timeout: float = 10.0
) -> BotRunner:
    """Point discord.py at ``double``, start ``client`` and wait for ``on_ready``."""
    runner = BotRunner(client, double)
    await runner.start(ready_timeout=ready_timeout)
    return runner


@contextlib.asynccontextmanager
async def running_bot(
    client: discord.Client, double: DiscordDouble, *, ready_timeout: float = 10.0
) -> AsyncIterator[discord.Client]:
    """``async with running_bot(bot, double):`` for a test body; always cleans up."""
    runner = await start_bot(client, double, ready_timeout=ready_timeout)
    try:
        yield client
    finally:
        await runner.stop()
