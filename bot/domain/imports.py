"""What an import reads from another app's database, as plain values; no I/O here.

The readers (bot/importers) turn Flaskr's and the Mega-Tutorial's rows into these; the
import service (bot/services/importing.py) applies our rules to them and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

STAGES = ("users", "posts", "follows")


class SourceRefused(Exception):
    """The source is not a database we know how to import; str() names what is missing."""


@dataclass(frozen=True, slots=True)
class SourceUser:
    id: int
    username: str | None
    password_hash: str | None  # werkzeug's, unmarked, as the source stored it
    bio: str | None = None
    first_seen: datetime | None = None  # the earliest moment the source knows of them


@dataclass(frozen=True, slots=True)
class SourcePost:
    id: int
    author_id: int
    body: str | None
    created_at: datetime | None  # aware UTC, or None when the source had no usable time
    title: str | None = None


@dataclass(frozen=True, slots=True)
class SourceFollow:
    follower_id: int
    followed_id: int

    @property
    def key(self) -> str:
        return f"{self.follower_id}:{self.followed_id}"


class ImportSource(Protocol):
    """A foreign database, read in id order, a batch at a time (so an import can resume)."""

    app: str  # "flaskr" or "microblog": the default source name in the mapping table
    description: str  # where it is, for messages (never a password)

    async def check(self) -> list[str]:
        """Raises SourceRefused if required tables or columns are missing; else notes."""
        ...

    async def count(self, stage: str, after: str | None) -> int: ...

    async def users(self, after: int, limit: int) -> list[SourceUser]: ...

    async def posts(self, after: int, limit: int) -> list[SourcePost]: ...

    async def follows(self, after: tuple[int, int], limit: int) -> list[SourceFollow]: ...

    async def close(self) -> None: ...


def as_utc(value: object) -> datetime | None:
    """A source timestamp as aware UTC: naive values are UTC (both apps stored UTC that way).

    SQLite hands back text ("2024-05-01 10:00:00", with or without fraction or offset);
    PostgreSQL a datetime, naive for ``timestamp`` and aware for ``timestamptz``.
    """
    if (
        type(value) is str and len(value) == 19
    ):  # SQLite's CURRENT_TIMESTAMP text: the common case, made fast
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
