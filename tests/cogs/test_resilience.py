"""What must survive: restarts, gateway drops, hostile payloads, bursts of logins."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.db.models import Account, ChatSession, Post
from bot.front.client import MicroblogBot
from bot.front.tree import APOLOGY
from discord_double import DiscordDouble, User
from discord_double.interactions import base_payload
from tests.cogs.conftest import BotFactory, Person, bodies
from tests.conftest import STRONG_PASSWORD, FakeClock

COMMAND, COMPONENT, MODAL_SUBMIT = 2, 3, 5


async def _counts(bot: MicroblogBot) -> tuple[int, int, int]:
    async with bot.services.database.read() as session:
        return tuple(  # type: ignore[return-value]
            [
                int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Account, ChatSession, Post)
            ]
        )


def _with_button(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    """A copy of ``message`` whose only component is a button with ``custom_id``."""
    button = {"type": 2, "style": 2, "label": "Older", "custom_id": custom_id}
    return {**message, "components": [{"type": 1, "components": [button]}]}


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
        assert bodies(older) == ["p1", "p0"]
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


def _hostile(
    double: DiscordDouble, user: User, kind: int, data: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return base_payload(
        double.world, interaction_type=kind, user=user, channel=double.channel(), data=data, **extra
    )


async def test_hostile_payloads_get_clear_replies_and_change_nothing(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    await alice.register("alice")
    await alice.run("post", content="keep me")
    feed = await alice.run("feed")
    before = await _counts(microblog)
    commands = {c["name"]: c for c in double.registered_commands(double.guild_id)}
    cases = [
        (
            _hostile(double, alice.user, COMMAND, {"id": "1", "name": "nuke", "type": 1}),
            "That command does not exist any more",
        ),
        (
            _hostile(
                double,
                alice.user,
                COMMAND,
                {
                    "id": commands["delete"]["id"],
                    "name": "delete",
                    "type": 1,
                    "options": [{"name": "post", "type": 4, "value": "1; DROP TABLE post"}],
                },
            ),
            "The option post must be a whole number.",
        ),
        (
            _hostile(
                double,
                alice.user,
                COMMAND,
                {
                    "id": commands["feed"]["id"],
                    "name": "feed",
                    "type": 1,
                    "options": [
                        {"name": "share", "type": 5, "value": "yes please"},
                    ],
                },
            ),
            "The option share must be true or false.",
        ),
        (
            _hostile(
                double,
                alice.user,
                COMMAND,
                {
                    "id": commands["post"]["id"],
                    "name": "post",
                    "type": 1,
                    "options": [{"name": "sneaky", "type": 3, "value": "x"}],
                },
            ),
            "/post has no such option.",
        ),
        (
            _hostile(
                double,
                alice.user,
                COMPONENT,
                {"custom_id": "mb:feed:not-a-cursor", "component_type": 2},
                message=_with_button(feed.payload, "mb:feed:not-a-cursor"),
            ),
            "That page link is not valid any more",
        ),
        (
            # A well-formed page button that the clicked message does not carry.
            _hostile(
                double,
                alice.user,
                COMPONENT,
                {"custom_id": "mb:feed:o" + "A" * 32, "component_type": 2},
                message=dict(feed.payload),
            ),
            "That button or form is no longer valid",
        ),
        (
            _hostile(
                double,
                alice.user,
                COMPONENT,
                {"custom_id": "x" * 150, "component_type": 2},
                message=dict(feed.payload),
            ),
            "That button or form is no longer valid",
        ),
        (
            _hostile(
                double,
                alice.user,
                MODAL_SUBMIT,
                {"custom_id": "mb:edit:999999999999999999999", "components": []},
            ),
            "That is not a post number.",
        ),
        (
            _hostile(
                double,
                alice.user,
                MODAL_SUBMIT,
                {"custom_id": "mb:login", "components": [{"type": 1, "components": "nonsense"}]},
            ),
            "Incorrect username or password.",
        ),
    ]
    for payload, expected in cases:
        handle = await double.send_interaction(payload)
        reply = await handle.message()
        assert reply.ephemeral, expected
        assert expected in reply.content, (expected, reply.content)
    assert await _counts(microblog) == before


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
        "ping",
        "digest",
        "account",
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


async def test_a_bug_gets_an_apology_and_a_log_without_option_values(
    microblog: MicroblogBot, alice: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await alice.register("alice")
    async with microblog.services.database.write() as session:
        await session.execute(text("DROP TABLE post"))  # the database breaks under the bot
    secret = "my-option-value-must-not-be-logged"
    caplog.set_level(logging.ERROR)
    reply = await alice.run("post", content=secret)
    assert reply.ephemeral
    assert reply.content == APOLOGY
    (record,) = [r for r in caplog.records if r.name == "bot.front.tree"]
    assert record.getMessage() == f"Unhandled error in post by user {alice.user.id}"
    assert record.exc_info is not None  # the traceback is logged, for us, not shown
    assert secret not in caplog.text
