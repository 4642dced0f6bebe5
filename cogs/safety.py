"""/block, /unblock, /mute, /unmute, /report: what anyone can do to protect themselves.

``user`` is always a microblog username (autocompleted), never a Discord member.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.client import MicroblogBot
from bot.front.components import ReportForm, chat_user
from bot.front.components.base import services_of
from bot.front.i18n import messages
from bot.front.tree import everywhere, reply
from bot.services.safety import SafetyService

Username = app_commands.Range[str, 1, 32]


async def usernames(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Microblog usernames starting with what was typed: every cog's user option uses this
    one callback and the one service method that /search's from: completion uses too."""
    try:
        found = await services_of(interaction).search.usernames(str(current)[:32])
    except Exception:  # autocomplete cannot show errors; no suggestions says enough
        return []
    return [app_commands.Choice(name=name, value=name) for name in found]


class SafetyCog(commands.Cog):
    def __init__(self, safety: SafetyService) -> None:
        self.safety = safety

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="The microblog username to block")
    @app_commands.autocomplete(user=usernames)
    async def block(self, interaction: discord.Interaction, user: Username) -> None:
        """Block an account: neither of you sees or reaches the other."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = await self.safety.block(chat_user(interaction), user)
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "Blocked **{name}**. You no longer see each other's posts, and neither of you "
                "can follow, reply to, mention, like or repost the other. /unblock undoes it.",
                name=name,
            ),
        )

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="The microblog username to unblock")
    @app_commands.autocomplete(user=usernames)
    async def unblock(self, interaction: discord.Interaction, user: Username) -> None:
        """Unblock an account."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = await self.safety.unblock(chat_user(interaction), user)
        _ = messages(interaction)
        await reply(interaction, _("Unblocked **{name}**.", name=name))

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="The microblog username to mute")
    @app_commands.autocomplete(user=usernames)
    async def mute(self, interaction: discord.Interaction, user: Username) -> None:
        """Mute an account: its posts leave your feeds and notifications. It is not told."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = await self.safety.mute(chat_user(interaction), user)
        _ = messages(interaction)
        await reply(
            interaction,
            _("Muted **{name}**: their posts no longer appear in your feeds.", name=name),
        )

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="The microblog username to unmute")
    @app_commands.autocomplete(user=usernames)
    async def unmute(self, interaction: discord.Interaction, user: Username) -> None:
        """Unmute an account."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = await self.safety.unmute(chat_user(interaction), user)
        _ = messages(interaction)
        await reply(interaction, _("Unmuted **{name}**.", name=name))

    @everywhere
    @app_commands.command()
    @app_commands.describe(post="The number of the post to report")
    async def report(
        self, interaction: discord.Interaction, post: app_commands.Range[int, 1]
    ) -> None:
        """Report a post to the moderators (opens a private form for the reason)."""
        await interaction.response.send_modal(ReportForm(messages(interaction), post))


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(SafetyCog(bot.services.safety))
