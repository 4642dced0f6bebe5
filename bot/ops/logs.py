"""Logging: one line per event (text or JSON), and no secret ever reaches a handler.

discord.py logs every raw gateway payload at DEBUG, including what people typed into
modals (passwords). A filter on the discord loggers rewrites those payloads before any
handler, ours or pytest's, sees the record; a second one on our handler masks the token.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from bot.config import LoggingSettings

REDACTED = "<redacted>"
_MODAL_SUBMIT = 5
# Every character str.splitlines() breaks on, escaped (JSON-compatible escapes): one event
# stays one line, and text someone typed cannot forge a log line of its own.
_LINE_BREAKS = str.maketrans(
    {"\n": "\\n", "\r": "\\r"}
    | {c: f"\\u{ord(c):04x}" for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
)


def one_line(text: str) -> str:
    return text.translate(_LINE_BREAKS)


def redact_payload(value: Any) -> Any:
    """A copy of a gateway payload with every modal-submitted value replaced."""
    if isinstance(value, dict):
        if value.get("t") == "INTERACTION_CREATE" and isinstance(value.get("d"), dict):
            return {**value, "d": redact_payload(value["d"])}
        if value.get("type") == _MODAL_SUBMIT and isinstance(value.get("data"), dict):
            data = value["data"]
            return {
                **value,
                "data": {**data, "components": _redact_components(data.get("components"))},
            }
        return value
    return value


def _redact_components(components: Any) -> Any:
    if isinstance(components, list):
        return [_redact_components(c) for c in components]
    if isinstance(components, dict):
        return {
            key: (REDACTED if key in {"value", "values"} else _redact_components(inner))
            for key, inner in components.items()
        }
    return components


class RedactModalValues(logging.Filter):
    """Rewrites discord.py's payload logs in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact_payload(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = redact_payload(record.args)
        return True


class MaskSecrets(logging.Filter):
    """Last line of defence on our handler: the literal token never leaves the process."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(secret in message for secret in self.secrets):
                record.msg, record.args = self._mask(message), None
            if record.exc_info and not record.exc_text:
                # Formatters print exc_text when it is set, so the masked traceback is the one
                # written: an exception's message may quote the token.
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self._mask(record.exc_text)
            if record.stack_info:
                record.stack_info = self._mask(record.stack_info)
        return True

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


class OneLineFormatter(logging.Formatter):
    """The text format, with the traceback kept on the event's own line."""

    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("command", "user_id", "interaction_id", "custom_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        # json.dumps escapes control characters but not U+0085/U+2028/U+2029.
        return one_line(json.dumps(entry, ensure_ascii=False))


# discord.py's modules that log (checked against 2.7.1: grep "_log.debug" in its source).
# Named here rather than found by importing discord: operations speak no Discord.
DISCORD_LOGGERS = (
    "discord",
    "discord.client",
    "discord.gateway",
    "discord.http",
    "discord.shard",
    "discord.state",
    "discord.ui.modal",
    "discord.ui.view",
    "discord.webhook.async_",
    "discord.webhook.sync",
)


def install_redaction() -> None:
    """Attach the payload filter to discord.py's loggers (idempotent).

    A logger's filter sees only what is logged on that very logger, so each one gets it;
    any other discord.* logger already created gets it too.
    """
    created = [n for n in logging.Logger.manager.loggerDict if n.startswith("discord.")]
    for name in {*DISCORD_LOGGERS, *created}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactModalValues) for f in logger.filters):
            logger.addFilter(RedactModalValues())


def configure_logging(
    settings: LoggingSettings, secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> None:
    """Our one handler on the root logger, writing to ``stream`` (default: stderr)."""
    install_redaction()
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    if settings.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactModalValues())  # also covers loggers created after install
    handler.addFilter(MaskSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level)
    # Alembic announces each of its plugins at INFO on every start; only migrations matter.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # aiosqlite logs every operation with its SQL parameters at DEBUG: post bodies and
    # password hashes, thousands of lines a minute. Our own DEBUG lines say what matters.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))
