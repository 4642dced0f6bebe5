"""Conversations: threads of replies, likes and reposts.

Rules worth knowing (also in the README):
- Liking or reposting twice changes nothing; so does taking back what was not there. The
  counters on the post move only when a row really appeared or went, in the same
  transaction, so they always equal the rows (50 people liking at once: 50).
- A like or repost notifies the post's author (not when it is your own post); taking it
  back takes the notification along.
- A thread is a conversation: its first post, then every reply under it, oldest first,
  paged by keyset. Replies whose parent was deleted stay, "replying to a deleted post";
  when the first post itself is deleted, the conversation still reads, under
  "deleted post".
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import PostSettings
from bot.db.engine import Database
from bot.db.models import Account, Post
from bot.domain.clock import Clock, utcnow
from bot.domain.cursors import NEWER, OLDER, Cursor, decode_cursor
from bot.domain.errors import PostNotFound, UserError, ValidationError
from bot.domain.notifications import LIKE, REPOST
from bot.domain.values import (
    Audience,
    ChatUser,
    LiveSession,
    Position,
    PostView,
    ReactionResult,
    ThreadPage,
)
from bot.repositories.posts import PostRepository
from bot.repositories.reactions import ReactionRepository, add_to_post_counts
from bot.repositories.threads import ThreadRepository
from bot.services.auth import AuthService
from bot.services.notifications import notify, take_back
from bot.services.post_views import view_of, with_details
from bot.services.safety import ensure_can_interact

THREAD_COMMAND = "/thread"


class ConversationService:
    def __init__(
        self,
        database: Database,
        auth: AuthService,
        settings: PostSettings,
        clock: Clock = utcnow,
    ) -> None:
        self.db = database
        self.auth = auth
        self.settings = settings
        self.clock = clock

    # -- likes and reposts ---------------------------------------------------------------
    async def like(self, chat: ChatUser, post_id: int) -> ReactionResult:
        return await self.react(chat, LIKE, post_id, on=True)

    async def unlike(self, chat: ChatUser, post_id: int) -> ReactionResult:
        return await self.react(chat, LIKE, post_id, on=False)

    async def repost(self, chat: ChatUser, post_id: int) -> ReactionResult:
        return await self.react(chat, REPOST, post_id, on=True)

    async def unrepost(self, chat: ChatUser, post_id: int) -> ReactionResult:
        return await self.react(chat, REPOST, post_id, on=False)

    async def react(
        self, chat: ChatUser, kind: str, post_id: int, *, on: bool | None
    ) -> ReactionResult:
        """Like or repost (``on``), take it back (``not on``), or toggle (``on=None``:
        a card's button, which turns into what the clicker has not done yet)."""
        now = self.clock()
        async with self.auth.signed_in(chat) as (session, signed_in):
            me = signed_in.account
            posts = PostRepository(session)
            found = await posts.get_with_author(post_id)
            if found is None:
                raise PostNotFound(post_id)
            post, author = found
            reactions = ReactionRepository(session)
            if on is None:
                on = not await reactions.has(kind, me.id, post_id)
            if on:
                # Taking back is always allowed; giving needs a post you may see and reach.
                await ensure_can_interact(session, me.id, post.author_id)
                audience = Audience(now=now, account_id=me.id, hide_muted=False)
                if await posts.get_visible(post_id, audience) is None:
                    raise PostNotFound(post_id)  # removed by a moderator, author suspended
                changed = await reactions.add(kind, me.id, post_id, now)
            else:
                changed = await reactions.remove(kind, me.id, post_id)
            step = (1 if on else -1) if changed else 0
            counts = await add_to_post_counts(
                session,
                post_id,
                likes=step if kind == LIKE else 0,
                reposts=step if kind == REPOST else 0,
            )
            if changed and on:
                await notify(session, post.author_id, kind, me.id, post_id, now)
            elif changed:
                await take_back(session, post.author_id, kind, me.id, post_id)
            other = REPOST if kind == LIKE else LIKE
            other_on = await reactions.has(other, me.id, post_id)
            _replies, likes, reposts = counts or (0, 0, 0)
            return ReactionResult(
                post_id=post_id,
                author=author.username,
                changed=changed,
                liked=on if kind == LIKE else other_on,
                reposted=on if kind == REPOST else other_on,
                like_count=likes,
                repost_count=reposts,
            )

    # -- threads -------------------------------------------------------------------------
    async def thread(
        self,
        chat: ChatUser,
        post_id: int | None = None,
        cursor: str | None = None,
        *,
        guild_id: int | None = None,
    ) -> ThreadPage:
        """The conversation ``post_id`` belongs to: its first post and a page of replies.

        Asked for a reply, the page starts at that reply (earlier ones are a click away);
        ``cursor`` (from a page's buttons) names the conversation and the place in it.
        What the reader may not see is left out (blocks, mutes, suspensions, accounts hidden
        in ``guild_id``); a post a moderator removed keeps its place, without its text.
        """
        asked_position = decode_cursor(cursor, THREAD_COMMAND) if cursor else None
        limit = self.settings.page_size

        async def read(session: AsyncSession) -> tuple[ThreadPage, LiveSession | None]:
            position = asked_position  # a local: PostgreSQL may run this read twice
            seen: LiveSession | None = None
            try:
                seen = await self.auth.live_session(session, chat)
            except UserError:  # threads are public: a reader need not be logged in
                seen = None
            audience = Audience(
                now=self.clock(),
                account_id=seen.account_id if seen is not None else None,
                guild_id=guild_id,
            )
            posts = PostRepository(session)
            focus_id: int | None = None
            if position is not None:
                if position.author_id is None:
                    raise _stale()
                root_id = position.author_id
            else:
                if post_id is None:
                    raise PostNotFound()
                asked = await posts.get_visible(post_id, audience, keep_removed=True)
                if asked is None:
                    raise PostNotFound(post_id)
                root_id = asked[0].root_id or asked[0].id
                if asked[0].root_id is not None:
                    focus_id = asked[0].id
                    # Start at the reply asked for: just before it, walking forwards.
                    start = _just_before(Position(asked[0].created_at, asked[0].id))
                    position = Cursor(NEWER, start, root_id)
            root = await posts.get_visible(root_id, audience, keep_removed=True)
            root_state = "shown"
            if root is None:
                root_state = "unavailable" if await posts.get_with_author(root_id) else "deleted"
            replies, earlier, later = await _replies_page(
                ThreadRepository(session, audience), root_id, position, limit
            )
            shown = ([root] if root is not None else []) + replies
            views = await with_details(
                session,
                [_placed(post, author) for post, author in shown],
                audience.account_id,
            )
            root_view = views.pop(0) if root is not None else None
            page = ThreadPage(
                root_id=root_id,
                root=root_view,
                root_state=root_state,
                replies=views,
                earlier=earlier,
                later=later,
                focus_id=focus_id,
                viewer_id=audience.account_id,
            )
            return page, seen

        page, seen = await self.db.run_read(read)
        if seen is not None:
            await self.auth.keep_alive(seen)
        return page


async def _replies_page(
    threads: ThreadRepository, root_id: int, position: Cursor | None, limit: int
) -> tuple[list[tuple[Post, Account]], str | None, str | None]:
    """Replies oldest first; a cursor going NEWER continues after its place, OLDER ends
    just before it. Each query reads one more row than it shows (is there more that way?)."""
    if position is not None and position.direction == OLDER:
        rows = await threads.replies(root_id, limit=limit + 1, before=position.position)
        has_earlier = len(rows) > limit
        rows = rows[-limit:]
        has_later = True
    else:
        after = position.position if position is not None else None
        rows = await threads.replies(root_id, limit=limit + 1, after=after)
        has_later = len(rows) > limit
        rows = rows[:limit]
        has_earlier = after is not None and bool(
            await threads.replies(root_id, limit=1, before=_position(rows[0][0])) if rows else False
        )
    if not rows:
        return rows, None, None
    earlier = Cursor(OLDER, _position(rows[0][0]), root_id).encode() if has_earlier else None
    later = Cursor(NEWER, _position(rows[-1][0]), root_id).encode() if has_later else None
    return rows, earlier, later


def _placed(post: Post, author: Account) -> PostView:
    """A post as a thread shows it: one a moderator removed keeps its place, not its text."""
    view = view_of(post, author)
    if post.removed_at is None:
        return view
    return dataclasses.replace(view, body="", removed=True)


def _position(post: Post) -> Position:
    return Position(post.created_at, post.id)


def _just_before(position: Position) -> Position:
    """The place just before ``position`` in (created_at, id) order."""
    return Position(position.created_at, position.post_id - 1)


def _stale() -> ValidationError:
    return ValidationError(
        "cursor",
        "That page link is not valid any more. Run {command} again.",
        command=THREAD_COMMAND,
    )
