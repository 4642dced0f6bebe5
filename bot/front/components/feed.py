"""Feed pages: Components V2 pages of post cards and their Older/Newer buttons, which carry
the cursor themselves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.domain.cursors import older_than
from bot.domain.errors import ValidationError
from bot.domain.values import FeedPage, PostView
from bot.front.answering import show_page
from bot.front.cards import Buttons, PostPage, StaticLayout, page_layout
from bot.front.components.base import Answered, chat_user, custom_id, services_of
from bot.front.components.posts import post_buttons
from bot.front.i18n import Messages, messages

FEED_ROUTE = "feed"
NO_CURSOR = "-"  # a disabled button still needs a unique custom_id: "-o" / "-n"
OLDER, NEWER = "o", "n"


class FeedPageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:feed:(?P<cursor>[A-Za-z0-9_-]{1,90})",
):
    """Older or Newer: shows the page its cursor names."""

    def __init__(self, label: str, cursor: str | None, direction: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id(FEED_ROUTE, cursor or f"{NO_CURSOR}{direction}"),
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
        direction = cursor[-1] if cursor.startswith(NO_CURSOR) else cursor[0]
        return cls(label or "Page", None if cursor.startswith(NO_CURSOR) else cursor, direction)

    async def answer(self, interaction: discord.Interaction) -> None:
        if self.cursor is None:
            raise ValidationError("cursor", "There is nothing more in that direction.")
        cursor = self.cursor

        async def page() -> StaticLayout:
            # The clicker's own blocks and mutes, and the server it is shown in, apply.
            found = await services_of(interaction).posts.feed(
                cursor, reader=chat_user(interaction), guild_id=interaction.guild_id
            )
            return feed_layout(found, messages(interaction))

        await show_page(interaction, page())


def feed_layout(page: FeedPage, _: Messages) -> StaticLayout:
    """/feed and /feed user: as a page of post cards."""
    title = _("Posts by {author}", author=page.author) if page.author else _("Latest posts")

    def paging(shown: Sequence[PostView]) -> Buttons:
        older = page.older
        if shown and len(shown) < len(page.posts):
            older = older_than(shown[-1], page.author_id)  # the rest did not fit: next page
        return (
            FeedPageButton(_("Newer"), page.newer, NEWER),
            FeedPageButton(_("Older"), older, OLDER),
        )

    return page_layout(
        PostPage(
            title=title, posts=page.posts, empty=_("No posts yet. Write the first one with /post.")
        ),
        _,
        buttons=lambda post: post_buttons(post, page.viewer_id, _),
        paging=paging,
    )
