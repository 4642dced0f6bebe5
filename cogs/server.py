"""/server: what a server's admins (Manage Server) choose to show in their server.

Declared as the group's default permission (Discord hides it from others), enforced by a
check (admins can override the declaration) and again by SafetyService.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import UserError
from bot.front.client import MicroblogBot
from bot.front.i18n import messages
from bot.front.rendering import COLOUR, cut, relative
from bot.front.tree import reply, server_only
from bot.services.safety import SafetyService
from cogs.safety import Username, usernames

can_manage = app_commands.checks.has_permissions(manage_guild=True)


@server_only
@app_commands.default_permissions(manage_guild=True)
class ServerCog(commands.GroupCog, group_name="server", group_description="Server admins"):
    def __init__(self, safety: SafetyService) -> None:
        super().__init__()
        self.safety = safety

    @app_commands.command()
    @app_commands.describe(user="The microblog username to hide in this server")
    @app_commands.autocomplete(user=usernames)
    @can_manage
    async def hide(self, interaction: discord.Interaction, user: Username) -> None:
        """Hide an account's posts in everything the bot shows in this server."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = await self.safety.hide_in_server(
            _guild_id(interaction),
            user,
            by=interaction.user.id,
            manages_server=_manages(interaction),
        )
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "**{name}**'s posts no longer appear in feeds and summaries in this server. "
                "Elsewhere nothing changes.",
                name=name,
            ),
        )

    @app_commands.command()
    @app_commands.describe(user="The microblog username to show again")
    @can_manage
    async def unhide(self, interaction: discord.Interaction, user: Username) -> None:
        """Show a hidden account's posts in this server again."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = await self.safety.unhide_in_server(
            _guild_id(interaction), user, manages_server=_manages(interaction)
        )
        _ = messages(interaction)
        await reply(interaction, _("**{name}**'s posts appear in this server again.", name=name))

    @app_commands.command()
    @can_manage
    async def hidden(self, interaction: discord.Interaction) -> None:
        """The accounts hidden in this server."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        rows = await self.safety.hidden_in_server(
            _guild_id(interaction), manages_server=_manages(interaction)
        )
        _ = messages(interaction)
        embed = discord.Embed(title=_("Accounts hidden in this server"), colour=COLOUR)
        if not rows:
            embed.description = _("None. /server hide hides an account here.")
        lines = [
            _("**{name}**, by <@{by}> {when}", name=name, by=by, when=relative(since))
            for name, by, since in rows
        ]
        if lines:
            embed.description = cut("\n".join(lines), 4096)
        await reply(interaction, embed=embed)

    @unhide.autocomplete("user")
    async def _hidden_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not _manages(interaction):
            return []
        try:
            rows = await self.safety.hidden_in_server(interaction.guild_id, manages_server=True)
        except Exception:  # autocomplete cannot show errors
            return []
        typed = current.strip().casefold()
        return [
            app_commands.Choice(name=name, value=name)
            for name, _, _ in rows
            if name.casefold().startswith(typed)
        ][:25]


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserError("Use /server in a server.")
    return interaction.guild_id


def _manages(interaction: discord.Interaction) -> bool:
    return bool(interaction.permissions.manage_guild)


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(ServerCog(bot.services.safety))
