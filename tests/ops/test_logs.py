"""Logs at DEBUG, from the real bot on the loopback Discord: one line per event, no secrets.

Our handler is installed with ``configure_logging`` exactly as ``python -m bot run`` does,
writing to a captured stream; discord.py logs every gateway payload at DEBUG, modal values
(passwords) included, and an exception's message may quote the token.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import pytest

from bot.app import open_services
from bot.config import LoggingSettings
from bot.front.client import MicroblogBot
from bot.ops.logs import REDACTED, configure_logging
from discord_double import DiscordDouble, running_bot
from tests import databases
from tests.cogs.conftest import Person, e2e_settings

PASSWORD = "Zebra-Quantum-Marmalade-42"
WRONG_PASSWORD = "Wrong-Guess-Quartz-Lantern-7"
TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) ")


@contextmanager
def captured_logs(settings: LoggingSettings, secrets: list[str]) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(settings, secrets=secrets, stream=stream)
    try:
        yield stream
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_debug_logs_never_show_the_token_or_passwords_and_stay_one_line(
    double: DiscordDouble,
    tmp_path: Path,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    log_format: Literal["text", "json"],
) -> None:
    settings = e2e_settings(double, databases.copy_sqlite(sqlite_template, tmp_path))
    logging_settings = LoggingSettings(level="DEBUG", format=log_format)
    with captured_logs(logging_settings, secrets=[double.token]) as stream:
        async with open_services(settings) as services:
            bot = MicroblogBot(services, guild_ready_timeout=0.05)
            async with running_bot(bot, double):
                alice = Person(double, double.add_user("alice_discord"))
                assert "Welcome" in (await alice.register("alice", PASSWORD)).content
                await alice.run("logout")
                assert "Incorrect" in (await alice.login("alice", WRONG_PASSWORD)).content
                assert "alice" in (await alice.login("alice", PASSWORD)).content

                async def feed_fails(*_: object, **__: object) -> None:
                    # As a library might: the token quoted in a message over two lines.
                    raise RuntimeError(f"upstream refused token {double.token}\nsecond line")

                monkeypatch.setattr(services.posts, "feed", feed_fails)
                assert "Sorry" in (await alice.run("feed")).content
    log = stream.getvalue()

    assert double.token not in log
    assert PASSWORD not in log and WRONG_PASSWORD not in log
    assert "INTERACTION_CREATE" in log  # DEBUG was on: the modal payloads were logged
    lines = log.splitlines()
    errors = [line for line in lines if "Unhandled error in feed" in line]
    assert len(errors) == 1  # the message, its traceback and the exception: one line
    if log_format == "json":
        records = [json.loads(line) for line in lines]  # every line is one JSON object
        (error,) = [r for r in records if "Unhandled error in feed" in r["message"]]
        assert error["level"] == "ERROR"
        assert error["exception"].startswith("Traceback (most recent call last):\n")
        assert f"RuntimeError: upstream refused token {REDACTED}\nsecond line" in error["exception"]
    else:
        assert all(TEXT_LINE.match(line) for line in lines), [
            line for line in lines if not TEXT_LINE.match(line)
        ][:3]
        assert "\\nTraceback (most recent call last):\\n" in errors[0]
        assert f"RuntimeError: upstream refused token {REDACTED}\\nsecond line" in errors[0]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_level_is_configurable(log_format: Literal["text", "json"]) -> None:
    logger = logging.getLogger("bot.tests.level")
    with captured_logs(LoggingSettings(level="WARNING", format=log_format), []) as stream:
        logger.debug("debug line")
        logger.info("info line")
        logger.warning("warning line")
    assert "warning line" in stream.getvalue()
    assert "info line" not in stream.getvalue() and "debug line" not in stream.getvalue()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_typed_line_breaks_cannot_forge_a_log_line(log_format: Literal["text", "json"]) -> None:
    forged = "alice\n2026-01-01 00:00:00,000 ERROR bot: forged\u2028also\x85this"
    with captured_logs(LoggingSettings(format=log_format), []) as stream:
        logging.getLogger("bot.tests.forge").warning("Unknown username %s", forged)
    (line,) = stream.getvalue().splitlines()
    if log_format == "json":
        assert json.loads(line)["message"] == f"Unknown username {forged}"
    else:
        expected = "alice\\n2026-01-01 00:00:00,000 ERROR bot: forged\\u2028also\\u0085this"
        assert line.endswith(f"Unknown username {expected}")
