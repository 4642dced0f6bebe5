"""/follow, /unfollow, /home, /profile, /followers, /following: reading the people you choose."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.answering import answer
from bot.front.cards import StaticLayout
from bot.front.client import MicroblogBot
from bot.front.components import (
    chat_user,
    home_layout,
    name,
    people_layout,
    profile_layout,
)
from bot.front.i18n import messages
from bot.front.tree import everywhere
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

        async def followed() -> str:
            result = await self.social.follow(chat_user(interaction), user)
            _ = messages(interaction)
            if result.changed:
                return _(
                    "You now follow {name}. Their posts appear in /home.",
                    name=name(result.username),
                )
            return _("You already follow {name}.", name=name(result.username))

        await answer(interaction, followed())

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Their microblog username")
    @app_commands.autocomplete(user=usernames)
    async def unfollow(self, interaction: discord.Interaction, user: Username) -> None:
        """Stop following someone."""

        async def unfollowed() -> str:
            result = await self.social.unfollow(chat_user(interaction), user)
            _ = messages(interaction)
            if result.changed:
                return _("You no longer follow {name}.", name=name(result.username))
            return _("You were not following {name}.", name=name(result.username))

        await answer(interaction, unfollowed())

    @everywhere
    @app_commands.command()
    @app_commands.describe(share="Show the page to everyone in the channel (default: only you)")
    async def home(self, interaction: discord.Interaction, share: bool = False) -> None:
        """Your home timeline: your posts and those of the people you follow."""

        async def page() -> StaticLayout:
            found = await self.social.home(chat_user(interaction), guild_id=interaction.guild_id)
            return home_layout(found, messages(interaction))

        await answer(interaction, page(), ephemeral=not share)

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Whose profile (default: yours)")
    @app_commands.autocomplete(user=usernames)
    async def profile(self, interaction: discord.Interaction, user: Username | None = None) -> None:
        """A profile: bio, counts, whether you follow each other, newest posts."""

        async def page() -> StaticLayout:
            found = await self.social.profile(
                chat_user(interaction), user, guild_id=interaction.guild_id
            )
            return profile_layout(found, messages(interaction))

        await answer(interaction, page())

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Whose followers (default: yours)")
    @app_commands.autocomplete(user=usernames)
    async def followers(
        self, interaction: discord.Interaction, user: Username | None = None
    ) -> None:
        """Who follows someone, most recent first."""

        async def page() -> StaticLayout:
            found = await self.social.followers(
                chat_user(interaction), user, guild_id=interaction.guild_id
            )
            return people_layout(found, messages(interaction), followers=True)

        await answer(interaction, page())

    @everywhere
    @app_commands.command()
    @app_commands.describe(user="Whose follows (default: yours)")
    @app_commands.autocomplete(user=usernames)
    async def following(
        self, interaction: discord.Interaction, user: Username | None = None
    ) -> None:
        """Whom someone follows, most recent first."""

        async def page() -> StaticLayout:
            found = await self.social.following(
                chat_user(interaction), user, guild_id=interaction.guild_id
            )
            return people_layout(found, messages(interaction), followers=False)

        await answer(interaction, page())


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(SocialCog(bot.services.social))
