"""What must survive: restarts, gateway drops, hostile payloads, bursts of logins."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.db.models import Base
from bot.front.client import MicroblogBot
from bot.front.tree import APOLOGY
from discord_double import DiscordDouble, RecordedMessage, User
from discord_double.interactions import base_payload
from tests.cogs.conftest import BotFactory, Person, bodies
from tests.conftest import STRONG_PASSWORD, FakeClock

COMMAND, COMPONENT, MODAL_SUBMIT = 2, 3, 5


async def test_restart_keeps_sessions_paging_and_open_forms(
    start_microblog: BotFactory, double: DiscordDouble, alice: Person, clock: FakeClock
) -> None:
    async with start_microblog():
        await alice.register("alice")
        for n in range(7):
            await alice.run("post", content=f"p{n}")
            clock.advance(seconds=1)
        feed = await alice.run("feed")
        modal = await (await double.send_slash(alice.user, "post")).modal()
    # The bot process stops and a new one starts on the same database.
    async with start_microblog():
        assert "**alice**" in (await alice.run("whoami")).content
        older = await alice.click(double.message(feed.id), "Older")
        assert bodies(older) == ["p2", "p1", "p0"]  # the first page held four
        submitted = await double.submit_modal(alice.user, modal, {"content": "typed before"})
        assert bodies(await submitted.message()) == ["typed before"]
    assert double.violations == []


async def test_gateway_drop_and_resume_mid_journey_loses_nothing(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    await alice.register("alice")
    await double.drop_gateway()
    # Sent while the socket is down: Discord buffers it and replays it on RESUME.
    handle = await double.send_slash(alice.user, "post", {"content": "sent during the outage"})
    assert bodies(await handle.message(timeout=15)) == ["sent during the outage"]
    assert [e.kind for e in double.gateway_log].count("RESUMED") >= 1  # resumed, not re-identified
    await double.send_reconnect()
    feed = await alice.run("feed")
    assert bodies(feed)[0] == "sent during the outage"
    assert len(double.identifies) == 1
    assert double.violations == []


@dataclass(frozen=True)
class Scene:
    """What each hostile payload is aimed at: alice, logged in, one post, her /feed message."""

    double: DiscordDouble
    user: User
    feed: RecordedMessage
    commands: dict[str, dict[str, Any]]

    def _payload(self, kind: int, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return base_payload(
            self.double.world,
            interaction_type=kind,
            user=self.user,
            channel=self.double.channel(),
            data=data,
            **extra,
        )

    def command(
        self, name: str, options: list[dict[str, Any]] | None = None, command_id: str = ""
    ) -> dict[str, Any]:
        """A slash command, its options exactly as given (Discord's own checks skipped)."""
        data: dict[str, Any] = {
            "id": command_id or self.commands[name]["id"],
            "name": name,
            "type": 1,
        }
        if options is not None:
            data["options"] = options
        return self._payload(COMMAND, data)

    def click(self, custom_id: str, *, on_message: bool = False) -> dict[str, Any]:
        """A button press on the feed message, with any custom_id.

        ``on_message``: the pressed message carries that button (as it would if Discord had
        sent the press); otherwise the message is the feed as the bot sent it.
        """
        data = {"custom_id": custom_id, "component_type": 2}
        message = dict(self.feed.payload)
        if on_message:
            button = {"type": 2, "style": 2, "label": "Older", "custom_id": custom_id}
            message["components"] = [{"type": 1, "components": [button]}]
        return self._payload(COMPONENT, data, message=message)

    def submit(self, custom_id: str, components: Any) -> dict[str, Any]:
        """A modal submission that no modal the bot sent looks like."""
        return self._payload(MODAL_SUBMIT, {"custom_id": custom_id, "components": components})


async def _snapshot(bot: MicroblogBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refusal wrote nothing."""
    async with bot.services.database.read() as session:
        return {
            table.name: [
                tuple(row)
                for row in await session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


# (id, payload aimed at the scene, a fragment of the ephemeral reply, tables it may change)
HOSTILE_PAYLOADS = [
    pytest.param(
        lambda scene: scene.command("nuke", command_id="1"),
        "That command does not exist any more",
        frozenset(),
        id="unknown-command",
    ),
    pytest.param(
        lambda scene: scene.command(
            "delete", [{"name": "post", "type": 4, "value": "1; DROP TABLE post"}]
        ),
        "The option post must be a whole number.",
        frozenset(),
        id="integer-option-holding-sql",
    ),
    pytest.param(
        lambda scene: scene.command("feed", [{"name": "share", "type": 5, "value": "yes please"}]),
        "The option share must be true or false.",
        frozenset(),
        id="boolean-option-holding-text",
    ),
    pytest.param(
        lambda scene: scene.command("post", [{"name": "sneaky", "type": 3, "value": "x"}]),
        "/post has no such option.",
        frozenset(),
        id="unknown-option",
    ),
    pytest.param(
        # Beyond what Discord itself allows: a hostile client skipped Discord's check.
        lambda scene: scene.command("post", [{"name": "content", "type": 3, "value": "x" * 5000}]),
        "The option content must be 1 to 500 characters long.",
        frozenset(),
        id="option-beyond-the-configured-length-limit",
    ),
    pytest.param(
        lambda scene: scene.click("mb:feed:not-a-cursor", on_message=True),
        "That page link is not valid any more",
        frozenset(),
        id="garbled-feed-cursor",
    ),
    pytest.param(
        lambda scene: scene.click("mb:feed:o" + "A" * 32),
        "That button or form is no longer valid",
        frozenset(),
        id="page-button-the-message-does-not-carry",
    ),
    pytest.param(
        lambda scene: scene.click("x" * 150),
        "That button or form is no longer valid",
        frozenset(),
        id="custom-id-beyond-100-characters",
    ),
    pytest.param(
        lambda scene: scene.submit("mb:edit:999999999999999999999", []),
        "That is not a post number.",
        frozenset(),
        id="post-number-beyond-bigint",
    ),
    pytest.param(
        lambda scene: scene.submit("mb:login", [{"type": 1, "components": "nonsense"}]),
        "Incorrect username or password.",
        # A login that fails counts towards the throttle, however it failed.
        frozenset({"rate_event"}),
        id="modal-components-not-a-list",
    ),
]


@pytest.mark.parametrize(("build", "expected", "may_change"), HOSTILE_PAYLOADS)
async def test_hostile_payloads_get_clear_replies_and_change_nothing(
    microblog: MicroblogBot,
    double: DiscordDouble,
    alice: Person,
    build: Callable[[Scene], dict[str, Any]],
    expected: str,
    may_change: frozenset[str],
) -> None:
    await alice.register("alice")
    await alice.run("post", content="keep me")
    feed = await alice.run("feed")
    commands = {c["name"]: c for c in double.registered_commands(double.guild_id)}
    before = await _snapshot(microblog)
    handle = await double.send_interaction(build(Scene(double, alice.user, feed, commands)))
    reply = await handle.message()
    assert reply.ephemeral
    assert expected in reply.content, reply.content
    after = await _snapshot(microblog)
    assert {name: rows for name, rows in after.items() if name not in may_change} == {
        name: rows for name, rows in before.items() if name not in may_change
    }
    assert double.violations == []


async def test_every_reply_is_within_three_seconds_during_a_login_burst(
    start_microblog: BotFactory, double: DiscordDouble
) -> None:
    people = [Person(double, double.add_user(f"user{n}")) for n in range(20)]
    async with start_microblog(auth={"bcrypt_rounds": 10, "registrations_per_day": 5}):
        await people[0].register("shared")
        modals = await asyncio.gather(
            *[(await double.send_slash(p.user, "login")).modal() for p in people]
        )
        handles = await asyncio.gather(
            *[
                double.submit_modal(p.user, m, {"username": "shared", "password": STRONG_PASSWORD})
                for p, m in zip(people, modals, strict=True)
            ]
        )
        responses = await asyncio.gather(*[h.response(timeout=10) for h in handles])
        messages = await asyncio.gather(*[h.message(timeout=30) for h in handles])
    assert max(r.elapsed for r in responses) < 3.0
    assert all(r.type == 5 for r in responses)  # deferred first, answered after bcrypt
    assert {m.content for m in messages} == {"Logged in as **shared**."}
    assert double.violations == []


async def test_commands_sync_only_when_they_changed(
    start_microblog: BotFactory, double: DiscordDouble
) -> None:
    async with start_microblog():
        pass
    assert len(double.command_puts) == 1
    names = {c["name"] for c in double.registered_commands(double.guild_id)}
    assert names == {
        "register",
        "login",
        "logout",
        "whoami",
        "post",
        "feed",
        "edit",
        "delete",
        "search",
        "trending",
        "ping",
        "digest",
        "account",
        "follow",
        "unfollow",
        "home",
        "profile",
        "followers",
        "following",
        "reply",
        "thread",
        "like",
        "unlike",
        "repost",
        "unrepost",
        "notifications",
        "block",
        "unblock",
        "mute",
        "unmute",
        "report",
        "mod",
        "server",
        "Post to microblog",  # the context menus
        "Microblog profile",
    }
    async with start_microblog():
        pass
    assert len(double.command_puts) == 1  # unchanged: nothing sent on the second start
    async with start_microblog(discord={"sync": "off"}):
        pass
    assert len(double.command_puts) == 1


@pytest.mark.parametrize("intent_check", [True])
async def test_no_privileged_intents(
    microblog: MicroblogBot, double: DiscordDouble, intent_check: bool
) -> None:
    from discord_double import PRIVILEGED_INTENTS

    assert double.identifies
    assert all(identify.intents & PRIVILEGED_INTENTS == 0 for identify in double.identifies)


@asynccontextmanager
async def _table_gone(bot: MicroblogBot, table: str) -> AsyncIterator[None]:
    """The table vanishes under the bot, and comes back afterwards.

    Renamed rather than dropped: on PostgreSQL every test of this run shares one database,
    and the next test's truncation needs the table back.
    """
    async with bot.services.database.write() as session:
        await session.execute(text(f'ALTER TABLE "{table}" RENAME TO "{table}_gone"'))
    try:
        yield
    finally:
        async with bot.services.database.write() as session:
            await session.execute(text(f'ALTER TABLE "{table}_gone" RENAME TO "{table}"'))


async def test_a_bug_gets_an_apology_and_a_log_without_option_values(
    microblog: MicroblogBot, alice: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await alice.register("alice")
    secret = "my-option-value-must-not-be-logged"
    caplog.set_level(logging.ERROR)
    async with _table_gone(microblog, "post"):  # the database breaks under the bot
        reply = await alice.run("post", content=secret)
    assert reply.ephemeral
    assert reply.content == APOLOGY
    (record,) = [r for r in caplog.records if r.name == "bot.front.tree"]
    assert record.getMessage() == f"Unhandled error in post by user {alice.user.id}"
    assert record.exc_info is not None  # the traceback is logged, for us, not shown
    assert secret not in caplog.text
