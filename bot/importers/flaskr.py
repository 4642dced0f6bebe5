"""Flask's tutorial blog: ``user(id, username, password)`` and
``post(id, author_id, created, title, body)``, in one SQLite file.

``created`` is SQLite's CURRENT_TIMESTAMP: naive UTC text. ``password`` is werkzeug's
``generate_password_hash`` of its day. Usernames are unique as typed ("Sam" and "sam" are
two people). The first Flaskr (Flask before 1.0) kept ``entries`` with no users at all:
there is nobody to import, and the refusal says so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import column, func, select, table

from bot.domain.imports import SourceFollow, SourcePost, SourceRefused, SourceUser, as_utc
from bot.importers.base import SourceDatabase, sqlite_file_url

REQUIRED = {"user": ("id", "username", "password"), "post": ("id", "author_id", "created", "body")}

_user = table("user", column("id"), column("username"), column("password"))
_post = table(
    "post", column("id"), column("author_id"), column("created"), column("title"), column("body")
)


class FlaskrSource:
    app = "flaskr"

    def __init__(self, path: str) -> None:
        self.db = SourceDatabase(sqlite_file_url(path))
        self.description = path
        self.db.description = path
        self._has_title = True
        self._first_post: dict[int, datetime] | None = None

    async def check(self) -> list[str]:
        if await self.db.has("entries") and not await self.db.has("user"):
            raise SourceRefused(
                f"{self.description} is the first Flaskr (an entries table, no users): there "
                "are no accounts to import. Missing: table user (id, username, password) and "
                "table post (id, author_id, created, title, body)."
            )
        await self.db.require("Flaskr", REQUIRED)
        self._has_title = await self.db.has("post", "title")
        return [] if self._has_title else ["post.title is absent: posts keep their body only."]

    async def count(self, stage: str, after: str | None) -> int:
        if stage == "follows":
            return 0  # Flaskr has no follows
        source = _user if stage == "users" else _post
        return int(
            await self.db.scalar(
                select(func.count()).select_from(source).where(source.c.id > int(after or 0))
            )
        )

    async def users(self, after: int, limit: int) -> list[SourceUser]:
        first_post = await self._first_posts()
        rows = await self.db.rows(
            select(_user.c.id, _user.c.username, _user.c.password)
            .where(_user.c.id > after)
            .order_by(_user.c.id)
            .limit(limit)
        )
        return [
            SourceUser(
                id=int(user_id),
                username=text_or_none(username),
                password_hash=text_or_none(password),
                first_seen=first_post.get(int(user_id)),
            )
            for user_id, username, password in rows
        ]

    async def posts(self, after: int, limit: int) -> list[SourcePost]:
        title = _post.c.title if self._has_title else None
        columns = [_post.c.id, _post.c.author_id, _post.c.created, _post.c.body]
        rows = await self.db.rows(
            select(*columns, *([title] if title is not None else []))
            .where(_post.c.id > after)
            .order_by(_post.c.id)
            .limit(limit)
        )
        # Positional and without helpers where the types are known: a million rows.
        if title is None:
            return [
                SourcePost(int(r[0]), int(r[1]), text_or_none(r[3]), as_utc(r[2])) for r in rows
            ]
        return [
            SourcePost(
                int(r[0]),
                int(r[1]),
                r[3] if type(r[3]) is str else text_or_none(r[3]),
                as_utc(r[2]),
                r[4] if type(r[4]) is str else text_or_none(r[4]),
            )
            for r in rows
        ]

    async def follows(self, after: tuple[int, int], limit: int) -> list[SourceFollow]:
        return []

    async def close(self) -> None:
        await self.db.close()

    async def _first_posts(self) -> dict[int, datetime]:
        """Flaskr keeps no sign-up time: an account is as old as its first post. One pass."""
        if self._first_post is None:
            rows = await self.db.rows(
                select(_post.c.author_id, func.min(_post.c.created)).group_by(_post.c.author_id)
            )
            found = ((author, as_utc(created)) for author, created in rows if author is not None)
            self._first_post = {int(author): moment for author, moment in found if moment}
        return self._first_post


def text_or_none(value: object) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


__all__ = ["FlaskrSource", "text_or_none"]
