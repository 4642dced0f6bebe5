"""Home timelines, read by fan-out on read: the posts of an account and of those it follows.

Two ways to find a page, chosen per query (measured in bench/social.py, 1M posts):

- **merge**: walk each author's (author_id, created_at, id) index for their newest rows
  past the cursor and keep the overall newest. Cost grows with the number of authors
  (about 3-4 µs each): the right way for up to ``MERGE_MAX_AUTHORS``.
- **window**: walk the global (created_at, id) index from the cursor, keeping posts whose
  author is followed (a primary-key probe each), at most ``WINDOW_POSTS`` posts deep. Cost
  grows with how rare the followed authors' posts are, not with how many they are: an
  account following thousands finds a page within the first few hundred posts. If the
  window holds less than a page (few or quiet follows), the merge answers instead.

Both choose the page and fetch its rows by id after. The statements are built once per
shape with bound parameters: building and cache-keying a statement of this size costs more
Python time than PostgreSQL or SQLite spend running it.

What may be seen is PostRepository's rule (``visible_to``), embedded from its pieces with
bound parameters: no post removed by a moderator, no author who is suspended, blocked
either way by the reader, muted by the owner (it is the owner's feed), or hidden in the
server where the page is shown. The merge drops such authors from its author set before
reading any post; the window checks them beside the follow probe.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Subquery

from bot.db.models import Account, Follow, Id, Post, UTCDateTime
from bot.domain.values import Audience, Position
from bot.repositories.posts import account_shown, excluded_parts, post_shown

MERGE_MAX_AUTHORS = 100
WINDOW_POSTS = 1000
_FLOOR = datetime(1, 1, 1, tzinfo=UTC)
_CEILING = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


class TimelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.postgres = session.bind.dialect.name == "postgresql"

    async def home_page(
        self,
        owner_id: int,
        following_count: int,
        *,
        audience: Audience,
        limit: int,
        before: Position | None = None,
        after: Position | None = None,
    ) -> list[Row[Any]]:
        """Up to ``limit`` posts newest first, by ``owner_id`` and the accounts it follows:
        older than ``before``, newer than ``after``, or the newest. Each row has the post's
        id, author_id, body, created_at, edited_at and the author's username, display name
        and avatar.

        ``audience`` is who reads it where (the owner, or whoever pages a shared timeline):
        their blocks and the server's hides apply; the mutes are the owner's
        (``audience.hide_muted`` False: none)."""
        newer = after is not None
        cursor = after if newer else before
        params: dict[str, Any] = {
            "owner": owner_id,
            "reader": audience.account_id,
            "muter": owner_id if audience.hide_muted else None,
            "guild": audience.guild_id,
            "now": audience.now,
            "n": limit,
            "nth": limit - 1,
            "window": WINDOW_POSTS,
            "floor": _FLOOR,
            "ceiling": _CEILING,
        }
        if cursor is not None:
            params |= {"at": cursor.created_at, "post_id": cursor.post_id}
        shape = (newer, cursor is not None)
        if following_count + 1 > MERGE_MAX_AUTHORS:
            rows = await self._rows(_page("window", False, *shape), params, newer)
            if len(rows) == limit:
                return rows
        return await self._rows(_page("merge", self.postgres, *shape), params, newer)

    async def _rows(
        self, statement: Select[Any], params: dict[str, Any], newer: bool
    ) -> list[Row[Any]]:
        rows = list(await self.session.execute(statement, params))
        return rows[::-1] if newer else rows


@cache
def _page(strategy: str, postgres: bool, newer: bool, has_cursor: bool) -> Select[Any]:
    """The whole statement for one shape: choose the page's ids, then fetch its rows."""
    if strategy == "window":
        keys = _window(newer, has_cursor)
    else:
        keys = _merge_lateral(newer, has_cursor) if postgres else _merge_bounded(newer, has_cursor)
    return (
        select(
            Post.id,
            Post.author_id,
            Post.body,
            Post.created_at,
            Post.edited_at,
            Account.username,
            Account.display_name,
            Account.avatar_url,
        )
        .join(keys, keys.c.id == Post.id)
        .join(Account, Account.id == Post.author_id)
        .order_by(*_order(Post, newer))
    )


def _window(newer: bool, has_cursor: bool) -> Subquery:
    edge_post = aliased(Post)
    edge = _past(select(edge_post.created_at), edge_post, newer, has_cursor, 1)
    edge = edge.offset(bindparam("window"))
    # Where the window ends: the created_at WINDOW_POSTS posts along (or the end).
    within = _reach(Post, edge.scalar_subquery(), newer)
    # A scalar subquery, not EXISTS: PostgreSQL would hash every follow of the owner
    # (5,000 rows: about 1 ms) where a probe per visited post costs a few µs. The author's
    # suspension is read in the same probe, so only followed authors' rows are looked up.
    author = aliased(Account)
    followed = (
        select(true())
        .select_from(Follow)
        .join(author, author.id == Follow.followed_id)
        .where(
            Follow.follower_id == _owner(),
            Follow.followed_id == Post.author_id,
            account_shown(author, _now()),
        )
        .scalar_subquery()
    )
    query = select(Post.id).where(
        within,
        or_(and_(Post.author_id == _owner(), _owner_shown()), followed),
        post_shown(Post),
        Post.author_id.not_in(_excluded()),
    )
    return _past(query, Post, newer, has_cursor, bindparam("n")).subquery("page")


def _authors() -> Any:
    """The owner and whom it follows, less the authors the audience may not see."""
    ids = union_all(
        select(Follow.followed_id.label("id")).where(Follow.follower_id == _owner()),
        select(_owner().label("id")),
    ).subquery("candidates")
    author = aliased(Account)
    return (
        select(author.id)
        .join(ids, ids.c.id == author.id)
        .where(account_shown(author, _now()), author.id.not_in(_excluded()))
        .cte("authors")
    )


def _merge_lateral(newer: bool, has_cursor: bool) -> Subquery:
    """PostgreSQL: each author's newest rows from its index (LATERAL), then the newest."""
    authors = _authors()
    own = aliased(Post)
    newest = _past(
        select(own.id, own.created_at).where(own.author_id == authors.c.id, post_shown(own)),
        own,
        newer,
        has_cursor,
        bindparam("n"),
    ).lateral("newest")
    query = (
        select(newest.c.id)
        .select_from(authors)
        .join(newest, true())
        .order_by(*_order(newest.c, newer))
        .limit(bindparam("n"))
    )
    return query.subquery("page")


def _merge_bounded(newer: bool, has_cursor: bool) -> Subquery:
    """SQLite has no LATERAL. Per author, the created_at of its n-th row past the cursor
    (one index walk, OFFSET n-1) bounds a join on the author's rows: at most about n
    candidates per author. Removed posts count in neither."""
    authors = _authors()
    own = aliased(Post)
    nth = _past(
        select(own.created_at).where(own.author_id == authors.c.id, post_shown(own)),
        own,
        newer,
        has_cursor,
        1,
    ).offset(bindparam("nth"))
    query = (
        select(Post.id)
        .join(authors, Post.author_id == authors.c.id)
        .where(_reach(Post, nth.scalar_subquery(), newer), post_shown(Post))
    )
    return _past(query, Post, newer, has_cursor, bindparam("n")).subquery("page")


def _owner() -> BindParameter[int]:
    return bindparam("owner", type_=Id)


def _now() -> BindParameter[datetime]:
    return bindparam("now", type_=UTCDateTime())


def _owner_shown() -> Any:
    """The owner is not suspended (their own posts are hidden too, when someone else pages)."""
    owner = aliased(Account)
    return (
        select(true()).where(owner.id == _owner(), account_shown(owner, _now())).scalar_subquery()
    )


def _excluded() -> Any:
    """Visibility's excluded accounts, from bound parameters (NULL: that part is empty)."""
    return union_all(
        *excluded_parts(
            reader=bindparam("reader", type_=Id),
            muter=bindparam("muter", type_=Id),
            guild=bindparam("guild", type_=BigInteger()),
        )
    )


def _reach(table: Any, edge: Any, newer: bool) -> ColumnElement[bool]:
    """``table.created_at`` up to ``edge`` (inclusive: ties share it), or anywhere if None."""
    if newer:
        return table.created_at <= func.coalesce(edge, bindparam("ceiling", type_=UTCDateTime()))
    return table.created_at >= func.coalesce(edge, bindparam("floor", type_=UTCDateTime()))


def _order(table: Any, newer: bool) -> tuple[ColumnElement[Any], ...]:
    if newer:
        return (table.created_at.asc(), table.id.asc())
    return (table.created_at.desc(), table.id.desc())


def _past(query: Select[Any], table: Any, newer: bool, has_cursor: bool, limit: Any) -> Select[Any]:
    """``query`` walking ``table`` away from the cursor (or from the top), ``limit`` rows."""
    if has_cursor:
        key = tuple_(table.created_at, table.id)
        point = tuple_(bindparam("at", type_=UTCDateTime()), bindparam("post_id", type_=Id))
        query = query.where(key > point if newer else key < point)
    return query.order_by(*_order(table, newer)).limit(limit)
