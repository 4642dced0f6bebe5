"""/register, /login, /logout, /whoami through the real discord.py client."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.front.client import MicroblogBot
from bot.ops.logs import install_redaction
from discord_double import DiscordDouble
from tests.cogs.conftest import BotFactory, Person
from tests.conftest import FakeClock

GENERIC = "Incorrect username or password."


async def test_auth_replies_are_ephemeral_and_errors_generic(
    microblog: MicroblogBot, alice: Person, bob: Person
) -> None:
    assert (await alice.register("alice")).ephemeral
    wrong = await bob.login("alice", "definitely not it")
    unknown = await bob.login("nobody", "definitely not it")
    assert wrong.ephemeral and unknown.ephemeral
    assert wrong.content == unknown.content == GENERIC
    ok = await bob.login("ALICE")
    assert ok.ephemeral and ok.content == "Logged in as **alice**."


async def test_register_refusals(microblog: MicroblogBot, alice: Person, bob: Person) -> None:
    await alice.register("alice")
    assert (
        await bob.register("Alice")
    ).content == "That username is taken. Please choose another one."
    mismatch = await bob.register(
        "bobby", "correct horse battery staple", "correct horse battery stapler"
    )
    assert mismatch.content == "The two passwords do not match."
    weak = await bob.register("bobby", "password1")
    assert "too easy to guess" in weak.content
    long = await bob.register("bobby", "p" * 80)
    assert "at most 72 bytes" in long.content  # refused, not silently cut
    assert (await bob.run("whoami")).content == "You are not logged in. Use /login first."


async def test_two_discord_users_share_an_account_and_log_out_separately(
    microblog: MicroblogBot, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.login("alice")
    assert "**alice**" in (await bob.run("whoami")).content
    await bob.run("logout")
    assert (await bob.run("whoami")).content.startswith("You are not logged in")
    assert "**alice**" in (await alice.run("whoami")).content


async def test_login_while_logged_in_switches_accounts(
    microblog: MicroblogBot, alice: Person, bob: Person
) -> None:
    await bob.register("bobby")
    await alice.register("alice")
    switched = await alice.login("bobby")
    assert switched.content == "Logged in as **bobby**. (You were logged in as **alice** before.)"


async def test_failed_logins_are_throttled_with_a_wait_time(
    microblog: MicroblogBot, alice: Person, bob: Person, clock: FakeClock
) -> None:
    await alice.register("alice")
    for _ in range(5):
        assert (await bob.login("alice", "wrong wrong wrong")).content == GENERIC
    throttled = await bob.login("alice")
    assert throttled.ephemeral
    retry_at = int((clock.now + timedelta(minutes=15)).timestamp())
    assert throttled.content == f"Too many failed logins. Try again <t:{retry_at}:R>."


async def test_logout_when_not_logged_in(microblog: MicroblogBot, alice: Person) -> None:
    assert (await alice.run("logout")).content == "You are not logged in."


async def test_password_never_reaches_any_log_at_debug(
    start_microblog: BotFactory, alice: Person, caplog: pytest.LogCaptureFixture
) -> None:
    password = "Zebra-Quantum-Marmalade-42"
    install_redaction()
    caplog.set_level(logging.DEBUG)
    async with start_microblog():
        await alice.register("alice", password)
        await alice.run("logout")
        assert (await alice.login("alice", password)).content == "Logged in as **alice**."
        await alice.login("alice", password + "-wrong")
    # discord.py did log the raw payloads (so this test would see a leak) ...
    assert "INTERACTION_CREATE" in caplog.text
    assert "<redacted>" in caplog.text
    # ... and the password is in none of them, nor in any other record.
    assert password not in caplog.text
    for record in caplog.records:
        assert password not in record.getMessage()


async def test_every_reply_so_far_allows_no_mentions(
    microblog: MicroblogBot, double: DiscordDouble, alice: Person
) -> None:
    message = await alice.register("alice")
    assert message.allowed_mentions == {"parse": []}


async def test_ping_answers_at_once(microblog: MicroblogBot, alice: Person) -> None:
    pong = await alice.run("ping")
    assert pong.ephemeral
    assert pong.content.startswith("Pong! Gateway heartbeat latency: ")
