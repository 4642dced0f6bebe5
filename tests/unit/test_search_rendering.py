"""Search pages and /trending stay within Discord's limits, and a page remembers its query."""

from __future__ import annotations

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import ValidationError
from bot.domain.search_query import MAX_QUERY_CHARS, parse_search
from bot.domain.values import PostView, SearchPage, TrendingTags
from bot.front.rendering import (
    TAG_LINE,
    search_embed,
    search_query_of,
    tag_line,
    trending_embed,
)
from tests.unit.test_rendering import HOSTILE_BODIES, _post, assert_within_discord_limits

TAGGY = " ".join(f"#{'t' * 60}_{n}" for n in range(20))  # twenty tags of 62 characters


def _page(posts: list[PostView], query: str = "coffee", order: str = "newest") -> SearchPage:
    return SearchPage(posts, query, order, next="o" + "A" * 16, previous=None, ranked_of=None)


@pytest.mark.parametrize("count", [0, 1, 5, 10])
def test_search_page_of_hostile_posts_stays_within_the_limits(count: int) -> None:
    bodies = [*HOSTILE_BODIES, TAGGY]
    posts = [_post(n, bodies[n % len(bodies)], "x" * 32) for n in range(count)]
    query = "*_~`|>" * (MAX_QUERY_CHARS // 6)
    data = assert_within_discord_limits(search_embed(_page(posts, query, "best")))
    assert len(data.get("fields", [])) == count
    assert data["title"].startswith("Search: ")


def test_an_empty_page_says_so() -> None:
    data = search_embed(_page([])).to_dict()
    assert data["description"].startswith("No posts match.")


@given(st.text(max_size=MAX_QUERY_CHARS))
def test_a_page_gives_back_the_query_it_was_made_for(raw: str) -> None:
    try:
        query = parse_search(raw).canonical()
    except ValidationError:
        return
    embed = search_embed(_page([], query))
    sent = discord.Embed.from_dict(embed.to_dict())  # as it comes back from Discord
    assert search_query_of(sent) == query
    assert parse_search(query).canonical() == query


def test_tag_line_is_marked_escaped_and_bounded() -> None:
    assert tag_line("no tags") == ""
    assert tag_line("#snake_case and #Rust") == r" · **#snake\_case** **#rust**"
    line = tag_line(TAGGY)
    assert len(line) <= TAG_LINE and line.endswith(" …")


def test_trending_of_the_longest_tags_stays_within_the_limits() -> None:
    tags = [("x" * 63 + str(n), 10**9) for n in range(10)]
    data = assert_within_discord_limits(trending_embed(TrendingTags(day=tags, week=tags)))
    assert [field["name"] for field in data["fields"]] == ["Last 24 hours", "Last 7 days"]
