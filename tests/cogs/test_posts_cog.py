"""/post, /feed, /edit, /delete through the real discord.py client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.front.client import MicroblogBot
from discord_double import DiscordDouble, choice_names
from tests.cogs.conftest import Person, bodies, post_cards, post_id
from tests.conftest import FakeClock

_post_id = post_id


def _bodies(feed) -> list[str]:  # type: ignore[no-untyped-def]
    return [body.split("\n")[0] for body in bodies(feed)]


async def test_mentions_in_posts_never_ping(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    await alice.register("alice")
    text = f"@everyone @here <@{alice.user.id}> <@&{double.guild_id}> hi"
    posted = await alice.run("post", content=text)
    assert posted.components_v2 and not posted.content and not posted.embeds
    assert bodies(posted) == [text]
    assert posted.allowed_mentions == {"parse": []}
    shared = await alice.run("feed", share=True)
    assert not shared.ephemeral
    assert shared.allowed_mentions == {"parse": []}
    assert bodies(shared) == [text]
    assert double.violations == []


async def test_shared_feed_stays_put_and_clickers_page_privately(
    microblog: MicroblogBot, alice: Person, bob: Person, clock: FakeClock
) -> None:
    await alice.register("alice")
    for n in range(6):
        await alice.run("post", content=f"p{n}")
        clock.advance(seconds=1)
    shared = await alice.run("feed", share=True)
    assert not shared.ephemeral
    page = await bob.click(shared, "Older")  # bob is not even logged in: feeds are public
    assert page.ephemeral
    assert page.id != shared.id
    # alice's page held four of her posts (a full row of buttons each): bob goes on behind.
    assert _bodies(page) == ["p1", "p0"]
    assert _bodies(alice.double.message(shared.id)) == ["p5", "p4", "p3", "p2"]


async def test_feed_of_one_user_and_unknown_user(
    microblog: MicroblogBot, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await alice.run("post", content="from alice")
    await bob.register("bobby")
    await bob.run("post", content="from bob")
    page = await bob.run("feed", user="Alice")
    assert page.texts[0] == "## Posts by alice"
    assert _bodies(page) == ["from alice"]
    missing = await bob.run("feed", user="nobody")
    assert missing.ephemeral and missing.content == "There is no user called 'nobody'."


async def test_empty_feed(microblog: MicroblogBot, alice: Person) -> None:
    feed = await alice.run("feed")
    assert feed.texts == ["## Latest posts", "No posts yet. Write the first one with /post."]
    assert all(disabled for _, _, disabled in feed.buttons)


async def test_only_the_author_may_edit_or_delete(
    microblog: MicroblogBot, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    post_id = _post_id(await alice.run("post", content="mine"))
    await bob.register("bobby")
    for attempt in (
        bob.run("edit", post=post_id, content="hijacked"),
        bob.run("delete", post=post_id),
        bob.run("edit", post=post_id),  # the modal is not even offered
    ):
        refused = await attempt
        assert refused.ephemeral and refused.content == "You can only change your own posts."
    assert _bodies(await alice.run("feed")) == ["mine"]
    missing = await alice.run("delete", post=post_id + 100)
    assert missing.content == f"Post #{post_id + 100} does not exist (it may have been deleted)."


async def test_post_and_edit_through_modals(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    await alice.register("alice")
    posted = await alice.fill_modal("post", {"content": "line one\nline two"})
    assert bodies(posted) == ["line one\nline two"]
    post_id = _post_id(posted)
    handle = await double.send_slash(alice.user, "edit", {"post": post_id})
    modal = await handle.modal()
    assert modal.input("content").value == "line one\nline two"  # prefilled
    edited = await (await double.submit_modal(alice.user, modal, {"content": "better"})).message()
    assert bodies(edited) == ["better"]
    assert " · edited <t:" in post_cards(edited)[0][1]


async def test_autocomplete_offers_only_my_posts(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await alice.run("post", content="alice writes about cats")
    await alice.run("post", content="alice writes about dogs")
    await bob.register("bobby")
    await bob.run("post", content="bob writes about cats")
    handle = await double.send_autocomplete(alice.user, "delete", {"post": "cats"}, focused="post")
    names = choice_names(await handle.choices())
    assert len(names) == 1 and names[0].endswith("alice writes about cats")
    stranger = await double.send_autocomplete(
        double.add_user("carol"), "edit", {"post": ""}, focused="post"
    )
    assert await stranger.choices() == []


async def test_one_post_length_limit_from_the_config_everywhere(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    await alice.register("alice")
    # Discord itself stops people at the configured limit ([posts] max_length = 500): the
    # /post and /edit options and the post form all carry it, so nobody types 4,000
    # characters only to lose them to the service's refusal.
    commands = {c["name"]: c for c in double.registered_commands(double.guild_id)}
    for name in ("post", "edit"):
        (content,) = [o for o in commands[name]["options"] if o["name"] == "content"]
        assert content["max_length"] == 500, name
    form = await (await double.send_slash(alice.user, "post")).modal()
    assert [i.max_length for i in form.inputs] == [500]
    # A hostile client that skips Discord's check is refused by the bot, nothing posted.
    refused = await alice.run("post", content="x" * 600)
    assert refused.ephemeral
    assert refused.content == "The option content must be 1 to 500 characters long."
    with pytest.raises(ValueError, match="takes at most 500 characters"):
        await double.submit_modal(alice.user, form, {"content": "y" * 600})  # as Discord would
    assert "No posts yet" in (await alice.run("feed")).texts[1]


async def test_posting_cooldown_says_when(
    start_microblog,
    alice: Person,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    async with start_microblog(posts={"cooldown_seconds": 30}):
        await alice.register("alice")
        await alice.run("post", content="one")
        clock.advance(seconds=5)
        refused = await alice.run("post", content="two")
        retry_at = int((clock.now + timedelta(seconds=25)).timestamp())
        # Rendered by the reader's Discord client ("in 25 seconds"), so it stays true.
        assert refused.content == f"You are posting too fast. Try again <t:{retry_at}:R>."


async def test_feed_limits_hold_for_the_longest_posts(
    start_microblog,
    double: DiscordDouble,
    alice: Person,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    async with start_microblog(posts={"max_length": 4000, "page_size": 10}):
        await alice.register("alice")
        for n in range(10):
            await alice.run("post", content=f"{n} " + "word " * 799)
            clock.advance(seconds=1)
        feed = await alice.run("feed")
        assert sum(len(text) for text in feed.texts) <= 4000
        shown = post_cards(feed)
        assert 1 <= len(shown) < 10  # her own posts carry Edit and Delete: fewer fit
        assert all(body.endswith("…") for _, _, body in shown)
        # Older continues right after the last post shown: nothing is skipped.
        older = await alice.click(feed, "Older")
        assert post_cards(older)[0][0] == shown[-1][0] - 1
    assert double.violations == []
