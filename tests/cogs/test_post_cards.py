"""Post cards through the real discord.py client: Components V2 within every limit whatever
people wrote, and the buttons on each card (Edit, Delete with its confirmation), which keep
working after a restart and answer clearly when their post is gone."""

from __future__ import annotations

from discord_double import DiscordDouble, RecordedMessage
from tests.cogs.conftest import BotFactory, Person, bodies, post_cards, post_id
from tests.conftest import FakeClock

MARKDOWN_AND_MENTIONS = (
    "**bold** __under__ `code` ||spoiler|| > quote\n# heading @everyone @here <@{user}> "
    "<@&{guild}> <#{channel}> ```unclosed"
)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def within_limits(message: RecordedMessage) -> None:
    """What Discord demands of every Components V2 message, checked on what it stored."""
    assert message.components_v2 and not message.content and not message.embeds
    assert sum(len(text) for text in message.texts) <= 4000
    assert message.allowed_mentions == {"parse": []}
    assert all(len(custom_id or "") <= 100 for _, custom_id, _ in message.buttons)


async def click_id(person: Person, message: RecordedMessage, custom_id: str) -> RecordedMessage:
    handle = await person.double.click_button(person.user, message, custom_id)
    return await handle.message()


async def test_a_post_card_shows_everything_a_reader_needs(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    async with start_microblog():
        await alice.register("alice")
        posted = await alice.run("post", content="hello **world**")
        within_limits(posted)
        assert posted.texts[0] == "Posted! This is how others see it:"
        [(number, byline, body)] = post_cards(posted)
        stamp = int(clock.now.timestamp())
        assert byline == f"**alice** · <t:{stamp}:R> · #{number}"
        assert body == "hello **world**"
        assert [label for label, _, _ in posted.buttons] == [
            "Reply",
            "Like",
            "Repost",
            "Edit",
            "Delete",
        ]
        clock.advance(minutes=5)
        edited = await alice.run("edit", post=number, content="hello again")
        edited_at = int(clock.now.timestamp())
        assert post_cards(edited)[0][1] == (
            f"**alice** · <t:{stamp}:R> · edited <t:{edited_at}:R> · #{number}"
        )
    assert double.violations == []


async def test_edit_and_delete_from_the_card(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person
) -> None:
    async with start_microblog():
        await alice.register("alice")
        number = post_id(await alice.run("post", content="first draft"))
        feed = await alice.run("feed")
        opened = await double.click_button(alice.user, feed, f"mb:post-edit:{number}")
        form = await opened.modal()
        assert form.input("content").value == "first draft"  # the post as it is now
        saved = await (await double.submit_modal(alice.user, form, {"content": "final"})).message()
        assert bodies(saved) == ["final"]
        question = await click_id(alice, feed, f"mb:post-delete:{number}")
        assert question.ephemeral
        assert question.texts[0] == f"Delete post #{number}? This cannot be undone."
        assert question.texts[1].endswith("\nfinal")  # which post, as it is now
        answer = await click_id(alice, question, question.button("Yes, delete it"))
        assert answer.id == question.id  # the question becomes the answer
        assert answer.texts == [f"Deleted post #{number}."]
        assert answer.buttons == []
        assert bodies(await alice.run("feed")) == []
    assert double.violations == []


async def test_a_button_whose_post_is_gone_says_so(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person
) -> None:
    async with start_microblog():
        await alice.register("alice")
        number = post_id(await alice.run("post", content="short-lived"))
        feed = await alice.run("feed")
        question = await click_id(alice, feed, f"mb:post-delete:{number}")
        await alice.run("delete", post=number)
        gone = f"Post #{number} does not exist (it may have been deleted)."
        for button in (f"mb:post-edit:{number}", f"mb:post-delete:{number}"):
            assert (await click_id(alice, feed, button)).content == gone
        assert (await click_id(alice, question, question.button("Yes, delete it"))).content == gone
    assert double.violations == []


async def test_only_the_author_gets_edit_and_delete_and_only_the_author_may_use_them(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    async with start_microblog():
        await alice.register("alice")
        number = post_id(await alice.run("post", content="mine"))
        shared = await alice.run("feed", share=True)  # everyone sees her buttons here
        await bob.register("bobby")
        assert not any("post-" in (c or "") for _, c, _ in (await bob.run("feed")).buttons)
        for button in (f"mb:post-edit:{number}", f"mb:post-delete:{number}"):
            refused = await click_id(bob, shared, button)
            assert refused.ephemeral
            assert refused.content == "You can only change your own posts."
        logged_out = await click_id(Person(double, double.add_user("carol")), shared, button)
        assert logged_out.content == "You are not logged in. Use /login first."
        assert bodies(await alice.run("feed")) == ["mine"]
    assert double.violations == []


async def test_card_buttons_work_after_a_restart(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person
) -> None:
    async with start_microblog():
        await alice.register("alice")
        number = post_id(await alice.run("post", content="before the restart"))
        feed = await alice.run("feed")
        question = await click_id(alice, feed, f"mb:post-delete:{number}")
    async with start_microblog():  # a new process: nothing of the old one in memory
        opened = await double.click_button(alice.user, feed, f"mb:post-edit:{number}")
        assert (await opened.modal()).input("content").value == "before the restart"
        answer = await click_id(alice, question, question.button("Yes, delete it"))
        assert answer.texts == [f"Deleted post #{number}."]
    assert double.violations == []


async def test_two_thousand_character_posts_fit_every_card_and_page(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    async with start_microblog(posts={"max_length": 2000, "page_size": 10}):
        await alice.register("alice")
        for n in range(10):
            body = f"{n} " + ("word " * 400)[: 2000 - 2]
            posted = await alice.run("post", content=body)
            within_limits(posted)
            assert bodies(posted) == [body.strip()]  # one post alone shows whole
            clock.advance(seconds=1)
        page, pages, shown = await alice.run("feed"), 1, []
        while True:  # the private page is edited in place, Older after Older
            within_limits(page)
            shown += [body.split(" ")[0] for body in bodies(page)]
            if page.buttons[-1][2]:  # Older is disabled: the end
                break
            page, pages = await alice.click(page, "Older"), pages + 1
        assert shown == [str(n) for n in range(9, -1, -1)]  # every post once, none skipped
        assert pages > 1  # with Edit and Delete under each, ten do not fit on one
    assert double.violations == []


async def test_forty_posts_of_markdown_mentions_and_zero_width_characters(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    hostile = MARKDOWN_AND_MENTIONS.format(
        user=alice.user.id, guild=double.guild_id, channel=double.channel_id
    )
    async with start_microblog(posts={"max_length": 4000, "page_size": 10}):
        await alice.register("alice")
        for n in range(40):
            body = f"{n} {hostile}" + (ZERO_WIDTH * 300 if n % 2 else hostile * 20)
            within_limits(await alice.run("post", content=body[:4000]))
            clock.advance(seconds=1)
        shared = await alice.run("feed", share=True)
        within_limits(shared)
        seen, page, bob = [], shared, Person(double, double.add_user("bob"))
        while True:
            seen += [body.split(" ")[0] for body in bodies(page)]
            if page.buttons[-1][2]:
                break
            page = await bob.click(page, "Older")  # first a private page, then in place
            within_limits(page)
        assert seen == [str(n) for n in range(39, -1, -1)]
    assert double.violations == []
