"""The Flask Mega-Tutorial's microblog (2017 and 2024 editions), on SQLite or PostgreSQL.

``user(id, username, email, password_hash[, about_me, last_seen])``,
``post(id, body, timestamp, user_id[, language])`` and, from chapter 8, ``followers
(follower_id, followed_id)`` (the 2017 edition without a primary key, so rows may repeat).
Timestamps are naive UTC (``datetime.utcnow``, later ``datetime.now(timezone.utc)`` into a
column without time zone); an aware ``timestamptz`` column is read as it is. The 2012
edition (OpenID ``nickname``, no passwords) is refused: nobody in it has a password.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, TableClause, column, func, select, table, tuple_

from bot.domain.imports import SourceFollow, SourcePost, SourceUser, as_utc
from bot.importers.base import SourceDatabase, async_url
from bot.importers.flaskr import text_or_none

REQUIRED = {
    "user": ("id", "username", "password_hash"),
    "post": ("id", "body", "timestamp", "user_id"),
}

_post = table("post", column("id"), column("body"), column("timestamp"), column("user_id"))
_followers = table("followers", column("follower_id"), column("followed_id"))


class MicroblogSource:
    app = "microblog"

    def __init__(self, url: str) -> None:
        self.db = SourceDatabase(async_url(url))
        self.description = self.db.description
        self._user_columns: list[str] = ["id", "username", "password_hash"]
        self._has_followers = False
        self._first_post: dict[int, datetime] | None = None

    async def check(self) -> list[str]:
        await self.db.require("Mega-Tutorial microblog", REQUIRED)
        notes = []
        for optional in ("about_me", "last_seen"):
            if await self.db.has("user", optional):
                self._user_columns.append(optional)
            else:
                notes.append(f"user.{optional} is absent (an early chapter's schema).")
        self._has_followers = await self.db.has("followers", "follower_id") and await self.db.has(
            "followers", "followed_id"
        )
        if not self._has_followers:
            notes.append("No followers table (before chapter 8): no follows to import.")
        return notes

    @property
    def _user(self) -> TableClause:
        return table("user", *(column(name) for name in self._user_columns))

    async def count(self, stage: str, after: str | None) -> int:
        if stage == "follows":
            if not self._has_followers:
                return 0
            pairs = (
                select(_followers.c.follower_id, _followers.c.followed_id)
                .distinct()
                .where(_followers.c.follower_id.is_not(None), _followers.c.followed_id.is_not(None))
            )
            if after:
                pairs = pairs.where(_follow_key() > _pair(after))
            return int(await self.db.scalar(select(func.count()).select_from(pairs.subquery())))
        source = self._user if stage == "users" else _post
        return int(
            await self.db.scalar(
                select(func.count()).select_from(source).where(source.c.id > int(after or 0))
            )
        )

    async def users(self, after: int, limit: int) -> list[SourceUser]:
        first_post = await self._first_posts()
        user = self._user
        rows = await self.db.rows(
            select(user).where(user.c.id > after).order_by(user.c.id).limit(limit)
        )
        users = []
        for row in rows:
            values = dict(zip(self._user_columns, row, strict=True))
            user_id = int(values["id"])
            seen = [m for m in (first_post.get(user_id), as_utc(values.get("last_seen"))) if m]
            users.append(
                SourceUser(
                    id=user_id,
                    username=text_or_none(values["username"]),
                    password_hash=text_or_none(values["password_hash"]),
                    bio=text_or_none(values.get("about_me")),
                    first_seen=min(seen) if seen else None,
                )
            )
        return users

    async def posts(self, after: int, limit: int) -> list[SourcePost]:
        rows = await self.db.rows(
            select(_post.c.id, _post.c.user_id, _post.c.timestamp, _post.c.body)
            .where(_post.c.id > after)
            .order_by(_post.c.id)
            .limit(limit)
        )
        return [
            SourcePost(
                id=int(post_id),
                author_id=int(user_id) if user_id is not None else 0,
                created_at=as_utc(timestamp),
                body=text_or_none(body),
            )
            for post_id, user_id, timestamp, body in rows
        ]

    async def follows(self, after: tuple[int, int], limit: int) -> list[SourceFollow]:
        if not self._has_followers:
            return []
        rows = await self.db.rows(
            select(_followers.c.follower_id, _followers.c.followed_id)
            .distinct()
            .where(
                _followers.c.follower_id.is_not(None),
                _followers.c.followed_id.is_not(None),
                _follow_key() > tuple_(*after),
            )
            .order_by(_followers.c.follower_id, _followers.c.followed_id)
            .limit(limit)
        )
        return [SourceFollow(int(a), int(b)) for a, b in rows]

    async def close(self) -> None:
        await self.db.close()

    async def _first_posts(self) -> dict[int, datetime]:
        """The Mega-Tutorial keeps no sign-up time: the earliest of first post and last_seen."""
        if self._first_post is None:
            rows = await self.db.rows(
                select(_post.c.user_id, func.min(_post.c.timestamp)).group_by(_post.c.user_id)
            )
            found = ((user, as_utc(moment)) for user, moment in rows if user is not None)
            self._first_post = {int(user): moment for user, moment in found if moment}
        return self._first_post


def _follow_key() -> ColumnElement[tuple[int, int]]:
    return tuple_(_followers.c.follower_id, _followers.c.followed_id)


def _pair(position: str) -> ColumnElement[tuple[int, int]]:
    follower, followed = (int(part) for part in position.split(":"))
    return tuple_(follower, followed)
