"""Card budgets: every layout stays within Discord's Components V2 limits whatever users wrote
(40 components, nested ones included; 4,000 characters of text; custom_ids of 100), and a
page that cannot hold every post shows fewer, never a broken message."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.cursors import decode_cursor
from bot.domain.values import FeedPage, PostView
from bot.front.cards import (
    MAX_COMPONENTS,
    MAX_TEXT,
    MIN_BODY,
    Buttons,
    PostPage,
    page_layout,
    post_card,
    share,
    summary_card,
)
from bot.front.components import DeletePostButton, EditPostButton, feed_layout
from bot.front.i18n import messages_in
from bot.services.digests import Summary

EN = messages_in("en")
DE = messages_in("de")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
MARKDOWN = "**bold** __under__ `code` ```unclosed block\n# heading\n> quote ||spoiler|| @everyone "


def post(number: int, body: str, **extra: Any) -> PostView:
    return PostView(
        id=number,
        author_id=extra.pop("author_id", 7),
        author=extra.pop("author", "alice_the_great"),
        body=body,
        created_at=NOW - timedelta(minutes=number),
        edited_at=NOW if number % 2 else None,
        **extra,
    )


def hostile_bodies() -> Iterator[tuple[str, str]]:
    yield "2000 characters", "x" * 2000
    yield "4000 characters of words", ("word " * 800)[:4000]
    yield "markdown and mentions", (MARKDOWN * 40)[:2000]
    yield "zero-width", ZERO_WIDTH * 400
    yield "mentions", "<@123456789012345678> <@&1> <#2> @here " * 50


def walk(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component of the message JSON, nested ones included, as Discord counts them."""
    for component in components:
        yield component
        yield from walk(component.get("components") or [])
        if isinstance(component.get("accessory"), dict):
            yield from walk([component["accessory"]])


def check_limits(view: discord.ui.LayoutView, *, in_loop: bool = True) -> list[dict[str, Any]]:
    payload = view.to_components()
    every = list(walk(payload))
    assert len(every) <= MAX_COMPONENTS
    assert view.total_children_count == len(every)
    assert sum(len(c["content"]) for c in every if c["type"] == 10) <= MAX_TEXT
    assert view.content_length() <= MAX_TEXT
    ids = [c["custom_id"] for c in every if "custom_id" in c]
    assert all(1 <= len(value) <= 100 for value in ids)
    assert len(ids) == len(set(ids))
    assert all(c["content"] for c in every if c["type"] == 10)  # Discord refuses empty text
    assert not view.is_dispatchable()
    if in_loop:  # discord.py can only finish a view inside the event loop, as the bot does
        assert view.is_finished()  # so discord.py keeps no copy of it
    return payload


def five_buttons(item: PostView) -> Buttons:
    """A full row, as when Reply, Like, Repost, Edit and Delete all sit under a post."""
    return [
        EditPostButton(item.id, f"Button {n}") if n % 2 else DeletePostButton(item.id, f"B{n}")
        for n in range(5)
    ][:2] + [
        discord.ui.Button(label=f"Other {n}", custom_id=f"mb:other{n}:{item.id}") for n in range(3)
    ]


def test_share_keeps_short_texts_whole_and_splits_the_rest_evenly() -> None:
    assert share([10, 5000, 5000], 1010) == [10, 500, 500]
    assert share([100, 200], 1000) == [100, 200]
    assert share([3000, 3000, 3000], 3000) == [1000, 1000, 1000]
    assert sum(share([7, 900, 1, 4000, 52], 777)) <= 777


@pytest.mark.parametrize(("name", "body"), list(hostile_bodies()))
async def test_a_page_of_hostile_posts_stays_within_every_limit(name: str, body: str) -> None:
    posts = [post(n, body, avatar_url="https://cdn.discordapp.com/a.png") for n in range(1, 41)]
    shown: list[Sequence[PostView]] = []
    view = page_layout(
        PostPage(title="T" * 500, posts=posts, empty="none", header="H" * 900),
        EN,
        buttons=five_buttons,
        paging=lambda visible: shown.append(visible) or [],  # type: ignore[func-returns-value]
    )
    check_limits(view)
    assert 1 <= len(shown[-1]) < len(posts)  # fewer posts, never none, never a failure
    assert [p.id for p in shown[-1]] == list(range(1, len(shown[-1]) + 1))  # the newest ones


async def test_each_post_on_a_page_gets_a_fair_share_of_the_text() -> None:
    posts = [post(n, "y" * 2000) for n in range(1, 11)]
    payload = check_limits(
        page_layout(
            PostPage(title="Latest", posts=posts, empty="none"),
            EN,
            buttons=lambda item: (),
            paging=lambda visible: (),
        )
    )
    texts = [c["content"] for c in walk(payload) if c["type"] == 10][1:]
    assert len(texts) == 10  # no buttons: every post fits, each cut to its share
    assert all(text.endswith("…") and text.count("y") >= MIN_BODY for text in texts)


@pytest.mark.parametrize(("name", "body"), list(hostile_bodies()))
async def test_one_post_card_of_any_length_fits_with_its_buttons(name: str, body: str) -> None:
    item = post(3, body, display_name="A" * 64, avatar_url="https://cdn.discordapp.com/a.png")
    view = post_card(item, DE, buttons=five_buttons(item), intro="Posted!")
    payload = check_limits(view)
    texts = [c["content"] for c in walk(payload) if c["type"] == 10]
    assert texts[0] == "Posted!"
    assert "#3" in texts[1] and "bearbeitet <t:" in texts[1]  # id, and edited, in German


async def test_a_card_shows_author_display_name_time_edited_and_id() -> None:
    item = post(1, "hello", display_name="Ali_ce", author="ali_ce")
    [container] = check_limits(post_card(item, EN))
    [text] = [c["content"] for c in walk([container]) if c["type"] == 10]
    stamp = int(item.created_at.timestamp())
    assert text.startswith(r"**Ali\_ce** @ali\_ce · " + f"<t:{stamp}:R> · edited <t:")
    assert text.endswith("· #1\nhello")


async def test_the_feed_continues_right_after_the_last_post_it_could_show() -> None:
    posts = [post(n, "z" * 2000, author_id=7) for n in range(1, 11)]
    page = FeedPage(posts=posts, older=None, newer=None, author=None, viewer_id=7)
    payload = check_limits(feed_layout(page, EN))
    buttons = {c["label"]: c for c in walk(payload) if c["type"] == 2}
    edits = [c for c in walk(payload) if c.get("custom_id", "").startswith("mb:post-edit:")]
    assert len(edits) < len(posts)  # Edit and Delete under each: not all ten fit
    older = decode_cursor(buttons["Older"]["custom_id"].removeprefix("mb:feed:"))
    assert older.position.post_id == posts[len(edits) - 1].id  # the next page starts behind it
    assert buttons["Newer"]["disabled"]


async def test_only_the_readers_own_posts_carry_edit_and_delete() -> None:
    mine, theirs = post(1, "mine", author_id=7), post(2, "theirs", author_id=8)
    page = FeedPage(posts=[mine, theirs], older=None, newer=None, author=None, viewer_id=7)
    ids = [c.get("custom_id") for c in walk(check_limits(feed_layout(page, EN)))]
    assert "mb:post-edit:1" in ids and "mb:post-delete:1" in ids
    assert not any(i and i.endswith(":2") and "post-" in i for i in ids)
    logged_out = FeedPage(posts=[mine], older=None, newer=None, author=None, viewer_id=None)
    assert not any(
        "post-" in (c.get("custom_id") or "")
        for c in walk(feed_layout(logged_out, EN).to_components())
    )


async def test_an_empty_feed_says_how_to_start() -> None:
    page = FeedPage(posts=[], older=None, newer=None, author=None)
    texts = [c["content"] for c in walk(check_limits(feed_layout(page, DE))) if c["type"] == 10]
    assert texts == ["## Neueste Beiträge", "Noch keine Beiträge. Schreib den ersten mit /posten."]


@pytest.mark.parametrize(("name", "body"), list(hostile_bodies()))
async def test_a_summary_of_hostile_posts_fits(name: str, body: str) -> None:
    summary = Summary(1, 2, "a" * 32, 1000, [post(n, body) for n in range(1, 11)], None)
    payload = check_limits(summary_card(summary, EN, intro="The next summary:"))
    texts = [c["content"] for c in walk(payload) if c["type"] == 10]
    assert texts[1] == f"### Microblog: 1000 new posts from {'a' * 32}"
    assert texts[-1].startswith("-# …and 990 more. Read everything with /feed user:")


async def test_summaries_speak_german_plurals() -> None:
    one = Summary(1, 2, None, 1, [post(1, "x")], None)
    many = Summary(1, 2, None, 3, [post(1, "x")], None)
    first = [c["content"] for c in walk(summary_card(one, DE).to_components()) if c["type"] == 10]
    second = [c["content"] for c in walk(summary_card(many, DE).to_components()) if c["type"] == 10]
    assert first[0] == "### Mikroblog: 1 neuer Beitrag"
    assert second[0] == "### Mikroblog: 3 neue Beiträge"
    assert second[-1] == "-# …und 2 weitere. Alles lesen: /beiträge."


HOSTILE_BODIES = [body for _name, body in hostile_bodies()] + [
    "```" + "x" * 1990,
    "\u200b\u200d\u202e" * 600 + "visible",
    "# Heading\n" * 300,
    "\n" * 2000,
    "👩\u200d👩\u200d👧" * 500,
    "[link](https://example.com) " * 100,
]
usernames = st.text(
    st.characters(categories=["Lu", "Ll", "Lo", "Nd"]) | st.sampled_from("._-"),
    min_size=3,
    max_size=32,
)
posts = st.builds(
    PostView,
    id=st.integers(1, 2**63 - 1),
    author_id=st.integers(1, 3),
    author=usernames,
    body=st.text(min_size=1, max_size=4000) | st.sampled_from(HOSTILE_BODIES),
    created_at=st.datetimes(timezones=st.just(UTC)),
    edited_at=st.none() | st.datetimes(timezones=st.just(UTC)),
    display_name=st.none() | st.text(min_size=1, max_size=64),
    avatar_url=st.none() | st.just("https://cdn.discordapp.com/avatars/1/a.png"),
)


@settings(deadline=None)  # 4,000-character bodies take a moment to generate
@given(st.lists(posts, max_size=40, unique_by=lambda p: p.id), st.none() | st.integers(1, 3))
def test_any_feed_page_stays_within_the_limits(page: list[PostView], viewer: int | None) -> None:
    feed = FeedPage(posts=page, older=None, newer=None, author=None, viewer_id=viewer)
    for language in (EN, DE):
        payload = check_limits(feed_layout(feed, language), in_loop=False)
        assert len([c for c in walk(payload) if c["type"] == 17]) == 1  # one container
        if page:
            assert sum(c["type"] == 14 for c in walk(payload)) >= 1  # at least one post shows


@settings(deadline=None)
@given(st.lists(posts, max_size=10), st.integers(0, 10**12), st.none() | usernames)
def test_any_summary_stays_within_the_limits(
    page: list[PostView], extra: int, author: str | None
) -> None:
    summary = Summary(1, 2, author, len(page) + extra, page, None)
    for language in (EN, DE):
        check_limits(summary_card(summary, language, intro="Preview:"), in_loop=False)
