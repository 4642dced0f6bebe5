"""Snowflake ids and timestamps shaped like Discord's.

discord.py derives ``created_at`` from every id (``id >> 22`` plus the Discord epoch), so ids
are minted from the wall clock: objects the double creates look as old as they really are.
"""

from __future__ import annotations

import datetime as dt
import time

DISCORD_EPOCH_MS = 1_420_070_400_000
_WORKER_BITS = 1 << 17  # worker 1, process 0: cosmetic, Discord sets these too


class SnowflakeFactory:
    """Mints strictly increasing snowflakes from the current time."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """A new id; strictly greater than every id this factory returned before."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (millis << 22) | _WORKER_BITS
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


def snowflake_datetime(snowflake: int) -> dt.datetime:
    """The creation time encoded in a snowflake (UTC)."""
    millis = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)


def iso_now() -> str:
    """Discord's timestamp format: ISO 8601 with microseconds and an explicit UTC offset."""
    return dt.datetime.now(tz=dt.UTC).isoformat()


def iso_of(snowflake: int) -> str:
    """The ISO timestamp of a snowflake's creation, as message ``timestamp`` fields carry."""
    return snowflake_datetime(snowflake).isoformat()
