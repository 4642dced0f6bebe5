"""/ping: answers at once. Server admins use it to check the bot is alive; the benchmarks use
it as the floor every other command's latency is measured against."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.client import MicroblogBot
from bot.front.i18n import messages
from bot.front.tree import everywhere


class MetaCog(commands.Cog):
    @everywhere
    @app_commands.command()
    async def ping(self, interaction: discord.Interaction) -> None:
        """Check that the bot is alive (only you see the answer)."""
        latency = interaction.client.latency
        _ = messages(interaction)
        shown = f"{latency * 1000:.0f} ms" if latency == latency and latency < 1e6 else _("unknown")
        await interaction.response.send_message(
            _("Pong! Gateway heartbeat latency: {latency}.", latency=shown),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(MetaCog())
