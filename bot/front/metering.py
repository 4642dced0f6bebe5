"""What the front tells the operator's metrics (bot.telemetry) about each interaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.telemetry import ANSWER_SECONDS, DEFERRALS, ERRORS, INTERACTIONS

if TYPE_CHECKING:
    from prometheus_client import Metric

OK, REFUSED, ERROR = "ok", "refused", "error"
_KINDS = {
    discord.InteractionType.application_command: "command",
    discord.InteractionType.component: "button",
    discord.InteractionType.modal_submit: "form",
}
_DEFERRED = (
    discord.InteractionResponseType.deferred_channel_message,
    discord.InteractionResponseType.deferred_message_update,
)


def _name(interaction: discord.Interaction) -> str:
    """The command's name, or a button's or form's route (``mb:<route>:...``): bounded."""
    if interaction.command is not None:
        return interaction.command.qualified_name
    custom = str((interaction.data or {}).get("custom_id", ""))
    parts = custom.split(":")
    return parts[1][:32] if len(parts) > 1 and parts[0] == "mb" else "unknown"


def record_answer(
    interaction: discord.Interaction, outcome: str, error: BaseException | None = None
) -> None:
    """Count one answered interaction and how long, from its creation, the answer took."""
    kind = _KINDS.get(interaction.type)
    if kind is None:
        return  # autocomplete and pings are not answers a person waits to read
    name = _name(interaction)
    INTERACTIONS.labels(kind, name, outcome).inc()
    elapsed = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    ANSWER_SECONDS.labels(kind, name).observe(max(0.0, elapsed))
    if interaction.response.type in _DEFERRED:
        DEFERRALS.labels(kind, name).inc()
    if error is not None:
        ERRORS.labels(type(_cause(error)).__name__).inc()


def _cause(error: BaseException) -> BaseException:
    """The error a command raised, not discord.py's wrapper around it."""
    while isinstance(error, app_commands.CommandInvokeError) and error.__cause__ is not None:
        error = error.__cause__
    return error


class GatewayCollector(Collector):
    """Per shard: heartbeat latency and whether the gateway is connected, read at scrape."""

    def __init__(self, client: discord.AutoShardedClient) -> None:
        self.client = client

    def collect(self) -> Iterator[Metric]:
        latency = GaugeMetricFamily(
            "microblog_gateway_latency_seconds",
            "Gateway heartbeat latency per shard (NaN until the first heartbeat).",
            labels=["shard"],
        )
        connected = GaugeMetricFamily(
            "microblog_gateway_connected",
            "1 while the shard's gateway connection is open, else 0.",
            labels=["shard"],
        )
        for shard_id, shard in sorted(self.client.shards.items()):
            latency.add_metric([str(shard_id)], shard.latency)
            connected.add_metric([str(shard_id)], 0.0 if shard.is_closed() else 1.0)
        yield latency
        yield connected
