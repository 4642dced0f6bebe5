"""Home timelines, read by fan-out on read: the posts of an account and of those it follows,
and the posts they reposted.

An item is a post at a moment: its own ``created_at``, or the moment someone the owner
follows (or the owner) reposted it. Each post shows once, at its newest moment: a post
reposted by a followed account appears where the newest such repost puts it, marked with
who reposted it, and not again at its own time or at older reposts. Items page by keyset
on (moment, post id), which is therefore unique.

Two ways to find a page, chosen per query (measured in bench/social.py, 1M posts):

- **merge**: walk each author's (author_id, created_at, id) index, and their reposts'
  (account_id, created_at, post_id) index, for their newest rows past the cursor and keep
  the overall newest. Cost grows with the number of authors (about 3-4 µs each): the right
  way for up to ``MERGE_MAX_AUTHORS``.
- **window**: walk the global (created_at, id) index from the cursor, keeping posts whose
  author is followed (a primary-key probe each), at most ``WINDOW_POSTS`` posts deep, and
  the reposts made within the same stretch of time from the global (created_at, post_id)
  index. Cost grows with how rare the followed authors' posts are, not with how many they
  are. If the window holds less than a page (few or quiet follows), the merge answers.

"Shows once" costs nothing for a post nobody reposted: the post's ``repost_count`` is 0, so
no repost is looked for. Otherwise one probe per repost of that post.

Both choose the page and fetch its rows by id after. The statements are built once per
shape with bound parameters: building and cache-keying a statement of this size costs more
Python time than PostgreSQL or SQLite spend running it.

What may be seen is PostRepository's rule (``visible_to``), embedded from its pieces with
bound parameters. A timeline shows what its owner sees, less what its reader (the owner,
or whoever pages a shared timeline) may not: no post removed by a moderator, no post or
repost by an account that is suspended, blocked either way by the owner or the reader,
muted by the owner (it is the owner's feed), or hidden in the server where the page is
shown. "On the timeline" (for posts, reposts and "shows once") means an author who passes
that rule: the merge drops the others from its author set before reading anything; the
window checks them beside its follow probe.
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
    cast,
    exists,
    func,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Account, Follow, Id, Post, Repost, UTCDateTime
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
        """Up to ``limit`` items newest first, by ``owner_id`` and the accounts it follows:
        older than ``before``, newer than ``after``, or the newest. Each row has the post's
        id, author_id, body, created_at, edited_at, parent_id, root_id, reply_count,
        like_count, repost_count, the author's username, display name and avatar, ``at``
        (the item's moment: the post's created_at, or the repost's) and ``reposted_by`` (a
        username, or None).

        ``audience`` is who reads it where: the reader's blocks and the server's hides apply
        beside the owner's blocks and mutes (``audience.hide_muted`` False: no mutes)."""
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
    """The whole statement for one shape: choose the page's items, then fetch their rows."""
    if strategy == "window":
        originals, reposts = _window(newer, has_cursor)
    elif postgres:
        originals, reposts = _merge_lateral(newer, has_cursor)
    else:
        originals, reposts = _merge_bounded(newer, has_cursor)
    both = union_all(originals, reposts).subquery("items")
    keys = _past(
        select(both.c.id, both.c.at, both.c.via), both.c.at, both.c.id, newer, False, "n"
    ).subquery("page")
    reposter = aliased(Account)
    return (
        select(
            Post.id,
            Post.author_id,
            Post.body,
            Post.created_at,
            Post.edited_at,
            Post.parent_id,
            Post.root_id,
            Post.reply_count,
            Post.like_count,
            Post.repost_count,
            Account.username,
            Account.display_name,
            Account.avatar_url,
            keys.c.at,
            reposter.username.label("reposted_by"),
        )
        .join(keys, keys.c.id == Post.id)
        .join(Account, Account.id == Post.author_id)
        .outerjoin(reposter, reposter.id == keys.c.via)
        .order_by(*_order(keys.c.at, Post.id, newer))
    )


# -- what counts -------------------------------------------------------------------------
def _owner() -> BindParameter[int]:
    return bindparam("owner", type_=Id)


def _now() -> BindParameter[datetime]:
    return bindparam("now", type_=UTCDateTime())


def _excluded() -> Any:
    """Visibility's excluded accounts, from bound parameters (NULL: that part is empty):
    blocks either way of the reader and of the owner, the owner's mutes, the server's hides."""
    return union_all(
        *excluded_parts(
            reader=bindparam("reader", type_=Id),
            muter=bindparam("muter", type_=Id),
            guild=bindparam("guild", type_=BigInteger()),
        ),
        *excluded_parts(reader=_owner()),
    )


def _owner_shown() -> Any:
    """The owner is not suspended (their own posts are hidden too, when someone else pages)."""
    owner = aliased(Account)
    return (
        select(true()).where(owner.id == _owner(), account_shown(owner, _now())).scalar_subquery()
    )


def _in_timeline(account: Any, *, scalar: bool = False) -> ColumnElement[bool]:
    """``account`` is the owner or someone the owner follows (a primary-key probe, which
    reads its suspension too), and the audience may see it.

    ``scalar``: the follow probe as a scalar subquery, not EXISTS: for the window's posts,
    where PostgreSQL would otherwise hash every follow of the owner (5,000 rows: about
    1 ms) instead of probing a few µs per visited post.
    """
    author = aliased(Account)
    probe = (
        select(true())
        .select_from(Follow)
        .join(author, author.id == Follow.followed_id)
        .where(
            Follow.follower_id == _owner(),
            Follow.followed_id == account,
            account_shown(author, _now()),
        )
    )
    followed = probe.scalar_subquery() if scalar else probe.exists()
    return and_(
        or_(and_(account == _owner(), _owner_shown()), followed),
        account.not_in(_excluded()),
    )


def _not_reposted(post: Any) -> ColumnElement[bool]:
    """No one on the timeline reposted ``post``: else it shows at that repost instead."""
    other = aliased(Repost)
    reposted = exists().where(other.post_id == post.id, _in_timeline(other.account_id))
    return or_(post.repost_count == 0, ~reposted)


def _newest_repost(repost: Any, post: Any) -> ColumnElement[bool]:
    """No one on the timeline reposted ``post`` after ``repost`` (ties by account id)."""
    other = aliased(Repost)
    later = exists().where(
        other.post_id == repost.post_id,
        tuple_(other.created_at, other.account_id) > tuple_(repost.created_at, repost.account_id),
        _in_timeline(other.account_id),
    )
    return or_(post.repost_count <= 1, ~later)


def _repost_visible(post: Any, author: Any) -> list[ColumnElement[bool]]:
    """A repost brings in someone else's post: it must be one the audience may see."""
    return [
        post_shown(post),
        account_shown(author, _now()),
        post.author_id.not_in(_excluded()),
    ]


def _repost_items(
    newer: bool, has_cursor: bool, account_filter: Any, limit: Any, *, moment_only: bool = False
) -> Any:
    """Reposts as items (id, at, via), newest first past the cursor: ``account_filter``
    (given the repost table) says whose. ``moment_only``: just their created_at."""
    repost, post, author = aliased(Repost), aliased(Post), aliased(Account)
    columns = (
        [repost.created_at]
        if moment_only
        else [
            repost.post_id.label("id"),
            repost.created_at.label("at"),
            repost.account_id.label("via"),
        ]
    )
    query = (
        select(*columns)
        .join(post, post.id == repost.post_id)
        .join(author, author.id == post.author_id)
        .where(
            *account_filter(repost),
            _newest_repost(repost, post),
            *_repost_visible(post, author),
        )
    )
    return _past(query, repost.created_at, repost.post_id, newer, has_cursor, limit)


def _original_items(query: Select[Any], post: Any) -> Select[Any]:
    # A typed NULL: PostgreSQL reads a bare NULL in a subquery as text, which a UNION
    # with the reposts' account ids refuses.
    return query.add_columns(post.created_at.label("at"), cast(null(), Id).label("via"))


# -- the window --------------------------------------------------------------------------
def _window(newer: bool, has_cursor: bool) -> tuple[Any, Any]:
    edge_post = aliased(Post)
    edge = _past(
        select(edge_post.created_at), edge_post.created_at, edge_post.id, newer, has_cursor, 1
    )
    edge = edge.offset(bindparam("window")).scalar_subquery()
    # Where the window ends: the created_at WINDOW_POSTS posts along (or the end).
    originals = _original_items(select(Post.id), Post).where(
        _reach(Post.created_at, edge, newer),
        _in_timeline(Post.author_id, scalar=True),
        post_shown(Post),
        _not_reposted(Post),
    )
    originals = _past(originals, Post.created_at, Post.id, newer, has_cursor, "n")
    # Reposts made within the same stretch of time: everything in it has been looked at.
    reposts = _repost_items(
        newer,
        has_cursor,
        lambda r: [_reach(r.created_at, edge, newer), _in_timeline(r.account_id)],
        "n",
    )
    return originals.subquery("originals").select(), reposts.subquery("reposts").select()


# -- the merge ---------------------------------------------------------------------------
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


def _merge_lateral(newer: bool, has_cursor: bool) -> tuple[Any, Any]:
    """PostgreSQL: each author's newest posts and reposts from their indexes (LATERAL)."""
    authors = _authors()
    own = aliased(Post)
    newest = _past(
        _original_items(select(own.id), own).where(
            own.author_id == authors.c.id, post_shown(own), _not_reposted(own)
        ),
        own.created_at,
        own.id,
        newer,
        has_cursor,
        "n",
    ).lateral("newest")
    theirs = _repost_items(
        newer, has_cursor, lambda r: [r.account_id == authors.c.id], "n"
    ).lateral("reposted")
    originals = select(newest.c.id, newest.c.at, newest.c.via).select_from(authors)
    reposts = select(theirs.c.id, theirs.c.at, theirs.c.via).select_from(authors)
    return originals.join(newest, true()), reposts.join(theirs, true())


def _merge_bounded(newer: bool, has_cursor: bool) -> tuple[Any, Any]:
    """SQLite has no LATERAL. Per author, the moment of its n-th item past the cursor (one
    index walk, OFFSET n-1) bounds a join on the author's rows: at most about n candidates
    per author. Removed posts count in neither."""
    authors = _authors()
    own = aliased(Post)
    nth = _past(
        select(own.created_at).where(
            own.author_id == authors.c.id, post_shown(own), _not_reposted(own)
        ),
        own.created_at,
        own.id,
        newer,
        has_cursor,
        1,
    ).offset(bindparam("nth"))
    originals = _original_items(select(Post.id), Post).join(authors, Post.author_id == authors.c.id)
    originals = originals.where(
        _reach(Post.created_at, nth.scalar_subquery(), newer), post_shown(Post), _not_reposted(Post)
    )
    originals = _past(originals, Post.created_at, Post.id, newer, has_cursor, "n")

    def by_author_within_bound(repost: Any) -> list[ColumnElement[bool]]:
        nth_repost = _repost_items(
            newer, has_cursor, lambda r: [r.account_id == repost.account_id], 1, moment_only=True
        ).offset(bindparam("nth"))
        return [
            repost.account_id.in_(select(authors.c.id)),
            _reach(repost.created_at, nth_repost.scalar_subquery(), newer),
        ]

    reposts = _repost_items(newer, has_cursor, by_author_within_bound, "n")
    return originals.subquery("originals").select(), reposts.subquery("reposts").select()


# -- keyset helpers ----------------------------------------------------------------------
def _reach(moment: Any, edge: Any, newer: bool) -> ColumnElement[bool]:
    """``moment`` up to ``edge`` (inclusive: ties share it), or anywhere if None."""
    if newer:
        return moment <= func.coalesce(edge, bindparam("ceiling", type_=UTCDateTime()))
    return moment >= func.coalesce(edge, bindparam("floor", type_=UTCDateTime()))


def _order(moment: Any, post_id: Any, newer: bool) -> tuple[ColumnElement[Any], ...]:
    if newer:
        return (moment.asc(), post_id.asc())
    return (moment.desc(), post_id.desc())


def _past(
    query: Select[Any], moment: Any, post_id: Any, newer: bool, has_cursor: bool, limit: Any
) -> Select[Any]:
    """``query`` walking (moment, post_id) away from the cursor (or from the top), ``limit``
    rows (a number, or the name of a bound parameter)."""
    if has_cursor:
        key = tuple_(moment, post_id)
        point = tuple_(bindparam("at", type_=UTCDateTime()), bindparam("post_id", type_=Id))
        query = query.where(key > point if newer else key < point)
    count = bindparam(limit) if isinstance(limit, str) else limit
    return query.order_by(*_order(moment, post_id, newer)).limit(count)
