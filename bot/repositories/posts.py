"""Posts: queries only. Feeds page by keyset on (created_at, id), never by OFFSET.

Every query that shows posts to someone applies ``visible_to(audience)``: the one rule for
what a reader may see (removed posts, suspended authors, blocks either way, mutes, accounts
hidden in the server). Enforced here, in SQL, never by filtering a rendered page. The home
timeline and the people lists embed the same pieces (``post_shown``, ``account_shown``,
``excluded_parts``) rather than a copy of the rules.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Select,
    bindparam,
    func,
    or_,
    select,
    tuple_,
    union,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Block, Id, Mute, Post, ServerHiddenAccount, UTCDateTime
from bot.domain.values import Audience, Position


def visible_to(audience: Audience, *, keep_removed: bool = False) -> list[ColumnElement[bool]]:
    """Conditions on a query of ``Post`` joined with its author (``Account``).

    Left out: posts removed by a moderator (unless ``keep_removed``: a thread shows "removed
    by a moderator" in their place), posts of suspended accounts, and the authors in
    ``excluded_accounts(audience)``. Built from the pieces below, which queries that cannot
    take an Audience (the home timeline's prebuilt statements) embed with bound parameters.
    """
    conditions = [account_shown(Account, audience.now)]
    if not keep_removed:
        conditions.append(post_shown(Post))
    excluded = excluded_accounts(audience)
    if excluded is not None:
        conditions.append(Post.author_id.not_in(excluded))
    return conditions


def post_shown(post: Any) -> ColumnElement[bool]:
    """``post`` (Post or an alias) was not removed by a moderator."""
    return post.removed_at.is_(None)  # type: ignore[no-any-return]


def account_shown(account: Any, now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """``account`` (Account or an alias) is not suspended at ``now``."""
    return or_(account.suspended_until.is_(None), account.suspended_until <= now)


def excluded_accounts(audience: Audience) -> CompoundSelect | None:
    """The accounts whose posts ``audience`` does not see (None: nobody is excluded)."""
    parts = excluded_parts(
        reader=audience.account_id,
        muter=audience.account_id if audience.hide_muted else None,
        guild=audience.guild_id,
    )
    return union_all(*parts) if parts else None


def excluded_parts(
    *, reader: Any = None, muter: Any = None, guild: Any = None
) -> list[Select[tuple[int]]]:
    """Account ids to leave out, one SELECT each: those ``reader`` blocked or who blocked
    ``reader``, those ``muter`` muted, and those hidden in the server ``guild``.

    Each is an id or a bound parameter (a parameter bound to NULL matches nothing), or None
    to skip that part. They come from the primary keys and indexes of block, mute and
    server_hidden_account: one small set per query however many posts are scanned.
    """
    parts: list[Select[tuple[int]]] = []
    if reader is not None:
        parts.append(select(Block.blocked_id).where(Block.blocker_id == reader))
        parts.append(select(Block.blocker_id).where(Block.blocked_id == reader))
    if muter is not None:
        parts.append(select(Mute.muted_id).where(Mute.muter_id == muter))
    if guild is not None:
        parts.append(
            select(ServerHiddenAccount.account_id).where(ServerHiddenAccount.guild_id == guild)
        )
    return parts


class PostRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_with_author(self, post_id: int) -> tuple[Post, Account] | None:
        row = (
            await self.session.execute(
                select(Post, Account)
                .join(Account, Account.id == Post.author_id)
                .where(Post.id == post_id)
            )
        ).one_or_none()
        return (row[0], row[1]) if row else None

    async def hidden_author_ids(self, audience: Audience) -> list[int]:
        """The authors whose posts ``audience`` does not see, as ids: the rule of
        ``visible_to``, for queries that check authors through an index (search)."""
        suspended = select(Account.id).where(Account.suspended_until > audience.now)
        return list(
            await self.session.scalars(
                union(
                    suspended,
                    *excluded_parts(
                        reader=audience.account_id,
                        muter=audience.account_id if audience.hide_muted else None,
                        guild=audience.guild_id,
                    ),
                )
            )
        )

    async def get_visible(
        self, post_id: int, audience: Audience, *, keep_removed: bool = False
    ) -> tuple[Post, Account] | None:
        row = (
            await self.session.execute(
                select(Post, Account)
                .join(Account, Account.id == Post.author_id)
                .where(Post.id == post_id, *visible_to(audience, keep_removed=keep_removed))
            )
        ).one_or_none()
        return (row[0], row[1]) if row else None

    async def add(
        self,
        author_id: int,
        body: str,
        created_at: datetime,
        discord_user_id: int | None = None,
        *,
        parent_id: int | None = None,
        root_id: int | None = None,
        search_text: str | None = None,
    ) -> Post:
        post = Post(
            author_id=author_id,
            body=body,
            created_at=created_at,
            discord_user_id=discord_user_id,
            parent_id=parent_id,
            root_id=root_id,
            # None: the model derives it from the body (the indexing rule in one place).
            **({} if search_text is None else {"search_text": search_text}),
        )
        self.session.add(post)
        await self.session.flush()
        return post

    async def set_body(
        self, post: Post, body: str, search_text: str, edited_at: datetime | None
    ) -> None:
        post.body = body
        post.search_text = search_text  # the database re-indexes it in this transaction
        post.edited_at = edited_at
        await self.session.flush()

    async def delete(self, post: Post) -> None:
        await self.session.delete(post)
        await self.session.flush()

    async def mark_removed(self, post_id: int, now: datetime) -> None:
        await self.session.execute(update(Post).where(Post.id == post_id).values(removed_at=now))

    async def all_by_author(self, author_id: int) -> list[Post]:
        """Every post of an account, oldest first (their data export)."""
        query = select(Post).where(Post.author_id == author_id).order_by(Post.created_at, Post.id)
        return list((await self.session.scalars(query)).all())

    async def latest_created_at(self, author_id: int) -> datetime | None:
        return await self.session.scalar(
            select(Post.created_at)
            .where(Post.author_id == author_id)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(1)
        )

    async def page(
        self,
        *,
        limit: int,
        audience: Audience,
        before: Position | None = None,
        after: Position | None = None,
        author_id: int | None = None,
    ) -> list[tuple[Post, Account]]:
        """Up to ``limit`` posts newest first: older than ``before`` or newer than ``after``."""
        if after is not None:
            # Walk upwards from the cursor (ascending), then present newest first.
            statement = _page_statement("after", author_id is not None, limit)
            rows = await self.session.execute(statement, _params(audience, author_id, after))
            return [(post, author) for post, author in rows][::-1]
        direction = "before" if before is not None else "newest"
        statement = _page_statement(direction, author_id is not None, limit)
        rows = await self.session.execute(statement, _params(audience, author_id, before))
        return [(post, author) for post, author in rows]

    async def exists_beyond(
        self,
        position: Position,
        *,
        newer: bool,
        audience: Audience,
        author_id: int | None = None,
    ) -> bool:
        statement = _beyond_statement(newer, author_id is not None)
        found = await self.session.scalar(statement, _params(audience, author_id, position))
        return found is not None

    async def recent_by_author(self, author_id: int, limit: int) -> list[Post]:
        query = (
            select(Post)
            .where(Post.author_id == author_id)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def recent_visible_by_author(
        self, author_id: int, audience: Audience, limit: int
    ) -> list[Post]:
        """The author's newest posts that ``audience`` may see (removed ones never)."""
        query = (
            select(Post)
            .join(Account, Account.id == Post.author_id)
            .where(Post.author_id == author_id, *visible_to(audience))
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def count_by_author(self, author_id: int) -> int:
        query = select(func.count()).select_from(Post).where(Post.author_id == author_id)
        return int(await self.session.scalar(query) or 0)

    async def newest_after(
        self, author_id: int | None, after: Position | None, audience: Audience
    ) -> Position | None:
        """The newest post after ``after`` (by ``author_id`` if given), for feed summaries."""
        query = (
            select(Post.created_at, Post.id)
            .join(Account, Account.id == Post.author_id)
            .where(*_Window.where(author_id, after, None), *visible_to(audience))
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(1)
        )
        row = (await self.session.execute(query)).one_or_none()
        return Position(row[0], row[1]) if row else None

    async def count_between(
        self, author_id: int | None, after: Position | None, upto: Position, audience: Audience
    ) -> int:
        query = select(func.count()).select_from(Post).join(Account, Account.id == Post.author_id)
        query = query.where(*_Window.where(author_id, after, upto), *visible_to(audience))
        return int(await self.session.scalar(query) or 0)

    async def newest_between(
        self,
        author_id: int | None,
        after: Position | None,
        upto: Position,
        limit: int,
        audience: Audience,
    ) -> list[tuple[Post, str]]:
        query = (
            select(Post, Account.username)
            .join(Account, Account.id == Post.author_id)
            .where(*_Window.where(author_id, after, upto), *visible_to(audience))
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(limit)
        )
        return [(post, name) for post, name in await self.session.execute(query)]


# The feed's statements are built once per shape (direction, one author or all, page size)
# with bound parameters, as the home timeline's are: building a statement costs more CPU
# than running it. A reader, muter or server bound to NULL excludes nobody (excluded_parts).
def _params(audience: Audience, author_id: int | None, cursor: Position | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "now": audience.now,
        "reader": audience.account_id,
        "muter": audience.account_id if audience.hide_muted else None,
        "guild": audience.guild_id,
        "author": author_id,
    }
    if cursor is not None:
        params |= {"at": cursor.created_at, "post_id": cursor.post_id}
    return params


def _feed_conditions(by_author: bool) -> list[ColumnElement[bool]]:
    excluded = excluded_parts(
        reader=bindparam("reader", type_=Id),
        muter=bindparam("muter", type_=Id),
        guild=bindparam("guild", type_=BigInteger()),
    )
    conditions = [
        account_shown(Account, bindparam("now", type_=UTCDateTime())),
        post_shown(Post),
        Post.author_id.not_in(union_all(*excluded)),
    ]
    if by_author:
        conditions.append(Post.author_id == bindparam("author", type_=Id))
    return conditions


def _keyset(direction: str) -> list[ColumnElement[bool]]:
    """Beyond the cursor: "after" (newer) or "before" (older); nothing for the newest."""
    if direction == "newest":
        return []
    key = tuple_(Post.created_at, Post.id)
    point = tuple_(bindparam("at", type_=UTCDateTime()), bindparam("post_id", type_=Id))
    return [key > point if direction == "after" else key < point]


def _order(ascending: bool) -> tuple[ColumnElement[Any], ...]:
    if ascending:
        return (Post.created_at.asc(), Post.id.asc())
    return (Post.created_at.desc(), Post.id.desc())


@cache
def _page_statement(direction: str, by_author: bool, limit: int) -> Select[Any]:
    return (
        select(Post, Account)
        .join(Account, Account.id == Post.author_id)
        .where(*_feed_conditions(by_author), *_keyset(direction))
        .order_by(*_order(ascending=direction == "after"))
        .limit(limit)
    )


@cache
def _beyond_statement(newer: bool, by_author: bool) -> Select[Any]:
    # The nearest post along the keyset index, not EXISTS(...): after five runs of a
    # prepared statement PostgreSQL may switch to a generic plan, and for a bare EXISTS
    # that plan is a sequential scan, which reads the whole table when nothing matches
    # (the first page's "newer" check: 140 ms at 1M posts). ORDER BY + LIMIT 1 keeps
    # every plan on the index.
    return (
        select(Post.id)
        .join(Account, Account.id == Post.author_id)
        .where(*_feed_conditions(by_author), *_keyset("after" if newer else "before"))
        .order_by(*_order(ascending=newer))
        .limit(1)
    )


class _Window:
    """Posts after one position and up to another, optionally by one author (summaries)."""

    @staticmethod
    def where(
        author_id: int | None, after: Position | None, upto: Position | None
    ) -> list[ColumnElement[bool]]:
        key = tuple_(Post.created_at, Post.id)
        conditions: list[ColumnElement[bool]] = []
        if author_id is not None:
            conditions.append(Post.author_id == author_id)
        if after is not None:
            conditions.append(key > tuple_(after.created_at, after.post_id))
        if upto is not None:
            conditions.append(key <= tuple_(upto.created_at, upto.post_id))
        return conditions
