"""/follow, /unfollow, /home, /profile, /followers, /following: reading the people you choose."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.client import MicroblogBot
from bot.front.components import (
    chat_user,
    home_layout,
    name,
    people_layout,
    profile_layout,
)
from bot.front.i18n import messages
from bot.front.tree import everywhere, reply
from bot.services.social import SocialService
from cogs.safety import Username, usernames


class SocialCog(commands.Cog):
    def __init__(self, social: SocialService) -> None:
        self.social = social

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Their microblog username")
    @app_commands.autocomplete(user=usernames)
    async def follow(self, interaction: discord.Interaction, user: Username) -> None:
        """Follow someone: their posts appear in your /home."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.social.follow(chat_user(interaction), user)
        _ = messages(interaction)
        if result.changed:
            text = _(
                "You now follow {name}. Their posts appear in /home.", name=name(result.username)
            )
        else:
            text = _("You already follow {name}.", name=name(result.username))
        await reply(interaction, text)

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Their microblog username")
    @app_commands.autocomplete(user=usernames)
    async def unfollow(self, interaction: discord.Interaction, user: Username) -> None:
        """Stop following someone."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.social.unfollow(chat_user(interaction), user)
        _ = messages(interaction)
        if result.changed:
            text = _("You no longer follow {name}.", name=name(result.username))
        else:
            text = _("You were not following {name}.", name=name(result.username))
        await reply(interaction, text)

    @everywhere
    @app_commands.command()
    @app_commands.describe(share="Show the page to everyone in the channel (default: only you)")
    async def home(self, interaction: discord.Interaction, share: bool = False) -> None:
        """Your home timeline: your posts and those of the people you follow."""
        await interaction.response.defer(ephemeral=not share, thinking=True)
        page = await self.social.home(chat_user(interaction), guild_id=interaction.guild_id)
        await reply(interaction, view=home_layout(page, messages(interaction)), ephemeral=not share)

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Whose profile (default: yours)")
    @app_commands.autocomplete(user=usernames)
    async def profile(self, interaction: discord.Interaction, user: Username | None = None) -> None:
        """A profile: bio, counts, whether you follow each other, newest posts."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.social.profile(
            chat_user(interaction), user, guild_id=interaction.guild_id
        )
        await reply(interaction, view=profile_layout(found, messages(interaction)))

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Whose followers (default: yours)")
    @app_commands.autocomplete(user=usernames)
    async def followers(
        self, interaction: discord.Interaction, user: Username | None = None
    ) -> None:
        """Who follows someone, most recent first."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        page = await self.social.followers(
            chat_user(interaction), user, guild_id=interaction.guild_id
        )
        await reply(interaction, view=people_layout(page, messages(interaction), followers=True))

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Whose follows (default: yours)")
    @app_commands.autocomplete(user=usernames)
    async def following(
        self, interaction: discord.Interaction, user: Username | None = None
    ) -> None:
        """Whom someone follows, most recent first."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        page = await self.social.following(
            chat_user(interaction), user, guild_id=interaction.guild_id
        )
        await reply(interaction, view=people_layout(page, messages(interaction), followers=False))


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(SocialCog(bot.services.social))
