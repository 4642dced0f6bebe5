"""Embeds stay within every Discord limit whatever people wrote; ``cut`` keeps its promise.

Discord rejects a whole message when one embed limit is broken, so a single hostile post
could otherwise blank a feed page or a channel's summary for everyone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.values import FeedPage, PostView
from bot.front.rendering import ELLIPSIS, cut, digest_embed, feed_embed, post_embed
from bot.services.digests import Summary

# Discord's limits, written out here rather than imported, so a typo there fails here.
LIMITS = {"title": 256, "description": 4096, "field_name": 256, "field_value": 1024}
MAX_FIELDS, FOOTER, AUTHOR, TOTAL = 25, 2048, 256, 6000
WHEN = datetime(2026, 1, 1, 12, tzinfo=UTC)

HOSTILE_BODIES = [
    "```" + "x" * 1990,
    "**bold** __under__ ~~strike~~ ||spoiler|| " * 40,
    "<@&1> <@1> @everyone @here " * 60,
    "\u200b\u200d\u202e" * 600 + "visible",
    "# Heading\n" * 300,
    "w" * 4000,
    "word " * 800,
    "\n" * 2000,
    "👩\u200d👩\u200d👧" * 500,
    "[link](https://example.com) " * 100,
]


def assert_within_discord_limits(embed: discord.Embed) -> dict[str, Any]:
    data = embed.to_dict()
    title, description = data.get("title", ""), data.get("description", "")
    fields = data.get("fields", [])
    footer = data.get("footer", {}).get("text", "")
    author = data.get("author", {}).get("name", "")
    assert len(title) <= LIMITS["title"]
    assert len(description) <= LIMITS["description"]
    assert len(fields) <= MAX_FIELDS
    for field in fields:
        assert 1 <= len(field["name"]) <= LIMITS["field_name"]
        assert 1 <= len(field["value"]) <= LIMITS["field_value"]
    assert len(footer) <= FOOTER
    assert len(author) <= AUTHOR
    total = len(title) + len(description) + len(footer) + len(author)
    total += sum(len(field["name"]) + len(field["value"]) for field in fields)
    assert total <= TOTAL
    return data


def _post(n: int, body: str, author: str = "alice", edited: bool = False) -> PostView:
    created = WHEN + timedelta(minutes=n)
    return PostView(n + 1, 1, author, body, created, created if edited else None)


def _page(posts: list[PostView]) -> FeedPage:
    return FeedPage(posts=posts, older=None, newer=None, author=None)


def _summary(posts: list[PostView], new_posts: int, author: str | None = None) -> Summary:
    return Summary(1, 2, author, new_posts, posts, nonce=None)


# -- cut ---------------------------------------------------------------------------------


@given(st.text(max_size=300), st.integers(1, 400))
def test_cut_never_exceeds_the_limit_and_keeps_a_prefix(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert len(result) <= limit
    if len(text) <= limit:
        assert result == text
    else:
        assert result.endswith(ELLIPSIS)
        assert text.startswith(result.removesuffix(ELLIPSIS))


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("hello worlds and more", 20, "hello worlds and…"),  # at a space near the end
        ("x" * 30, 10, "x" * 9 + "…"),  # no space at all: cut mid-word
        ("a " + "x" * 30, 10, "a xxxxxxx…"),  # the only space is too far back
        ("abcdefgh\nijklmnop", 10, "abcdefgh…"),  # or at a line break
        ("anything", 1, "…"),
    ],
)
def test_cut_examples(text: str, limit: int, expected: str) -> None:
    assert cut(text, limit) == expected


# -- feeds, single posts and summaries with hostile text ----------------------------------


@pytest.mark.parametrize("count", [1, 5, 10, 25, 30])
def test_feed_of_hostile_posts_stays_within_the_limits(count: int) -> None:
    posts = [
        _post(n, HOSTILE_BODIES[n % len(HOSTILE_BODIES)], "x" * 32, edited=n % 2 == 0)
        for n in range(count)
    ]
    data = assert_within_discord_limits(feed_embed(_page(posts), "Posts by " + "x" * 32))
    assert len(data["fields"]) == min(count, MAX_FIELDS)
    assert all(field["value"].strip() for field in data["fields"])  # every post shows something


def test_feed_of_the_longest_posts_shows_each_one_cut() -> None:
    posts = [_post(n, f"{n} " + "word " * 799) for n in range(10)]
    data = assert_within_discord_limits(feed_embed(_page(posts), "Latest posts"))
    assert [field["value"].split(" ")[0] for field in data["fields"]] == [str(n) for n in range(10)]
    assert all(ELLIPSIS in field["value"] for field in data["fields"])


def test_empty_feed_says_so() -> None:
    data = assert_within_discord_limits(feed_embed(_page([]), "Latest posts"))
    assert data["description"] == "No posts yet. Write the first one with /post."


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_one_hostile_post_stays_within_the_limits(body: str) -> None:
    data = assert_within_discord_limits(post_embed(_post(1, body, "x" * 32, edited=True)))
    assert data["description"] == cut(body, LIMITS["description"])


@pytest.mark.parametrize("count", [0, 1, 10, 25, 30])
def test_summary_of_hostile_posts_stays_within_the_limits(count: int) -> None:
    posts = [_post(n, HOSTILE_BODIES[n % len(HOSTILE_BODIES)], "y" * 32) for n in range(count)]
    data = assert_within_discord_limits(digest_embed(_summary(posts, 10**9, "y" * 32)))
    assert len(data.get("fields", [])) == min(count, MAX_FIELDS)
    assert data["footer"]["text"].startswith(f"…and {10**9 - count} more.")


usernames = st.text(
    st.characters(categories=["Lu", "Ll", "Lo", "Nd"]) | st.sampled_from("._-"),
    min_size=3,
    max_size=32,
)
posts = st.builds(
    PostView,
    id=st.integers(1, 2**63 - 1),
    author_id=st.integers(1, 2**63 - 1),
    author=usernames,
    body=st.text(max_size=4000) | st.sampled_from(HOSTILE_BODIES),
    created_at=st.datetimes(timezones=st.just(UTC)),
    edited_at=st.none() | st.datetimes(timezones=st.just(UTC)),
)


@settings(deadline=None)  # 4,000-character bodies take a moment to generate
@given(st.lists(posts, max_size=30), st.text(max_size=300))
def test_any_feed_page_stays_within_the_limits(page: list[PostView], title: str) -> None:
    assert_within_discord_limits(feed_embed(_page(page), title))


@settings(deadline=None)
@given(st.lists(posts, max_size=30), st.integers(0, 10**12), st.none() | usernames)
def test_any_summary_stays_within_the_limits(
    page: list[PostView], extra: int, author: str | None
) -> None:
    assert_within_discord_limits(digest_embed(_summary(page, len(page) + extra, author)))
