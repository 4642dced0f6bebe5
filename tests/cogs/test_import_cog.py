"""Moved in, end to end: a Flaskr and a Mega-Tutorial database imported, then their people
log in through the real discord.py client with their old passwords and find their posts,
follows and bios, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from werkzeug.security import generate_password_hash

from bot.config import PostSettings
from bot.db.engine import Database
from bot.importers import open_source
from bot.services.importing import ImportService, ImportSummary
from discord_double import DiscordDouble, RecordedMessage
from tests.cogs.conftest import BotFactory, Person
from tests.foreign import make_flaskr, make_microblog

SAM_PASSWORD = "sam's password from flaskr"
# Longer than bcrypt's 72 bytes: Flaskr never limited it.
SUSAN_PASSWORD = "susan typed a whole sentence here, because the old site let her do that!!"
assert len(SUSAN_PASSWORD.encode()) > 72


_TEXT_KEYS = {"content", "title", "description", "name", "value", "text"}


def _text(message: RecordedMessage) -> str:
    """Everything a person reads in a message: content, embeds and text components."""
    parts: list[str] = [message.content or ""]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _TEXT_KEYS and isinstance(item, str):
                    parts.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message.embeds)
    walk(message.components)
    return "\n".join(parts).replace("\\", "")


async def _import(database_url: str, app: str, location: str) -> ImportSummary:
    database = Database(database_url)
    source = open_source(app, location)
    try:
        return await ImportService(database, PostSettings()).run(source)
    finally:
        await source.close()
        await database.dispose()


async def test_flaskr_people_log_in_with_old_passwords_and_find_their_posts(
    start_microblog: BotFactory,
    double: DiscordDouble,
    database_url: str,
    alice: Person,
    bob: Person,
    tmp_path: Path,
) -> None:
    flaskr = make_flaskr(
        tmp_path / "flaskr.sqlite",
        [
            (1, "Sam", generate_password_hash(SAM_PASSWORD)),  # today's default: scrypt
            (2, "sam", generate_password_hash("the other sam", method="pbkdf2:sha256:260000")),
        ],
        [
            (1, 1, "2024-02-01 10:00:00", "My first Flaskr post", "Written long ago."),
            (2, 1, "2024-02-02 10:00:00", "Second", "x" * 10_000),  # past any message limit
            (3, 2, "2024-02-03 10:00:00", "Hi", "from the other sam"),
        ],
    )
    # Migrated by the bot's first start, as an operator's database would be.
    async with start_microblog():
        pass
    summary = await _import(database_url, "flaskr", str(flaskr))
    assert [(r.old, r.new) for r in summary.renamed] == [("sam", "sam-2")]

    async with start_microblog():
        wrong = await alice.login("Sam", SAM_PASSWORD + "!")
        assert wrong.ephemeral and wrong.content == "Incorrect username or password."
        welcome = await alice.login("sam", SAM_PASSWORD)  # names compare without case
        assert welcome.ephemeral and "Sam" in welcome.content
        feed = await alice.run("feed", user="Sam")
        shown = _text(feed)
        assert "My first Flaskr post\nWritten long ago." in shown
        assert "Second" in shown
        # The edit box holds [posts] max_length: a longer imported post is not shown cut.
        refused = await alice.run("edit", post=2)
        assert refused.ephemeral and "imported whole" in refused.content
        renamed = await bob.login("sam-2", "the other sam")
        assert "sam-2" in renamed.content
        assert "from the other sam" in _text(await bob.run("feed", user="sam-2"))
        again = await alice.login("Sam", SAM_PASSWORD)  # now on bcrypt: still the same password
        assert "Sam" in again.content
    assert double.violations == []


async def test_microblog_people_find_their_follows_and_bios(
    start_microblog: BotFactory,
    double: DiscordDouble,
    database_url: str,
    alice: Person,
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    fast = "pbkdf2:sha256:1000"
    await make_microblog(
        url.replace("sqlite://", "sqlite+aiosqlite://"),
        "2024",
        [
            (1, "susan", generate_password_hash(SUSAN_PASSWORD, "scrypt"), "I like cats.", None),
            (2, "john", generate_password_hash("john's", fast), None, None),
            (3, "mary", generate_password_hash("mary's", fast), None, None),
        ],
        [],
        [(1, 2), (1, 3), (2, 1)],
    )
    async with start_microblog():
        pass
    summary = await _import(database_url, "microblog", url)
    assert summary.follows == 3

    async with start_microblog():
        welcome = await alice.login("susan", SUSAN_PASSWORD)
        assert welcome.ephemeral and "susan" in welcome.content
        following = _text(await alice.run("following"))
        assert "john" in following and "mary" in following
        followers = _text(await alice.run("followers"))
        assert "john" in followers and "mary" not in followers
        profile = _text(await alice.run("profile"))
        assert "I like cats." in profile
        cut = await alice.login("susan", SUSAN_PASSWORD[:72])  # never cut to bcrypt's limit
        assert cut.content == "Incorrect username or password."
        again = await alice.login("susan", SUSAN_PASSWORD)  # now a prehashed bcrypt
        assert "susan" in again.content
    assert double.violations == []
