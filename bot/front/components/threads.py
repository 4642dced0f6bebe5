"""/thread: a conversation as a page of post cards, its first post on top, the replies in
order below, and Earlier/Later buttons that carry the place in the conversation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.domain.cursors import NEWER, OLDER, Cursor
from bot.domain.errors import ValidationError
from bot.domain.values import Position, PostView, ThreadPage
from bot.front.answering import show_page
from bot.front.cards import Buttons, PostPage, StaticLayout, page_layout
from bot.front.components.base import Answered, chat_user, custom_id, services_of
from bot.front.components.posts import post_buttons
from bot.front.i18n import Messages, messages

THREAD_ROUTE = "thread"
NO_CURSOR = "-"  # a disabled button still needs a unique custom_id: "-o" / "-n"


class ThreadPageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:thread:(?P<cursor>[A-Za-z0-9_-]{1,60})",
):
    """Earlier or Later in a conversation; the cursor names the conversation and the place."""

    def __init__(self, label: str, cursor: str | None, direction: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id(THREAD_ROUTE, cursor or f"{NO_CURSOR}{direction}"),
                disabled=cursor is None,
            )
        )
        self.cursor = cursor

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ThreadPageButton:
        cursor = match["cursor"]
        label = (item.label if isinstance(item, discord.ui.Button) else None) or "Page"
        if cursor.startswith(NO_CURSOR):
            return cls(label, None, cursor[-1])
        return cls(label, cursor, cursor[0])

    async def answer(self, interaction: discord.Interaction) -> None:
        if self.cursor is None:
            raise ValidationError("cursor", "There is nothing more in that direction.")
        cursor = self.cursor

        async def page() -> StaticLayout:
            found = await services_of(interaction).conversations.thread(
                chat_user(interaction), cursor=cursor, guild_id=interaction.guild_id
            )
            return thread_layout(found, messages(interaction))

        await show_page(interaction, page())


def thread_layout(page: ThreadPage, _: Messages) -> StaticLayout:
    """The conversation's first post, then a page of replies, oldest first."""
    posts = ([page.root] if page.root is not None else []) + page.replies
    header = None
    if page.root_state == "deleted":
        header = _("The post that started this conversation was deleted.")
    elif page.root_state == "unavailable":
        header = _("The post that started this conversation is not available to you.")

    def paging(shown: Sequence[PostView]) -> Buttons:
        replies = [post for post in shown if post is not page.root]
        later = page.later
        if replies and len(replies) < len(page.replies):
            # The rest did not fit in one message: the next page goes on right after them.
            last = replies[-1]
            later = Cursor(NEWER, Position(last.created_at, last.id), page.root_id).encode()
        earlier = page.earlier
        return (
            ThreadPageButton(_("Earlier"), earlier, OLDER),
            ThreadPageButton(_("Later"), later, NEWER),
        )

    return page_layout(
        PostPage(
            title=_("Conversation #{root_id}", root_id=page.root_id),
            posts=posts,
            empty=_("Nothing to show here."),
            header=header,
        ),
        _,
        buttons=lambda post: post_buttons(post, page.viewer_id, _),
        paging=paging,
    )
