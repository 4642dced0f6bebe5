"""/search and /trending: finding posts by words, phrases, #tags, author and dates."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.search_query import MAX_QUERY_CHARS
from bot.front.client import MicroblogBot
from bot.front.components import chat_user, search_layout, trending_layout
from bot.front.i18n import messages
from bot.front.tree import everywhere, reply
from bot.services.search import SearchService


class SearchCog(commands.Cog):
    def __init__(self, search: SearchService) -> None:
        self.search_service = search

    @everywhere
    @app_commands.command()
    @app_commands.describe(
        query='Words (all must match), "exact phrase", #tag, from:user, '
        "before:YYYY-MM-DD, after:YYYY-MM-DD",
        order="Newest first (default), or the best matches first",
        share="Show the results to everyone in the channel (default: only you)",
    )
    @app_commands.choices(
        order=[
            app_commands.Choice(name="newest first", value="newest"),
            app_commands.Choice(name="best match first", value="best"),
        ]
    )
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, MAX_QUERY_CHARS],
        order: str = "newest",
        share: bool = False,
    ) -> None:
        """Search posts by words, phrases, #tags, author and dates."""
        await interaction.response.defer(ephemeral=not share, thinking=True)
        page = await self.search_service.search(
            query, order=order, reader=chat_user(interaction), guild_id=interaction.guild_id
        )
        await reply(
            interaction, view=search_layout(page, messages(interaction)), ephemeral=not share
        )

    @search.autocomplete("query")
    async def _complete_query(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            options = await self.search_service.complete_query(str(current))
        except Exception:  # autocomplete cannot show errors; an empty list says enough
            return []
        return [app_commands.Choice(name=option, value=option) for option in options]

    @everywhere
    @app_commands.command()
    @app_commands.describe(share="Show the list to everyone in the channel (default: only you)")
    async def trending(self, interaction: discord.Interaction, share: bool = False) -> None:
        """The most used #tags of the last 24 hours and 7 days."""
        await interaction.response.defer(ephemeral=not share, thinking=True)
        trending = await self.search_service.trending()
        await reply(
            interaction, view=trending_layout(trending, messages(interaction)), ephemeral=not share
        )


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(SearchCog(bot.services.search))
