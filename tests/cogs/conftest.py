"""End to end: our bot, the real discord.py client, the loopback Discord, a real database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from bot.app import Services, open_services
from bot.config import Settings, parse_settings
from bot.db.engine import Database
from bot.front.client import MicroblogBot
from discord_double import DiscordDouble, RecordedMessage, User, running_bot
from tests import databases
from tests.conftest import STRONG_PASSWORD, FakeClock


def e2e_config(
    double: DiscordDouble, database_url: str, **sections: dict[str, object]
) -> dict[str, dict[str, object]]:
    """A bot aimed at the double, as a config file holds it: fast hashing, no cooldown."""
    raw: dict[str, dict[str, object]] = {
        "discord": double.bot_settings(),
        "database": {"url": database_url},
        "auth": {"bcrypt_rounds": 4},
        "posts": {"cooldown_seconds": 0},
    }
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    return raw


def e2e_settings(
    double: DiscordDouble, database_url: str, **sections: dict[str, object]
) -> Settings:
    return parse_settings(e2e_config(double, database_url, **sections))


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    async with DiscordDouble(heartbeat_interval_ms=2_000) as instance:
        yield instance


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every end-to-end test runs on both backends (``backend`` is parametrized).

    SQLite: a fresh copy of the migrated template. PostgreSQL: this run's private
    database with every table emptied; the bot's own engine connects to it afterwards.
    """
    if backend == "sqlite":
        return databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    url = str(request.getfixturevalue("postgres_url"))
    database = Database(url)
    try:
        await databases.truncate_all(database)
    finally:
        await database.dispose()
    return url


BotFactory = Callable[..., AbstractAsyncContextManager[MicroblogBot]]


@pytest.fixture
def start_microblog(double: DiscordDouble, database_url: str, clock: FakeClock) -> BotFactory:
    """``async with start_microblog(**sections) as bot``: a bot process, restartable."""

    @asynccontextmanager
    async def start(
        run_scheduler: bool = True, **sections: dict[str, object]
    ) -> AsyncIterator[MicroblogBot]:
        settings = e2e_settings(double, database_url, **sections)
        async with open_services(settings, clock) as services:
            # on_ready waits this long after the last guild arrives; 2 s by default.
            bot = MicroblogBot(services, run_scheduler=run_scheduler, guild_ready_timeout=0.05)
            async with running_bot(bot, double):
                yield bot

    return start


@pytest.fixture
async def microblog(start_microblog: BotFactory) -> AsyncIterator[MicroblogBot]:
    async with start_microblog() as bot:
        yield bot


@pytest.fixture
def services(microblog: MicroblogBot) -> Services:
    return microblog.services


class Person:
    """A Discord user, doing what people do in Discord, through the double."""

    def __init__(self, double: DiscordDouble, user: User) -> None:
        self.double = double
        self.user = user

    async def run(
        self, name: str, *, subcommand: str | None = None, **options: object
    ) -> RecordedMessage:
        handle = await self.double.send_slash(
            self.user, name, options or None, subcommand=subcommand
        )
        return await handle.message()

    async def fill_modal(
        self, name: str, values: dict[str, str], **options: object
    ) -> RecordedMessage:
        handle = await self.double.send_slash(self.user, name, options or None)
        modal = await handle.modal()
        submitted = await self.double.submit_modal(self.user, modal, values)
        return await submitted.message()

    async def register(
        self, username: str, password: str = STRONG_PASSWORD, repeat: str | None = None
    ) -> RecordedMessage:
        return await self.fill_modal(
            "register",
            {"username": username, "password": password, "password_repeat": repeat or password},
        )

    async def login(self, username: str, password: str = STRONG_PASSWORD) -> RecordedMessage:
        return await self.fill_modal("login", {"username": username, "password": password})

    async def click(self, message: RecordedMessage, label: str) -> RecordedMessage:
        handle = await self.double.click_button(self.user, message, message.button(label))
        return await handle.message()


@pytest.fixture
def alice(double: DiscordDouble) -> Person:
    return Person(double, double.add_user("alice_discord"))


@pytest.fixture
def bob(double: DiscordDouble) -> Person:
    return Person(double, double.add_user("bob_discord"))


_BYLINE = re.compile(r"^\*\*.+ · #(?P<id>[0-9]+)$")


def post_cards(message: RecordedMessage) -> list[tuple[int, str, str]]:
    """The posts a Components V2 message shows: (post id, byline, body), in reading order.

    The small print under a byline ("-# ↪ replying to @bob") is not part of the body:
    ``card_context`` reads it."""
    found = []
    for text in message.texts:
        byline, _, body = text.partition("\n")
        match = _BYLINE.match(byline)
        if match is not None:
            if body.startswith("-# "):
                body = body.partition("\n")[2]
            found.append((int(match["id"]), byline, body))
    return found


def card_context(message: RecordedMessage) -> dict[int, str]:
    """Post id -> the small print under its byline (who reposted it, whom it replies to)."""
    found = {}
    for text in message.texts:
        byline, _, rest = text.partition("\n")
        match = _BYLINE.match(byline)
        if match is not None and rest.startswith("-# "):
            found[int(match["id"])] = rest.partition("\n")[0].removeprefix("-# ")
    return found


def bodies(message: RecordedMessage) -> list[str]:
    return [body for _, _, body in post_cards(message)]


def post_id(message: RecordedMessage) -> int:
    """The id of the (first) post a message shows."""
    return post_cards(message)[0][0]
