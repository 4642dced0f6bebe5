"""Where discord.py sends its traffic: Discord, a REST/gateway proxy, or the loopback double."""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl

from bot.config import DiscordSettings


def use_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py at the configured REST base and gateway.

    Route.BASE is read whenever a request is built (interaction callbacks and webhooks
    too), DEFAULT_GATEWAY whenever a non-sharded connection or a resume starts.
    """
    discord.http.Route.BASE = settings.api_base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
