"""How posts and feeds look in Discord. Every Discord limit holds whatever users wrote."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.domain.hashtags import find_tags
from bot.domain.values import FeedPage, PostView, SearchPage, TrendingTags
from bot.services.digests import Summary

# Discord's embed limits.
EMBED_TOTAL = 6000
FIELD_NAME = 256
FIELD_VALUE = 1024
DESCRIPTION = 4096
TITLE = 256
ELLIPSIS = "…"
COLOUR = discord.Colour.blurple()
FOOTER = 2048
TAG_LINE = 120  # at most this much of a card is its tag line
SEARCH_MARKER = "search: "  # the footer of a search page ends with this and the query


def relative(moment: datetime) -> str:
    return f"<t:{int(moment.timestamp())}:R>"


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= limit * 0.8:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def post_embed(post: PostView) -> discord.Embed:
    """One post, the way the feed shows it."""
    embed = discord.Embed(description=cut(post.body, DESCRIPTION), colour=COLOUR)
    embed.set_author(name=cut(post.author, 256))
    when = f"Posted {relative(post.created_at)}"
    if post.edited_at is not None:
        when += f" · edited {relative(post.edited_at)}"
    embed.add_field(name=f"Post #{post.id}", value=when + tag_line(post.body), inline=False)
    return embed


def tag_line(body: str) -> str:
    """ " · #tag #other": the post's tags, marked and escaped, beside its time (the body is
    shown as written: bold inserted into people's own markdown could break it)."""
    line = ""
    for key in dict.fromkeys(tag.key for tag in find_tags(body)):
        shown = f" **#{discord.utils.escape_markdown(key)}**"
        if len(line) + len(shown) + 3 > TAG_LINE:
            return f" ·{line} …" if line else ""
        line += shown
    return f" ·{line}" if line else ""


def feed_embed(page: FeedPage, title: str) -> discord.Embed:
    embed = discord.Embed(title=cut(title, TITLE), colour=COLOUR)
    if not page.posts:
        embed.description = "No posts yet. Write the first one with /post."
        return embed
    footer = "Use the buttons to page through older and newer posts."
    add_post_fields(embed, page.posts, budget=EMBED_TOTAL - len(embed.title or "") - len(footer))
    embed.set_footer(text=footer)
    return embed


def add_post_fields(embed: discord.Embed, posts: list[PostView], budget: int) -> None:
    """One field per post (so one post's markdown cannot spill into the next), each cut so
    that all of them fit in ``budget`` characters and every field limit holds."""
    per_post = (budget - 10) // max(1, len(posts))
    for post in posts[:25]:
        name = cut(f"{post.author} · #{post.id}", FIELD_NAME)
        meta = relative(post.created_at) + (" (edited)" if post.edited_at else "")
        meta += tag_line(post.body)
        room = max(1, min(FIELD_VALUE, per_post - len(name)) - len(meta) - 1)
        embed.add_field(name=name, value=f"{cut(post.body, room)}\n{meta}", inline=False)


def search_embed(page: SearchPage) -> discord.Embed:
    """A page of results. The footer ends with the query as parsed: the paging buttons read
    it back from there (it would not fit in their custom_id)."""
    shown = discord.utils.escape_markdown(page.query)
    embed = discord.Embed(title=cut(f"Search: {shown}", TITLE), colour=COLOUR)
    if page.order == "best":
        note = "Best matches first"
        if page.ranked_of:
            note += f" (among the newest {page.ranked_of} matches)"
    else:
        note = "Newest first"
    footer = f"{note} · {SEARCH_MARKER}{page.query}"
    embed.set_footer(text=footer)  # the query is at most 300 characters: never cut
    if not page.posts:
        embed.description = (
            "No posts match. Every word must appear in a post; try fewer or other words."
            if page.previous is None
            else "No more posts match."
        )
        return embed
    add_post_fields(embed, page.posts, budget=EMBED_TOTAL - len(embed.title or "") - len(footer))
    return embed


def search_query_of(embed: discord.Embed) -> str | None:
    """The query a search page was made for (see ``search_embed``), or None."""
    footer = embed.footer.text or ""
    _, marker, query = footer.partition(SEARCH_MARKER)
    return query if marker else None


def trending_embed(trending: TrendingTags) -> discord.Embed:
    embed = discord.Embed(title="Trending tags", colour=COLOUR)
    if not trending.week:
        embed.description = "No #tags in the last 7 days. Put some in your posts!"
        return embed
    for name, tags in (("Last 24 hours", trending.day), ("Last 7 days", trending.week)):
        lines = [
            f"**#{discord.utils.escape_markdown(tag)}** · {uses} post{'s' * (uses != 1)}"
            for tag, uses in tags
        ]
        embed.add_field(name=name, value=cut("\n".join(lines) or "None yet.", FIELD_VALUE))
    embed.set_footer(text="Search a tag with /search #tag.")
    return embed


def digest_embed(summary: Summary) -> discord.Embed:
    """A channel's summary: how many posts arrived, the newest of them, how to read more."""
    scope = f" from {summary.author}" if summary.author else ""
    if summary.new_posts == 0:
        return discord.Embed(
            title=cut(f"Microblog: nothing new{scope}", TITLE),
            description="No new posts since the last summary.",
            colour=COLOUR,
        )
    noun = "post" if summary.new_posts == 1 else "posts"
    embed = discord.Embed(
        title=cut(f"Microblog: {summary.new_posts} new {noun}{scope}", TITLE), colour=COLOUR
    )
    shown = len(summary.posts)
    more = summary.new_posts - shown
    hint = (
        "Read everything with /feed" + (f" user:{summary.author}" if summary.author else "") + "."
    )
    footer = (f"…and {more} more. " if more > 0 else "") + hint
    embed.set_footer(text=cut(footer, 2048))
    add_post_fields(embed, summary.posts, budget=EMBED_TOTAL - len(embed.title or "") - len(footer))
    return embed
