"""Search pages, /trending and tags on cards stay within Discord's Components V2 limits, and
a search page gives back the query it was made for."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.cursors import decode_search_cursor
from bot.domain.errors import ValidationError
from bot.domain.search_query import MAX_QUERY_CHARS, parse_search
from bot.domain.values import PostView, SearchPage, TrendingTags
from bot.front.cards import PostPage, body, page_layout
from bot.front.components.search import (
    escape_query,
    query_of,
    search_layout,
    trending_layout,
    unescape_query,
)
from tests.unit.test_cards import EN, check_limits, hostile_bodies, post, walk

TAGGY = " ".join(f"#{'t' * 60}_{n}" for n in range(40))  # forty tags of 62 characters


def _page(posts: list[PostView], query: str = "coffee", **extra: Any) -> SearchPage:
    return SearchPage(posts, query, extra.pop("order", "newest"), "o" + "A" * 16, None, **extra)


def _texts(view: discord.ui.LayoutView) -> list[str]:
    return [c["content"] for c in walk(view.to_components()) if c["type"] == 10]


@pytest.mark.parametrize(("name", "text"), [*hostile_bodies(), ("tags", TAGGY)])
async def test_a_search_page_of_hostile_posts_stays_within_every_limit(
    name: str, text: str
) -> None:
    posts = [post(n, text, avatar_url="https://cdn.discordapp.com/a.png") for n in range(1, 11)]
    query = "*_~|>`" * 40 + "x"  # a query that is mostly markdown
    check_limits(search_layout(_page(posts, query), EN))
    view = search_layout(_page(posts, "coffee", order="best", window_top=99, ranked_of=1000), EN)
    payload = check_limits(view)
    older = next(c for c in walk(payload) if c.get("label") == "Next")["custom_id"]
    shown = len([t for t in _texts(view) if t.startswith(r"**alice\_the\_great**")])
    # Fewer posts fit than the page had: Next goes on right after the last one shown.
    assert decode_search_cursor(older.removeprefix("mb:search:")).offset == shown


async def test_the_page_carries_its_query_and_says_so_when_empty() -> None:
    view = search_layout(_page([], 'coffee "good morning" from:alice'), EN)
    texts = _texts(view)
    assert texts[0].startswith("## Search: coffee")
    assert "No posts match." in texts[1]
    assert query_of(view.children) == 'coffee "good morning" from:alice'


async def test_a_query_too_long_to_show_exactly_has_no_paging() -> None:
    query = "*" * 280 + "x"
    view = search_layout(_page([post(1, "x")], query), EN)
    check_limits(view)
    assert query_of(view.children) is None
    paging = [
        c for c in walk(view.to_components()) if c.get("custom_id", "").startswith("mb:search")
    ]
    assert paging == []


@given(st.text(max_size=MAX_QUERY_CHARS))
def test_every_query_reads_back_from_its_line(raw: str) -> None:
    try:
        query = parse_search(raw).canonical()
    except ValidationError:
        return
    assert unescape_query(escape_query(query)) == query
    assert "\n" not in escape_query(query)


def test_tags_are_bold_and_escaped_within_the_room() -> None:
    item = post(1, "I love #snake_case and #Rust!")
    assert body(item, 500) == r"I love **#snake\_case** and **#Rust**!"
    long = post(2, "word " * 200 + "#end")
    assert len(body(long, 100)) <= 100


async def test_tags_on_a_page_keep_the_text_budget() -> None:
    posts = [post(n, TAGGY) for n in range(1, 11)]
    view = page_layout(
        PostPage(title="Latest", posts=posts, empty="none"),
        EN,
        buttons=lambda item: (),
        paging=lambda visible: (),
    )
    assert "**#" in _texts(check_limits(view) and view)[1]


async def test_trending_of_the_longest_tags_stays_within_the_limits() -> None:
    tags = [("x" * 63 + str(n), 10**9) for n in range(10)]
    texts = _texts(trending_layout(TrendingTags(day=tags, week=tags), EN))
    check_limits(trending_layout(TrendingTags(day=tags, week=tags), EN))
    assert texts[0] == "## Trending tags"
    assert texts[1].startswith("### Last 24 hours\n**#xxx")
    empty = _texts(trending_layout(TrendingTags(day=[], week=[]), EN))
    assert "No #tags in the last 7 days" in empty[1]
