"""Conversations through the real discord.py client, on SQLite and PostgreSQL: replies and
threads, likes and reposts with their buttons, mentions that never ping, notifications with
unread counts, and notification DMs (including a user whose DMs are closed)."""

from __future__ import annotations

import asyncio

import pytest

from bot.front.client import MicroblogBot
from discord_double import DiscordDouble, RecordedMessage
from tests.cogs.conftest import BotFactory, Person, bodies, card_context, post_cards, post_id
from tests.conftest import FakeClock

NO_PINGS = {"parse": []}


@pytest.fixture
def carol(double: DiscordDouble) -> Person:
    return Person(double, double.add_user("carol_discord"))


async def _post(person: Person, text: str) -> int:
    return post_id(await person.run("post", content=text))


def _labels(message: RecordedMessage) -> list[str]:
    return [label or "" for label, _, _ in message.buttons]


def _card_buttons(message: RecordedMessage, post: int) -> list[str]:
    """The labels of the buttons under one post (their custom_ids end in its id)."""
    return [
        label or ""
        for label, custom_id, _ in message.buttons
        if custom_id is not None and custom_id.rsplit(":", 1)[-1] == str(post)
    ]


async def test_replies_thread_in_order_and_survive_deleted_parents(
    start_microblog: BotFactory,
    double: DiscordDouble,
    alice: Person,
    bob: Person,
    carol: Person,
    clock: FakeClock,
) -> None:
    async with start_microblog():
        await alice.register("alice")
        await bob.register("bob")
        await carol.register("carol")
        root = await _post(alice, "What should I read next?")

        answer = await bob.run("reply", post=root, content="Dune.")
        assert answer.ephemeral and answer.allowed_mentions == NO_PINGS
        assert answer.texts[0].startswith(f"Replied to post #{root}.")
        assert f"/thread {root}" in answer.texts[0]
        [(first, _, body)] = post_cards(answer)
        assert body == "Dune." and card_context(answer)[first] == "↪ replying to @alice"

        # The Reply button on a card opens a form for that post.
        feed = await carol.run("feed")
        assert _card_buttons(feed, first)[:3] == ["Reply", "Like", "Repost"]
        opened = await double.click_button(carol.user, feed, f"mb:reply:{first}")
        form = await opened.modal()
        assert form.title == f"Reply to post #{first}"
        sent = await double.submit_modal(carol.user, form, {"content": "And its sequels."})
        deeper = post_id(await sent.message())
        for n in range(6):
            clock.advance(seconds=1)
            await (alice, bob)[n % 2].run("reply", post=root, content=f"more {n}")

        thread = await carol.run("thread", post=deeper)
        assert thread.ephemeral and thread.texts[0].startswith(f"## Conversation #{root}")
        # Asked for a reply, the page starts at it; the first post stays on top.
        assert bodies(thread)[:3] == ["What should I read next?", "And its sequels.", "more 0"]
        assert card_context(thread)[deeper] == "↪ replying to @bob"
        assert _card_buttons(thread, root)[0] == "Reply · 7"  # its direct replies
        earlier = await carol.click(thread, "Earlier")
        assert earlier.id == thread.id  # a private page pages in place
        assert bodies(earlier) == ["What should I read next?", "Dune."]

    async with start_microblog():  # a new process: the buttons still work
        # Each page: the first post, then as many replies as fit in one message.
        top = "What should I read next?"
        later = await carol.click(double.message(thread.id), "Later")
        assert bodies(later) == [top, "And its sequels.", "more 0", "more 1"]
        later = await carol.click(later, "Later")
        assert bodies(later) == [top, "more 2", "more 3", "more 4", "more 5"]
        assert later.buttons[-1] == ("Later", "mb:thread:-n", True)  # the end

        missing = await bob.run("reply", post=999999, content="hello?")
        assert missing.content == (
            "You cannot reply to post #999999: it does not exist or was deleted."
        )
        deleted = await bob.run("delete", post=first)
        assert deleted.content == f"Deleted post #{first}."
        gone = await carol.run("reply", post=first, content="too late")
        assert gone.content == (
            f"You cannot reply to post #{first}: it does not exist or was deleted."
        )
        form_refused = await carol.run("reply", post=first)  # no form for what cannot be answered
        assert form_refused.content == gone.content
        kept = await alice.run("thread", post=deeper)
        assert card_context(kept)[deeper] == "↪ replying to a deleted post"
        await alice.run("delete", post=root)
        orphaned = await carol.run("thread", post=deeper)
        assert "The post that started this conversation was deleted." in orphaned.texts[0]
        assert bodies(orphaned)[0] == "And its sequels."
    assert double.violations == []


async def test_likes_and_reposts_count_exactly_toggle_in_place_and_reach_home_once(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, carol: Person
) -> None:
    await alice.register("alice")
    await bob.register("bob")
    await carol.register("carol")
    dave = Person(double, double.add_user("dave_discord"))
    await dave.register("dave")
    await dave.run("follow", user="bob")
    await dave.run("follow", user="carol")
    post = await _post(alice, "pass this on")

    liked = await bob.run("like", post=post)
    assert liked.ephemeral
    assert liked.content == f"You liked post #{post} by **alice**. It has 1 like."
    again = await bob.run("like", post=post)
    assert again.content == f"You already like post #{post}. It has 1 like."
    # A card's Like toggles for the presser; a private page changes in place.
    feed = await carol.run("feed")
    assert _card_buttons(feed, post)[1] == "Like · 1"
    pressed = await carol.click(feed, "Like · 1")
    assert pressed.id == feed.id and _card_buttons(pressed, post)[1] == "Liked · 2"
    unpressed = await carol.click(pressed, "Liked · 2")
    assert _card_buttons(unpressed, post)[1] == "Like · 1"
    # A shared page stays as it is; the presser hears privately.
    shared = await alice.run("feed", share=True)
    private = await carol.click(shared, "Like · 1")
    assert private.ephemeral and private.id != shared.id
    assert private.content == f"You liked post #{post} by **alice**. It has 2 likes."
    assert _card_buttons(double.message(shared.id), post)[1] == "Like · 1"

    await bob.run("repost", post=post)
    reposted = await carol.run("repost", post=post)
    assert reposted.content == (
        f"You reposted post #{post} by **alice**: it shows in your followers' /home. "
        "It has 2 reposts."
    )
    home = await dave.run("home")  # dave follows both reposters, not alice
    assert bodies(home) == ["pass this on"]  # once, however many reposted it
    assert card_context(home)[post] == "🔁 reposted by **carol**"
    assert _card_buttons(home, post)[1:3] == ["Like · 2", "Repost · 2"]
    undone = await carol.run("unrepost", post=post)
    assert undone.content == f"You took back your repost of post #{post}. It has 1 repost."
    home = await dave.run("home")
    assert card_context(home)[post] == "🔁 reposted by **bob**"
    unliked = await bob.run("unlike", post=post)
    assert unliked.content == f"You no longer like post #{post}. It has 1 like."
    nothing = await bob.run("unlike", post=post)
    assert nothing.content == f"You did not like post #{post}. It has 1 like."
    missing = await bob.run("like", post=424242)
    assert missing.content == "Post #424242 does not exist (it may have been deleted)."
    assert double.violations == []


async def test_mentions_are_bold_notify_and_never_ping(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.register("bob_the.builder")
    posted = await alice.run(
        "post", content="hey @BOB_the.builder, @nobody and @everyone <@123> @here"
    )
    assert posted.allowed_mentions == NO_PINGS
    [(_, _, body)] = post_cards(posted)
    assert body == "hey **@BOB\\_the.builder**, @nobody and @everyone <@123> @here"
    assert all(m.allowed_mentions == NO_PINGS for m in double.channel_messages())
    mentioned = await bob.run("notifications")
    assert mentioned.allowed_mentions == NO_PINGS
    assert "🔵 **alice** mentioned you in #" in mentioned.texts[-1]
    assert double.violations == []


async def test_notifications_group_count_unread_and_mark_read(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, carol: Person
) -> None:
    await alice.register("alice")
    fans = [bob, carol, Person(double, double.add_user("dave_discord"))]
    for fan, name in zip(fans, ("bob", "carol", "dave"), strict=True):
        await fan.register(name)
    post = await _post(alice, "my first post")
    for fan in fans:
        await fan.run("like", post=post)
    await bob.run("follow", user="alice")
    await carol.run("reply", post=post, content="welcome!")

    whoami = await alice.run("whoami")
    assert whoami.content.endswith("5 unread notifications: /notifications")
    home = await alice.run("home")
    assert "5 unread notifications: /notifications" in home.texts[0]

    page = await alice.run("notifications")
    assert page.ephemeral and page.texts[0].startswith("## Notifications for alice")
    lines = page.texts[-1].splitlines()
    assert lines[0].startswith(f"🔵 **carol** replied (#{post + 1}): “welcome!”")
    assert lines[1].startswith("🔵 **bob** followed you")
    assert lines[2].startswith(f"🔵 **dave** and 2 others liked your post #{post}: “my first")
    assert len(lines) == 3
    after = await alice.run("whoami")
    assert "unread" not in after.content  # viewing marked them read
    again = await alice.run("notifications")
    assert again.texts[-1].startswith("• **carol** replied")
    assert double.violations == []


async def _notify(person: Person, dm: str) -> RecordedMessage:
    handle = await person.double.send_slash(person.user, "account", {"dm": dm}, subcommand="notify")
    return await handle.message()


async def _until(person: Person, text: str, attempts: int = 200) -> RecordedMessage:
    """/whoami until it says ``text`` (the DM scheduler runs on its own loop)."""
    for _attempt in range(attempts):
        answer = await person.run("whoami")
        if text in answer.content:
            return answer
        await asyncio.sleep(0.05)
    raise AssertionError(f"/whoami never said {text!r}")


async def test_notification_dms_once_per_interval_and_off_when_dms_are_closed(
    start_microblog: BotFactory,
    double: DiscordDouble,
    alice: Person,
    bob: Person,
    clock: FakeClock,
) -> None:
    async with start_microblog(notifications={"tick_seconds": 0.05, "dm_interval_minutes": 30}):
        await alice.register("alice")
        await bob.register("bob")
        post = await _post(alice, "hello")
        turned_on = await _notify(alice, "on")
        assert turned_on.ephemeral
        assert "at most one every 30 minutes" in turned_on.content
        dm_channel = double.world.dm_channel(alice.user)

        await bob.run("like", post=post)
        first = await double.wait_for_channel_message(dm_channel.id, count=1)
        assert first.allowed_mentions == NO_PINGS
        assert first.content.startswith("You have 1 new notification on the microblog:")
        assert f"**bob** liked your post #{post}" in first.content
        await bob.run("repost", post=post)
        await asyncio.sleep(0.5)  # ten ticks: still one DM, the interval has not passed
        assert len(double.channel_messages(dm_channel.id)) == 1
        clock.advance(minutes=31)
        second = await double.wait_for_channel_message(dm_channel.id, count=2)
        assert f"**bob** reposted your post #{post}" in second.content

        double.close_dms(alice.user)  # Discord now answers 403 / 50007
        await bob.run("follow", user="alice")
        clock.advance(minutes=31)
        whoami = await _until(alice, "error 50007")
        assert "Notification DMs are off" in whoami.content
        page = await alice.run("notifications")
        assert "error 50007" in page.texts[0]
        assert len(double.channel_messages(dm_channel.id)) == 2
        turned_off = await _notify(alice, "off")
        assert turned_off.content.startswith("Notification DMs are off.")
    assert double.violations == []
