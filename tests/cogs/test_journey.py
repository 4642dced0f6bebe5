"""The whole journey through the real discord.py client, asserting on what the bot sent."""

from __future__ import annotations

from bot.front.client import MicroblogBot
from discord_double import DiscordDouble
from tests.cogs.conftest import Person, bodies, post_id
from tests.conftest import FakeClock


async def test_register_login_post_feed_page_edit_delete_logout(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    welcome = await alice.register("alice")
    assert welcome.ephemeral
    assert "Welcome, **alice**" in welcome.content

    posted = []
    for n in range(7):
        message = await alice.run("post", content=f"entry number {n}")
        assert message.ephemeral
        assert bodies(message) == [f"entry number {n}"]
        posted.append(message)
        clock.advance(seconds=1)

    feed = await alice.run("feed")
    assert feed.ephemeral
    assert feed.texts[0] == "## Latest posts"
    # Four of the five: a full row of buttons under each own post leaves room for four
    # cards in Discord's 40 components; the next page goes on right behind them.
    assert bodies(feed) == [f"entry number {n}" for n in (6, 5, 4, 3)]
    own_row = ["Reply", "Like", "Repost", "Edit", "Delete"]
    assert [b[0] for b in feed.buttons] == own_row * 4 + ["Newer", "Older"]
    assert feed.buttons[-2][2] is True  # nothing newer than the newest page

    older = await alice.click(feed, "Older")
    assert older.id == feed.id  # an ephemeral page is updated in place
    assert bodies(older) == ["entry number 2", "entry number 1", "entry number 0"]
    newer = await alice.click(older, "Newer")
    assert len(bodies(newer)) == 4

    first_id = post_id(posted[0])
    edited = await alice.run("edit", post=first_id, content="entry zero, edited")
    assert bodies(edited) == ["entry zero, edited"]
    deleted = await alice.run("delete", post=first_id)
    assert deleted.content == f"Deleted post #{first_id}."

    logged_out = await alice.run("logout")
    assert logged_out.content.startswith("Logged out of **alice**")
    refused = await alice.run("post", content="after logout")
    assert refused.ephemeral
    assert refused.content == "You are not logged in. Use /login first."
    assert double.violations == []
