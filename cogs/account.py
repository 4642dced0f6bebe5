"""/account: your own account. ``profile`` first; later issues add more subcommands here."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.client import MicroblogBot
from bot.front.components import ProfileForm, chat_user
from bot.services.social import SocialService


class AccountCog(commands.GroupCog, group_name="account"):
    """Your microblog account."""

    def __init__(self, social: SocialService) -> None:
        self.social = social

    @app_commands.command()
    async def profile(self, interaction: discord.Interaction) -> None:
        """Change your display name and bio (opens a private form)."""
        # A modal must be the first response: this only reads (WAL readers never wait).
        current = await self.social.profile(chat_user(interaction), touch=False)
        await interaction.response.send_modal(ProfileForm(current.display_name, current.bio))


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(AccountCog(bot.services.social))
