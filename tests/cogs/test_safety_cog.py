"""Trust and safety end to end: the real discord.py client, the loopback Discord, both databases.

Look-alike names, blocks and mutes, reports and their buttons, every /mod and /server
command, and every /account action, as people would use them.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Account, Base, ModerationAction, Post
from bot.front.client import MicroblogBot
from discord_double import DiscordDouble, RecordedMessage
from discord_double.interactions import base_payload
from tests import databases
from tests.cogs.conftest import BotFactory, Person
from tests.conftest import STRONG_PASSWORD

COMMAND, COMPONENT = 2, 3
NEW_PASSWORD = "purple elephant juggling quietly"


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """These tests run on both backends (SQLite: a fresh copy; PostgreSQL: emptied tables)."""
    if backend == "sqlite":
        return databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    url = str(request.getfixturevalue("postgres_url"))
    database = Database(url)
    try:
        await databases.truncate_all(database)
    finally:
        await database.dispose()
    return url


@pytest.fixture
def moderator(double: DiscordDouble) -> Person:
    return Person(double, double.add_user("mod_discord"))


@pytest.fixture
def carol(double: DiscordDouble) -> Person:
    return Person(double, double.add_user("carol_discord"))


@pytest.fixture
async def safe_bot(
    start_microblog: BotFactory, double: DiscordDouble, moderator: Person
) -> AsyncIterator[MicroblogBot]:
    reports = double.add_channel("reports")
    async with start_microblog(
        run_scheduler=False,
        moderation={"moderators": [moderator.user.id], "reports_channel_id": reports.id},
    ) as bot:
        bot.reports_channel = reports.id  # type: ignore[attr-defined]
        yield bot


async def _sub(person: Person, group: str, subcommand: str, **options: object) -> RecordedMessage:
    handle = await person.double.send_slash(
        person.user, group, options or None, subcommand=subcommand
    )
    return await handle.message()


def _feed_bodies(message: RecordedMessage) -> list[str]:
    fields = message.embeds[0].get("fields") or []
    return [f["value"].split("\n")[0] for f in fields]


async def _post(person: Person, text: str) -> int:
    reply = await person.run("post", content=text)
    return int(reply.embeds[0]["fields"][0]["name"].removeprefix("Post #"))


async def _count(bot: MicroblogBot, model: Any) -> int:
    async with bot.services.database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- names -----------------------------------------------------------------------------------
async def test_look_alike_names_are_refused_and_a_combining_accent_registers(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, carol: Person
) -> None:
    modal = await (await double.send_slash(alice.user, "register")).modal()
    password_field = next(i for i in modal.inputs if i.custom_id == "password")
    assert "not your Discord password" in password_field.label
    assert "Discord" in (password_field.placeholder or "")

    assert "Welcome, **alice**" in (await alice.register("alice")).content
    for look_alike in ("аlice", "АLICE", "ａlice", "alice"):  # Cyrillic а/А, fullwidth a
        reply = await bob.register(look_alike)
        assert reply.content == "That username is taken. Please choose another one.", look_alike
    assert "Welcome, **paypal**" in (await bob.register("paypal")).content
    assert (await carol.register("paypaI")).content.startswith("That username is taken")

    typed = "Rene\u0301"  # e + COMBINING ACUTE ACCENT, as some keyboards send it
    assert unicodedata.normalize("NFC", typed) != typed
    assert (await carol.register(typed)).content.startswith("Welcome, **René**")
    await carol.run("logout")
    assert (await carol.login(typed)).content == "Logged in as **René**."
    assert (await carol.login("René")).content == "Logged in as **René**."
    assert await _count(safe_bot, Account) == 3
    assert double.violations == []


# -- blocks and mutes ------------------------------------------------------------------------
async def test_a_block_hides_both_ways_and_a_mute_only_for_the_muter(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person, carol: Person
) -> None:
    for person, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        await person.register(name)
        await _post(person, f"{name} says hi")

    assert (await alice.run("block", user="bob")).content.startswith("Blocked **bob**.")
    assert (await alice.run("mute", user="carol")).content.startswith("Muted **carol**")
    assert _feed_bodies(await alice.run("feed")) == ["alice says hi"]
    assert _feed_bodies(await bob.run("feed")) == ["carol says hi", "bob says hi"]  # both ways
    assert _feed_bodies(await carol.run("feed")) == [
        "carol says hi", "bob says hi", "alice says hi",
    ]  # fmt: skip
    # A user's timeline is no way around it.
    assert _feed_bodies(await bob.run("feed", user="alice")) == []
    assert _feed_bodies(await alice.run("feed", user="carol")) == []
    # Bob cannot report what he cannot see.
    handle = await double.send_slash(bob.user, "report", {"post": 1})
    modal = await handle.modal()
    submitted = await double.submit_modal(bob.user, modal, {"reason": "spam"})
    assert (await submitted.message()).content == "Post 1 does not exist (it may have been deleted)."

    listing = await _sub(alice, "account", "blocked")
    fields = {f["name"]: f["value"] for f in listing.embeds[0]["fields"]}
    assert fields["Blocked (1)"].startswith("**bob**") and fields["Muted (1)"].startswith("**carol**")
    assert (await alice.run("block", user="bob")).content == "You have already blocked bob."
    assert (await alice.run("block", user="alice")).content == "You cannot block yourself."
    assert (await alice.run("mute", user="nobody")).content == "There is no user called 'nobody'."

    await alice.run("unblock", user="bob")
    await alice.run("unmute", user="carol")
    assert len(_feed_bodies(await alice.run("feed"))) == 3
    assert len(_feed_bodies(await bob.run("feed"))) == 3
    assert double.violations == []


async def test_user_options_autocomplete_microblog_usernames(
    safe_bot: MicroblogBot, double: DiscordDouble, alice: Person, bob: Person
) -> None:
    await alice.register("alice")
    await bob.register("alina")
    handle = await double.send_autocomplete(alice.user, "block", {"user": "al"}, focused="user")
    choices = await handle.choices()
    assert [c["value"] for c in choices] == ["alice", "alina"]
    assert double.violations == []
