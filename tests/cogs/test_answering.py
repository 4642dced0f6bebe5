"""Quick commands answer directly; when the database is slow they defer within the
deadline and follow up, and under a storm every interaction is acknowledged once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.util.concurrency import await_, in_greenlet

from bot.front.client import MicroblogBot
from bot.telemetry import REGISTRY
from discord_double import DiscordDouble, InteractionHandle, RecordedMessage
from tests.cogs.conftest import BotFactory, Person, bodies, post_id
from tests.conftest import FakeClock

MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
DEADLINE = 0.2  # seconds: short, so a test need not wait long for a deferral
SLOW = 0.25  # seconds each SQL statement takes on the "slow" database: more than DEADLINE
DISCORD_LIMIT = 3.0


@contextmanager
def slow_database(seconds: float) -> Iterator[None]:
    """Every SQL statement waits ``seconds`` before it runs, as on an overloaded server.

    The wait never blocks the event loop: in SQLAlchemy's asyncio bridge it yields to the
    loop; where a statement runs on a worker thread, that thread sleeps.
    """

    def wait(*_: object) -> None:
        if in_greenlet():
            await_(asyncio.sleep(seconds))
        else:
            time.sleep(seconds)

    # Every engine of the process, not only ``database.engine``: page reads go through the
    # one-hop readers' own engines (bot/db/reads.py), created when first used.
    event.listen(Engine, "before_cursor_execute", wait)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", wait)


def deferrals(kind: str, name: str) -> float:
    return REGISTRY.get_sample_value("microblog_deferrals_total", {"kind": kind, "name": name}) or 0


def callback_types(handle: InteractionHandle) -> list[int]:
    return [callback.type for callback in handle.callbacks]


async def acknowledged(handle: InteractionHandle) -> RecordedMessage:
    """The visible answer, once the interaction was acknowledged exactly once, in time."""
    message = await handle.message(timeout=30)
    assert len(handle.callbacks) == 1, handle.describe()
    (callback,) = handle.callbacks
    assert callback.status < 300 and callback.elapsed < DISCORD_LIMIT, handle.describe()
    return message


@asynccontextmanager
async def short_deadline(start_microblog: BotFactory) -> AsyncIterator[MicroblogBot]:
    async with start_microblog(discord={"answer_deadline_seconds": DEADLINE}) as bot:
        yield bot


async def _write_posts(person: Person, clock: FakeClock, count: int) -> None:
    for n in range(count):
        await person.run("post", content=f"post {n}")
        clock.advance(seconds=1)


async def test_quick_commands_answer_directly(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    await alice.register("alice")
    before = deferrals("command", "feed")
    handles = {}
    for name, options in (
        ("post", {"content": "hello"}),
        ("feed", {}),
        ("home", {}),
        ("profile", {}),
        ("notifications", {}),
        ("search", {"query": "hello"}),
        ("trending", {}),
    ):
        handles[name] = await double.send_slash(alice.user, name, options or None)
        await handles[name].message()
    first = post_id(await handles["post"].message())
    for name, options in (("thread", {"post": first}), ("like", {"post": first})):
        handles[name] = await double.send_slash(alice.user, name, options)
        await handles[name].message()
    for name, handle in handles.items():
        assert callback_types(handle) == [MESSAGE], (name, handle.describe())
        assert handle.followups == [], name
    assert bodies(await handles["feed"].message()) == ["hello"]
    assert bodies(await handles["search"].message()) == ["hello"]
    assert "liked post" in (await handles["like"].message()).content
    assert deferrals("command", "feed") == before  # counted only when one happens
    assert double.violations == []


async def test_page_buttons_replace_a_private_page_directly(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    await alice.register("alice")
    await _write_posts(alice, clock, 7)
    page = await alice.run("feed")
    assert page.ephemeral
    click = await double.click_button(alice.user, page, page.button("Older"))
    await click.response()
    assert callback_types(click) == [UPDATE_MESSAGE]
    assert (await click.message()).id == page.id  # replaced in place, no second message
    assert [body.split()[-1] for body in bodies(page)] == ["2", "1", "0"]
    # A shared page stays as it is; the clicker gets the next page privately, directly.
    shared = await alice.run("feed", share=True)
    click = await double.click_button(alice.user, shared, shared.button("Older"))
    private = await click.message()
    assert callback_types(click) == [MESSAGE]
    assert private.ephemeral and private.id != shared.id
    assert double.violations == []


async def test_errors_take_the_one_error_path_once(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    handle = await double.send_slash(alice.user, "home")  # not logged in
    answer = await handle.message()
    assert "not logged in" in answer.content and answer.ephemeral
    assert callback_types(handle) == [MESSAGE]
    assert double.violations == []


async def test_slow_database_defers_then_follows_up_with_the_same_page(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    async with short_deadline(start_microblog):
        await alice.register("alice")
        await _write_posts(alice, clock, 7)
        quick = await alice.run("feed")
        quick_older = await alice.click(await alice.run("feed"), "Older")
        before = deferrals("command", "feed")
        with slow_database(SLOW):
            slow = await double.send_slash(alice.user, "feed")
            deferred = await slow.response()
            page = await acknowledged(slow)
            assert deferred.type == DEFERRED_MESSAGE and deferred.ephemeral
            assert deferred.elapsed >= DEADLINE * 0.9  # it waited for the work first
            assert page.texts == quick.texts and page.buttons == quick.buttons
            assert page.ephemeral

            click = await double.click_button(alice.user, page, page.button("Older"))
            await click.response()
            edited = await acknowledged(click)
        assert callback_types(click) == [DEFERRED_UPDATE]
        assert edited.id == page.id and edited.texts == quick_older.texts
        assert deferrals("command", "feed") == before + 1
        assert double.violations == []


async def test_slow_errors_are_followed_up_once(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person
) -> None:
    async with short_deadline(start_microblog):
        with slow_database(SLOW):
            handle = await double.send_slash(alice.user, "profile", {"user": "nobody"})
            answer = await acknowledged(handle)
        assert callback_types(handle) == [DEFERRED_MESSAGE]
        assert "nobody" in answer.content and answer.ephemeral
        assert len(handle.messages) == 1
        assert double.violations == []


async def test_a_storm_on_a_slow_database_is_acknowledged_once_each_and_answered(
    start_microblog: BotFactory,
    double: DiscordDouble,
    alice: Person,
    bob: Person,
    clock: FakeClock,
) -> None:
    async with short_deadline(start_microblog):
        await alice.register("alice")
        await bob.register("bob")
        await _write_posts(alice, clock, 7)
        first = post_id(await alice.run("feed"))
        page = await bob.run("feed")  # private: its Older button replaces it in place
        older = [f"post {n}" for n in range(6, -1, -1)][len(bodies(page)) :]
        sends = [("feed", {}), ("home", {}), ("profile", {"user": "alice"})] * 12
        sends += [("thread", {"post": first}), ("notifications", {})] * 3
        sends += [("search", {"query": "post"})] * 2
        with slow_database(SLOW):
            handles = await asyncio.gather(
                *(double.send_slash(bob.user, name, options or None) for name, options in sends),
                *(double.click_button(bob.user, page, page.button("Older")) for _ in range(6)),
            )
            assert len(handles) == 50
            answers = await asyncio.gather(*(acknowledged(handle) for handle in handles))
        kinds = {callback_types(handle)[0] for handle in handles}
        assert kinds <= {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE}
        assert DEFERRED_MESSAGE in kinds  # the database was slower than the deadline
        for (name, _), answer in zip(sends, answers[: len(sends)], strict=True):
            assert answer.components_v2, (name, answer)
            if name == "feed":
                assert bodies(answer)[:3] == ["post 6", "post 5", "post 4"]
        for answer in answers[len(sends) :]:
            assert answer.id == page.id and bodies(answer) == older
        assert double.violations == []
