"""Search pages: the embed and its paging buttons.

A button's custom_id carries the page's cursor (and so the order: best-match cursors start
with "b"); the query, up to 300 characters, would not fit in Discord's 100, so the button
reads it back from the footer of the page it sits on (``search_query_of``). Both survive a
restart and work in any shard process.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.cursors import BEST
from bot.domain.errors import ValidationError
from bot.domain.search_query import SearchOrder
from bot.domain.values import SearchPage
from bot.front.components.base import (
    Answered,
    StaticView,
    chat_user,
    custom_id,
    services_of,
)
from bot.front.rendering import search_embed, search_query_of
from bot.front.tree import reply

SEARCH_ROUTE = "search"
NO_CURSOR = "-"  # a disabled button still needs a unique custom_id: "-p" / "-n"
STALE = "That page link is not valid any more. Run /search again."


class SearchPageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:search:(?P<cursor>[A-Za-z0-9_-]{1,20})",
):
    """Older/Newer (newest first) or Next/Previous (best first): the page its cursor names."""

    def __init__(self, label: str, cursor: str | None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id(SEARCH_ROUTE, cursor or f"{NO_CURSOR}{label[0].lower()}"),
                disabled=cursor is None,
            )
        )
        self.cursor = cursor

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SearchPageButton:
        cursor = match["cursor"]
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(label or "Page", None if cursor.startswith(NO_CURSOR) else cursor)

    async def answer(self, interaction: discord.Interaction) -> None:
        if self.cursor is None:
            raise ValidationError("cursor", "There is nothing more in that direction.")
        message = interaction.message
        query = search_query_of(message.embeds[0]) if message and message.embeds else None
        if query is None:
            raise ValidationError("cursor", STALE)
        in_place = message is not None and message.flags.ephemeral
        if in_place:
            await interaction.response.defer()  # then edit the page in place
        else:
            # A shared page stays as it is for everyone; the clicker pages privately.
            await interaction.response.defer(ephemeral=True, thinking=True)
        order = SearchOrder.BEST if self.cursor.startswith(BEST) else SearchOrder.NEWEST
        page = await services_of(interaction).search.search(
            query,
            self.cursor,
            order,
            reader=chat_user(interaction),
            guild_id=interaction.guild_id,
        )
        if in_place:
            await interaction.edit_original_response(
                **search_message(page), allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await reply(interaction, **search_message(page))


def search_message(page: SearchPage) -> dict[str, Any]:
    labels = ("Previous", "Next") if page.order == SearchOrder.BEST else ("Newer", "Older")
    buttons = (
        SearchPageButton(labels[0], page.previous),
        SearchPageButton(labels[1], page.next),
    )
    if not page.posts and page.previous is None:
        return {"embed": search_embed(page), "view": None}  # nothing to page through
    return {"embed": search_embed(page), "view": StaticView(buttons)}
