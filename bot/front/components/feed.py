"""Feed pages: the embed and its Older/Newer buttons, which carry the cursor themselves."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.errors import ValidationError
from bot.domain.values import FeedPage
from bot.front.components.base import Answered, StaticView, chat_user, custom_id, services_of
from bot.front.rendering import feed_embed
from bot.front.tree import reply

FEED_ROUTE = "feed"
NO_CURSOR = "-"  # a disabled button still needs a unique custom_id: "-o" / "-n"


class FeedPageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:feed:(?P<cursor>[A-Za-z0-9_-]{1,90})",
):
    """Older or Newer: shows the page its cursor names."""

    def __init__(self, label: str, cursor: str | None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id(FEED_ROUTE, cursor or f"{NO_CURSOR}{label[0].lower()}"),
                disabled=cursor is None,
            )
        )
        self.cursor = cursor

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FeedPageButton:
        cursor = match["cursor"]
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(label or "Page", None if cursor.startswith(NO_CURSOR) else cursor)

    async def answer(self, interaction: discord.Interaction) -> None:
        if self.cursor is None:
            raise ValidationError("cursor", "There is nothing more in that direction.")
        message = interaction.message
        in_place = message is not None and message.flags.ephemeral
        if in_place:
            await interaction.response.defer()  # then edit the page in place
        else:
            # A shared page stays as it is for everyone; the clicker pages privately.
            await interaction.response.defer(ephemeral=True, thinking=True)
        # The clicker's own blocks and mutes, and the server it is shown in, apply.
        page = await services_of(interaction).posts.feed(
            self.cursor, reader=chat_user(interaction), guild_id=interaction.guild_id
        )
        if in_place:
            await interaction.edit_original_response(
                **feed_message(page), allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await reply(interaction, **feed_message(page))


def feed_message(page: FeedPage) -> dict[str, Any]:
    title = f"Posts by {page.author}" if page.author else "Latest posts"
    buttons = (FeedPageButton("Newer", page.newer), FeedPageButton("Older", page.older))
    return {"embed": feed_embed(page, title), "view": StaticView(buttons)}
