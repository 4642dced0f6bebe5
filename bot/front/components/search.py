"""Search pages and /trending: Components V2 pages of post cards, and the paging buttons.

A button's custom_id carries the page's cursor (and so the order: best-match cursors start
with "b"); the query, up to 300 characters, would not fit in Discord's 100, so the page
shows it on a line of its own, escaped so that it reads back exactly (``query_of``), and
the button reads it from the page it sits on. Both survive a restart and work in any shard
process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import discord
from discord import ui

from bot.domain.cursors import BEST, NEWER, OLDER, SearchCursor
from bot.domain.errors import ValidationError
from bot.domain.search_query import SearchOrder
from bot.domain.values import PostView, SearchPage, TrendingTags
from bot.front.cards import ACCENT, Buttons, PostPage, StaticLayout, escape, page_layout
from bot.front.components.base import Answered, chat_user, custom_id, services_of
from bot.front.components.posts import post_buttons
from bot.front.i18n import Messages, messages
from bot.front.rendering import cut
from bot.front.tree import reply

SEARCH_ROUTE = "search"
NO_CURSOR = "-"  # a disabled button still needs a unique custom_id: "-p" / "-n"
QUERY_MARK = "🔎 "  # starts the line that holds the query (the same in every language)
# What Discord's markdown could read as formatting, a link, an emoji or a mention; a
# backslash before any of them shows the character itself.
_MARKDOWN = r"[\\*_~|`\[\]()<>:@#-]"
HEADER_LIMIT = 500  # page_layout cuts the header line there


def escape_query(query: str) -> str:
    """The query shown as typed: a backslash before each markdown character (reversible)."""
    return re.sub(f"({_MARKDOWN})", r"\\\1", query)


def unescape_query(text: str) -> str:
    return re.sub(f"\\\\({_MARKDOWN})", r"\1", text)


class SearchPageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:search:(?P<cursor>[A-Za-z0-9_-]{1,20})",
):
    """Older/Newer (newest first) or Next/Previous (best first): the page its cursor names."""

    def __init__(self, label: str, cursor: str | None, direction: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id(SEARCH_ROUTE, cursor or f"{NO_CURSOR}{direction}"),
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
        stale = cursor.startswith(NO_CURSOR)
        return cls(label or "Page", None if stale else cursor, cursor[-1] if stale else cursor[0])

    async def answer(self, interaction: discord.Interaction) -> None:
        if self.cursor is None:
            raise ValidationError("cursor", "There is nothing more in that direction.")
        message = interaction.message
        query = query_of(message.components) if message is not None else None
        if query is None:
            raise ValidationError(
                "cursor", "That page link is not valid any more. Run /search again."
            )
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
        view = search_layout(page, messages(interaction))
        if in_place:
            await interaction.edit_original_response(
                view=view, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await reply(interaction, view=view)


def query_of(components: Iterable[Any]) -> str | None:
    """The query a search page was made for, from its query line; None if it has none."""
    stack = list(components)
    while stack:
        component = stack.pop()
        content = getattr(component, "content", None)
        if isinstance(content, str):
            for line in content.splitlines():
                _, mark, rest = line.partition(QUERY_MARK)
                if mark and line.startswith("-# "):
                    return unescape_query(rest)
        stack.extend(getattr(component, "children", None) or ())
        stack.extend(getattr(component, "components", None) or ())
    return None


def search_layout(page: SearchPage, _: Messages) -> StaticLayout:
    """A page of results; its header says the order and holds the query (``query_of``)."""
    if page.order == SearchOrder.BEST:
        note = (
            _("Best matches first, among the newest {count} matches", count=page.ranked_of)
            if page.ranked_of
            else _("Best matches first")
        )
        labels = (_("Previous"), _("Next"))
    else:
        note = _("Newest first")
        labels = (_("Newer"), _("Older"))

    header = f"-# {note} · {QUERY_MARK}{escape_query(page.query)}"
    # A query so full of markdown characters that its line would be cut cannot be read back:
    # its first page is all there is (a few hundred asterisks are not worth paging through).
    pageable = len(header) <= HEADER_LIMIT
    if not pageable:
        header = f"-# {note}"

    def paging(shown: Sequence[PostView]) -> Buttons:
        if not pageable:
            return ()
        following = page.next
        if shown and len(shown) < len(page.posts):  # the rest did not fit: they come next
            following = _after(page, shown)
        return (
            SearchPageButton(labels[0], page.previous, NEWER),
            SearchPageButton(labels[1], following, OLDER),
        )

    empty = (
        _("No more posts match.")
        if page.previous
        else _("No posts match. Every word must appear in a post; try fewer or other words.")
    )
    return page_layout(
        PostPage(
            title=_("Search: {query}", query=cut(escape(page.query), 150)),
            posts=page.posts,
            empty=empty,
            header=header,
        ),
        _,
        buttons=lambda post: post_buttons(post, page.viewer_id, _),
        paging=paging,
    )


def _after(page: SearchPage, shown: Sequence[PostView]) -> str:
    """The cursor for what follows the posts a page could show."""
    if page.order == SearchOrder.BEST and page.window_top is not None:
        return SearchCursor(BEST, page.window_top, page.offset + len(shown)).encode()
    return SearchCursor(OLDER, shown[-1].id).encode()


def trending_layout(trending: TrendingTags, _: Messages) -> StaticLayout:
    children: list[ui.Item[Any]] = [ui.TextDisplay("## " + _("Trending tags"))]
    if not trending.week:
        children.append(ui.TextDisplay(_("No #tags in the last 7 days. Put some in your posts!")))
    for name, tags in ((_("Last 24 hours"), trending.day), (_("Last 7 days"), trending.week)):
        if not trending.week:
            break
        lines = [
            f"**#{escape(tag)}** · " + _.ngettext("{count} post", "{count} posts", uses)
            for tag, uses in tags
        ]
        children += [ui.Separator(), ui.TextDisplay(f"### {name}\n" + ("\n".join(lines) or "–"))]
    children.append(ui.TextDisplay("-# " + _("Search a tag with /search #tag.")))
    return StaticLayout([ui.Container(*children, accent_colour=ACCENT)])
