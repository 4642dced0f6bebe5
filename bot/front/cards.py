"""How posts look in Discord: Components V2 layouts (discord.py ``ui.LayoutView``).

A post card, a page of posts (any feed: a title, the posts, a paging row, an optional
header line), a summary of new posts, and small notices. Every Discord limit holds
whatever users wrote: at most 40 components per message, nested ones included, and 4,000
characters across its text displays. A page that would break either shows fewer posts;
bodies are cut at a word with an ellipsis so the text fits, short posts keeping all of
theirs. custom_ids are checked where they are built (``components.base.custom_id``), and
every message carrying user text goes out with ``AllowedMentions.none()`` (``tree.reply``
and the scheduler), so a post that says @everyone pings nobody.

This module only lays out: the buttons come from ``bot.front.components``, which decides
what each reader may do with each post. ``StaticLayout`` is ``components.StaticView``'s
Components V2 twin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord import ui

from bot.domain.hashtags import find_tags
from bot.domain.rules import mention_spans, username_key
from bot.domain.values import PostView
from bot.front.i18n import Messages
from bot.front.rendering import cut, relative
from bot.services.digests import Summary

MAX_COMPONENTS = 40
MAX_TEXT = 4000
MIN_BODY = 120  # below this a page shows one post fewer rather than stubs
ACCENT = discord.Colour.blurple()

Item = ui.Item[Any]
Buttons = Sequence[Item]


class StaticLayout(discord.ui.LayoutView):
    """A Components V2 message (``StaticView``'s twin): stopped, so discord.py keeps no copy.

    Its buttons are DynamicItems answered by their classes. discord.py 2.7 keeps every
    unfinished layout sent as an interaction response for its timeout, whatever
    ``is_dispatchable`` says; a stopped one is not kept, so none leak.
    """

    def __init__(self, items: Iterable[discord.ui.Item[Any]] = ()) -> None:
        super().__init__(timeout=None)
        for item in items:
            self.add_item(item)
        self.stop()

    def is_dispatchable(self) -> bool:
        return False


def escape(text: str) -> str:
    """Names shown as names: their underscores and asterisks are not markdown."""
    return discord.utils.escape_markdown(text)


def byline(post: PostView, _: Messages) -> str:
    """Who wrote it, when, whether it was edited since, and its number; below it, in small
    print, who reposted it and whom it replies to."""
    context = _context(post, _)
    if post.removed:
        line = _("*Removed by a moderator.*") + f" · #{post.id}"
        return f"{line}\n{context}" if context else line
    who = f"**{escape(post.author)}**"
    if post.display_name:
        who = f"**{escape(post.display_name)}** @{escape(post.author)}"
    parts = [who, relative(post.created_at)]
    if post.edited_at is not None:
        parts.append(_("edited {when}", when=relative(post.edited_at)))
    parts.append(f"#{post.id}")
    line = " · ".join(parts)
    return f"{line}\n{context}" if context else line


def _context(post: PostView, _: Messages) -> str | None:
    parts = []
    if post.reposted_by:
        parts.append(_("🔁 reposted by {name}", name=f"**{escape(post.reposted_by)}**"))
    if post.is_reply and post.parent_author:
        parts.append(_("↪ replying to {name}", name=f"@{escape(post.parent_author)}"))
    elif post.is_reply:
        parts.append(_("↪ replying to a deleted post"))
    return "-# " + " · ".join(parts) if parts else None


def _spans(post: PostView, text: str) -> list[tuple[int, int, str]]:
    """What ``text`` (the post's body, or its cut) shows in bold, in order: the names it
    mentions (existing accounts only) and its #tags, each escaped so it reads as written."""
    keys = {username_key(name) for name in post.mentions} if post.mentions else set()
    spans = [
        (start, end, f"**{escape(text[start:end])}**")
        for start, end, key in (mention_spans(text) if keys else ())
        if key in keys
    ]
    spans += [
        (t.start, t.end, f"**{text[t.start]}{escape(text[t.start + 1 : t.end])}**")
        for t in find_tags(text)
    ]
    return sorted(spans)


def _marks(post: PostView) -> int:
    """Characters that marking adds to the post: asterisks and escaping backslashes."""
    return sum(len(marked) - (end - start) for start, end, marked in _spans(post, post.body))


def shown_length(post: PostView) -> int:
    """How long the post's text is once shown (mentions and tags marked)."""
    return len(post.body) + _marks(post)


def body(post: PostView, room: int) -> str:
    """The post's text cut to ``room`` characters, the names it mentions and its #tags in
    bold. The bold never pings anyone (replies carry AllowedMentions.none())."""
    if post.removed:
        return ""
    text = cut(post.body, max(1, room - _marks(post)))
    pieces, last = [], 0
    for start, end, marked in _spans(post, text):
        if start < last:
            continue  # a tag inside a mention's span (or the reverse) is marked once
        pieces += [text[last:start], marked]
        last = end
    return "".join(pieces) + text[last:]


def _post_block(post: PostView, text: str) -> Item:
    display = ui.TextDisplay(text)
    if post.avatar_url:
        return ui.Section(display, accessory=ui.Thumbnail(post.avatar_url))
    return display


def _block_components(post: PostView) -> int:
    return 3 if post.avatar_url else 1  # a section counts with its text and thumbnail


def _row_components(buttons: Buttons) -> int:
    return 1 + len(buttons) if buttons else 0


def share(lengths: Sequence[int], total: int) -> list[int]:
    """Room for each text so that together they fit in ``total``.

    Short texts keep all of theirs; what is left is split evenly among the long ones.
    """
    room = [0] * len(lengths)
    remaining = max(0, total)
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    for done, index in enumerate(order):
        fair = remaining // (len(order) - done)
        room[index] = min(lengths[index], fair)
        remaining -= room[index]
    return room


@dataclass(frozen=True)
class Planned:
    """One post as a page will show it: its byline, body (cut to fit) and buttons."""

    post: PostView
    text: str
    buttons: Buttons


def plan_posts(
    posts: Sequence[PostView],
    _: Messages,
    *,
    components: int,
    text: int,
    buttons: Callable[[PostView], Buttons] = lambda post: (),
) -> list[Planned]:
    """The leading posts that fit beside ``components`` and ``text`` already used.

    Each post costs a separator, its text (a section when it has an avatar) and its row
    of buttons; its text at least a byline and ``MIN_BODY`` characters of body (less if
    the body is shorter).
    """
    chosen: list[tuple[PostView, str, Buttons]] = []
    used_components, used_text = components, text
    for post in posts:
        row = buttons(post)
        cost = 1 + _block_components(post) + _row_components(row)
        head = byline(post, _)
        least = len(head) + 1 + min(len(post.body), MIN_BODY)
        if used_components + cost > MAX_COMPONENTS or used_text + least > MAX_TEXT:
            break
        chosen.append((post, head, row))
        used_components += cost
        used_text += least
    fixed = text + sum(len(head) + 1 for _post, head, _row in chosen)
    rooms = share([shown_length(post) for post, _head, _row in chosen], MAX_TEXT - fixed)
    return [
        Planned(post, f"{head}\n{body(post, room)}".rstrip("\n"), row)
        for (post, head, row), room in zip(chosen, rooms, strict=True)
    ]


def post_items(planned: Planned) -> list[Item]:
    items = [_post_block(planned.post, planned.text)]
    if planned.buttons:
        items.append(ui.ActionRow(*planned.buttons))
    return items


def post_card(
    post: PostView, _: Messages, *, buttons: Buttons = (), intro: str | None = None
) -> StaticLayout:
    """One post with its buttons; ``intro`` is a line above the card ("Posted!")."""
    top: list[Item] = [ui.TextDisplay(cut(intro, 500))] if intro else []
    # One post always fits: at most 10 components, a byline and the body cut to the rest.
    [planned] = plan_posts(
        [post], _, components=len(top) + 1, text=len(intro or ""), buttons=lambda _p: buttons
    )
    container = ui.Container(*post_items(planned), accent_colour=ACCENT)
    return StaticLayout([*top, container])


@dataclass(frozen=True)
class PostPage:
    """What a page of posts says: a title, an optional header line, the posts, and what
    to say when there are none. The feeds of every command build one."""

    title: str
    posts: Sequence[PostView]
    empty: str
    header: str | None = None


def page_layout(
    page: PostPage,
    _: Messages,
    *,
    buttons: Callable[[PostView], Buttons],
    paging: Callable[[Sequence[PostView]], Buttons],
) -> StaticLayout:
    """The page as a container, one block per post between separators, the paging row
    below. ``paging`` gets the posts actually shown: the next page starts after them."""
    head = f"## {cut(page.title, 200)}"
    if page.header:
        head += "\n" + cut(page.header, 500)
    paging_size = _row_components(paging(page.posts))
    fixed_components = 2 + paging_size  # the container and its heading
    planned = plan_posts(
        page.posts, _, components=fixed_components, text=len(head), buttons=buttons
    )
    children: list[Item] = [ui.TextDisplay(head)]
    if not planned:
        children.append(ui.TextDisplay(page.empty))
    for entry in planned:
        children.append(ui.Separator())
        children.extend(post_items(entry))
    items: list[Item] = [ui.Container(*children, accent_colour=ACCENT)]
    row = paging([entry.post for entry in planned])
    if row:
        items.append(ui.ActionRow(*row))
    return StaticLayout(items)


def summary_layout(
    title: str, posts: Sequence[PostView], footer: str, _: Messages, *, intro: str | None = None
) -> StaticLayout:
    """A channel's summary of new posts (and its /digest preview, with an ``intro``)."""
    top: list[Item] = [ui.TextDisplay(intro)] if intro else []
    head = f"### {cut(title, 200)}"
    tail = f"-# {cut(footer, 500)}"
    planned = plan_posts(
        posts,
        _,
        components=len(top) + 4,  # container, heading, last separator, footer
        text=len(intro or "") + len(head) + len(tail),
    )
    children: list[Item] = [ui.TextDisplay(head)]
    for entry in planned:
        children.append(ui.Separator())
        children.extend(post_items(entry))
    children += [ui.Separator(), ui.TextDisplay(tail)]
    return StaticLayout([*top, ui.Container(*children, accent_colour=ACCENT)])


def notice(
    text: str, _: Messages, *, buttons: Buttons = (), post: PostView | None = None
) -> StaticLayout:
    """A short message with buttons (a confirmation), optionally above the post it is about."""
    children: list[Item] = [ui.TextDisplay(cut(text, 1000))]
    if post is not None:
        children.append(ui.TextDisplay(f"{byline(post, _)}\n{cut(post.body, 1000)}"))
    if buttons:
        children.append(ui.ActionRow(*buttons))
    return StaticLayout([ui.Container(*children, accent_colour=ACCENT)])


def summary_card(summary: Summary, _: Messages, *, intro: str | None = None) -> StaticLayout:
    """A channel's summary: how many posts arrived, the newest of them, how to read more."""
    scope = summary.author
    if summary.new_posts == 0:
        title = (
            _("Microblog: nothing new from {author}", author=scope)
            if scope
            else _("Microblog: nothing new")
        )
        footer = _("No new posts since the last summary.")
    else:
        title = (
            _.ngettext(
                "Microblog: {count} new post from {author}",
                "Microblog: {count} new posts from {author}",
                summary.new_posts,
                author=scope,
            )
            if scope
            else _.ngettext(
                "Microblog: {count} new post", "Microblog: {count} new posts", summary.new_posts
            )
        )
        hint = (
            _("Read everything with /feed user:{author}.", author=scope)
            if scope
            else _("Read everything with /feed.")
        )
        more = summary.new_posts - len(summary.posts)
        footer = (
            _.ngettext("…and {count} more.", "…and {count} more.", more) + " " if more > 0 else ""
        ) + hint
    return summary_layout(title, summary.posts, footer, _, intro=intro)
