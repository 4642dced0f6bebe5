"""/search and /trending through the real discord.py client, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.front.client import MicroblogBot
from discord_double import DiscordDouble, RecordedMessage, choice_names
from tests.cogs.conftest import BotFactory, Person, bodies, post_id
from tests.conftest import FakeClock


def _bodies(page: RecordedMessage) -> list[str]:
    """Each post's text as written (the cards mark tags in bold)."""
    return [body.replace("**", "") for body in bodies(page)]


def _title(page: RecordedMessage) -> str:
    return page.texts[0].partition("\n")[0]


def _disabled(page: RecordedMessage, label: str) -> bool:
    return next(disabled for name, _, disabled in page.buttons if name == label)


@pytest.fixture
async def timeline(microblog: MicroblogBot, alice: Person, bob: Person, clock: FakeClock) -> None:
    """alice and bob, a few posts each, in March and April 2026."""
    clock.now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    await alice.register("alice")
    await bob.register("bob")
    for person, body in [
        (alice, "Good morning! Coffee first"),
        (alice, "Shipped the parser in #Rust today"),
        (bob, "Morning tea and a walk #garden"),
        (bob, "second coffee, good morning again"),
    ]:
        clock.advance(minutes=5)
        await person.run("post", content=body)
    clock.now = datetime(2026, 4, 10, 9, tzinfo=UTC)
    await alice.login("alice")  # a new session after five weeks
    await alice.run("post", content="April coffee with #garden friends #RUST")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("coffee", ["April coffee with", "second coffee,", "Good morning!"]),
        ("coffee morning", ["second coffee,", "Good morning!"]),
        ('"good morning"', ["second coffee,", "Good morning!"]),
        ('"morning good"', []),
        ("#rust", ["April coffee with", "Shipped the parser"]),
        ("#Garden coffee", ["April coffee with"]),
        ("from:bob coffee", ["second coffee,"]),
        ("from:alice #rust before:2026-04-01", ["Shipped the parser"]),
        ("coffee after:2026-04-01", ["April coffee with"]),
        ("NEAR(coffee OR tea)", []),
    ],
)
async def test_each_query_form_finds_what_it_should(
    timeline: None, alice: Person, double: DiscordDouble, query: str, expected: list[str]
) -> None:
    page = await alice.run("search", query=query)
    assert page.ephemeral and page.components_v2
    assert _title(page).startswith("## Search: ")
    found = [next((s for s in expected if b.startswith(s)), b) for b in _bodies(page)]
    assert found == expected
    if not expected:
        assert any(text.startswith("No posts match.") for text in page.texts)
        assert all(disabled for _, _, disabled in page.buttons)
    assert double.violations == []


async def test_tags_are_marked_on_cards(timeline: None, bob: Person) -> None:
    page = await bob.run("search", query="april")
    assert bodies(page) == ["April coffee with **#garden** friends **#RUST**"]
    feed = await bob.run("feed")
    assert bodies(feed)[0] == "April coffee with **#garden** friends **#RUST**"


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ('"unbalanced', "A quote has no partner."),
        ("!!!", "Nothing to search for."),
        ("coffee\x00", "Searches cannot contain control characters."),
        ("coffee \u200f", "Searches cannot contain invisible direction marks"),
        ("before:2026-02-30 tea", "2026-02-30 is not a date in the calendar."),
        ("from:nobody tea", "There is no user called 'nobody'."),
    ],
)
async def test_malformed_queries_get_a_clear_private_answer(
    timeline: None, bob: Person, double: DiscordDouble, query: str, answer: str
) -> None:
    message = await bob.run("search", query=query)
    assert message.ephemeral
    assert (message.content or "\n".join(message.texts)).startswith(answer)
    assert double.violations == []


async def test_a_query_longer_than_discord_allows_is_refused(
    microblog: MicroblogBot, bob: Person
) -> None:
    message = await bob.run("search", query="x" * 10_000)
    assert message.ephemeral and "300" in (message.content or "\n".join(message.texts))


async def test_paging_in_place_and_after_a_restart(
    start_microblog: BotFactory, alice: Person, clock: FakeClock
) -> None:
    async with start_microblog():
        await alice.register("alice")
        for n in range(7):
            clock.advance(seconds=1)
            await alice.run("post", content=f"walk {n}")
        first = await alice.run("search", query="walk")
        # Five results are asked for; four cards with their buttons fill Discord's 40
        # components, so four show and Older goes on right after the fourth.
        assert _bodies(first) == ["walk 6", "walk 5", "walk 4", "walk 3"]
        assert _disabled(first, "Newer")  # the first page has nothing newer
    async with start_microblog():  # the buttons carry their state: a restart loses nothing
        older = await alice.click(first, "Older")
        assert older.id == first.id  # a private page is turned in place
        assert _bodies(older) == ["walk 2", "walk 1", "walk 0"]
        newer = await alice.click(older, "Newer")
        assert _bodies(newer) == ["walk 6", "walk 5", "walk 4", "walk 3"]


async def test_shared_results_stay_and_clickers_page_privately(
    timeline: None, alice: Person, bob: Person, clock: FakeClock
) -> None:
    for n in range(5):
        clock.advance(seconds=1)
        await alice.run("post", content=f"more coffee {n}")
    shared = await alice.run("search", query="coffee", share=True)
    assert not shared.ephemeral
    page = await bob.click(shared, "Older")  # bob is not even logged in: posts are public
    assert page.ephemeral and page.id != shared.id
    assert _bodies(page) == [  # the shared page showed four: nothing is skipped
        "more coffee 0",
        "April coffee with #garden friends #RUST",
        "second coffee, good morning again",
        "Good morning! Coffee first",
    ]
    assert _bodies(alice.double.message(shared.id))[0] == "more coffee 4"
    best = await alice.run("search", query="coffee", share=True, order="best")
    assert "Best matches first, among the newest 8 matches" in best.texts[0]
    assert _disabled(best, "Previous") and not _disabled(best, "Next")


async def test_best_order_pages(
    microblog: MicroblogBot, alice: Person, bob: Person, clock: FakeClock
) -> None:
    await alice.register("alice")
    for n in range(6):
        clock.advance(seconds=1)
        await alice.run("post", content=f"a day in the garden, number {n}")
    clock.advance(seconds=1)
    await alice.run("post", content="garden garden garden")
    page = await bob.run("search", query="garden", order="best")
    assert _bodies(page)[0] == "garden garden garden"
    rest = await bob.click(page, "Next")
    assert len(_bodies(rest)) == 2
    back = await bob.click(rest, "Previous")
    assert _bodies(back) == _bodies(page)


async def test_edits_and_deletions_show_at_once(microblog: MicroblogBot, alice: Person) -> None:
    await alice.register("alice")
    posted = await alice.run("post", content="about #cats")
    number = post_id(posted)
    assert _bodies(await alice.run("search", query="#cats")) == ["about #cats"]
    await alice.run("edit", post=number, content="about #dogs")
    assert _bodies(await alice.run("search", query="#cats")) == []
    assert _bodies(await alice.run("search", query="dogs")) == ["about #dogs"]
    await alice.run("delete", post=number)
    assert _bodies(await alice.run("search", query="#dogs")) == []


async def test_trending(timeline: None, bob: Person, clock: FakeClock) -> None:
    trending = await bob.run("trending")
    assert trending.ephemeral
    day, week = trending.texts[1], trending.texts[2]
    assert day.splitlines() == ["### Last 24 hours", "**#garden** · 1 post", "**#rust** · 1 post"]
    assert week.splitlines()[:2] == ["### Last 7 days", "**#garden** · 1 post"]


async def test_trending_with_no_tags(microblog: MicroblogBot, bob: Person) -> None:
    trending = await bob.run("trending", share=True)
    assert not trending.ephemeral
    assert "No #tags in the last 7 days" in trending.texts[1]


async def test_autocomplete_usernames_and_tags(
    timeline: None, double: DiscordDouble, bob: Person
) -> None:
    async def choices(command: str, option: str, typed: str) -> list[str]:
        handle = await double.send_autocomplete(bob.user, command, {option: typed}, focused=option)
        return choice_names(await handle.choices())

    assert await choices("search", "query", "coffee from:a") == ["coffee from:alice"]
    assert await choices("search", "query", "#g") == ["#garden"]
    assert await choices("search", "query", "#r") == ["#rust"]
    assert await choices("search", "query", "plain words") == []
    assert await choices("feed", "user", "B") == ["bob"]
    assert double.violations == []


async def test_blocked_authors_are_left_out(timeline: None, alice: Person, bob: Person) -> None:
    assert "second coffee, good morning again" in _bodies(await alice.run("search", query="coffee"))
    blocked = await alice.run("block", user="bob")
    assert blocked.content.startswith("Blocked")
    assert _bodies(await alice.run("search", query="coffee")) == [
        "April coffee with #garden friends #RUST",
        "Good morning! Coffee first",
    ]
    assert len(_bodies(await bob.run("search", query="coffee"))) == 3  # bob is logged out
    await bob.login("bob")
    assert _bodies(await bob.run("search", query="coffee")) == ["second coffee, good morning again"]
