"""Posts and feeds: create, edit and delete (author only), read one, page through feeds."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import PostSettings
from bot.db.engine import Database
from bot.db.models import Account, Post
from bot.domain.clock import Clock, utcnow
from bot.domain.cursors import NEWER, OLDER, Cursor, decode_cursor
from bot.domain.errors import (
    AccountNotFound,
    MentionBlocked,
    NotAuthor,
    NothingToReplyTo,
    PostNotFound,
    PostRemoved,
    Throttled,
    TooLongToEdit,
)
from bot.domain.hashtags import post_tag_keys
from bot.domain.notifications import MENTION, REPLY
from bot.domain.rules import clean_post_body, clean_username, mentioned_keys
from bot.domain.search_query import indexed_text
from bot.domain.values import Audience, ChatUser, FeedPage, Position, PostView
from bot.repositories.accounts import AccountRepository
from bot.repositories.mentions import MentionRepository
from bot.repositories.posts import PostRepository
from bot.repositories.reactions import add_to_post_counts
from bot.repositories.relations import BlockRepository
from bot.repositories.tags import TagRepository
from bot.services.auth import AuthService
from bot.services.notifications import notify
from bot.services.post_views import view_of, with_details
from bot.services.safety import ensure_can_interact

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 choices


class PostService:
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
        self.cooldown = timedelta(seconds=settings.cooldown_seconds)

    async def create_post(
        self, chat: ChatUser, body: str, *, reply_to: int | None = None
    ) -> PostView:
        """Publish a post, or with ``reply_to`` a reply to that post. Names mentioned with
        @ that belong to accounts become mentions; the author replied to and the accounts
        mentioned are notified, in the same transaction."""
        body = clean_post_body(body, self.settings.max_length)
        now = self.clock()
        async with self.auth.signed_in(chat) as (session, signed_in):
            account = signed_in.account
            posts = PostRepository(session)
            parent: tuple[Post, Account] | None = None
            if reply_to is not None:
                parent = await _reply_target(session, account.id, reply_to, now)
            # Inside the write transaction, so two posts sent at once cannot both pass.
            last = await posts.latest_created_at(account.id)
            if last is not None and now < last + self.cooldown:
                raise Throttled("You are posting too fast.", retry_at=last + self.cooldown, now=now)
            replied = parent[0] if parent is not None else None
            post = await posts.add(
                account.id,
                body,
                now,
                discord_user_id=_discord_id(chat),
                parent_id=replied.id if replied else None,
                root_id=(replied.root_id or replied.id) if replied else None,
                search_text=indexed_text(body),
            )
            await TagRepository(session).set_tags(post.id, post_tag_keys(body), now)
            if replied is not None:
                await add_to_post_counts(session, replied.id, replies=1)
                await notify(session, replied.author_id, REPLY, account.id, post.id, now)
            await AccountRepository(session).add_to_counts(account.id, posts=1)
            # The author replied to already hears of it: no second line for naming them.
            skip = {account.id} | ({parent[0].author_id} if parent else set())
            mentioned = await _mention(session, post, skip, now)
            # Loaded with the session check: the identity map answers without a query.
            stored = await AccountRepository(session).get(account.id)
            view = _post_view(
                post,
                account.username,
                stored.avatar_url if stored else None,
                stored.display_name if stored else None,
            )
            return dataclasses.replace(
                view,
                parent_author=parent[1].username if parent else None,
                mentions=tuple(sorted(mentioned)),
            )

    async def check_reply(self, chat: ChatUser, post_id: int) -> None:
        """Raises what ``create_post(..., reply_to=post_id)`` would refuse before writing:
        not logged in, nothing to reply to, a block. Only reads (before a reply form)."""
        account = await self.auth.current_account(chat, touch=False)
        async with self.db.read() as session:
            await _reply_target(session, account.id, post_id, self.clock())

    async def edit_post(self, chat: ChatUser, post_id: int, body: str) -> PostView:
        """Change the text; names newly mentioned are notified, names dropped are no
        longer mentions."""
        body = clean_post_body(body, self.settings.max_length)
        now = self.clock()
        async with self.auth.signed_in(chat) as (session, signed_in):
            posts = PostRepository(session)
            post, author = await _get_post(posts, post_id, author_id=signed_in.account.id)
            if post.removed_at is not None:
                raise PostRemoved()
            await posts.set_body(post, body, indexed_text(body), edited_at=now)
            await TagRepository(session).set_tags(post.id, post_tag_keys(body), post.created_at)
            await _mention(session, post, {author.id}, now)
            view = _post_view(post, author.username, author.avatar_url, author.display_name)
            (detailed,) = await with_details(session, [view], author.id)
            return detailed

    async def delete_post(self, chat: ChatUser, post_id: int) -> PostView:
        """Delete one of your posts. Its replies stay (under "deleted post"); its likes,
        reposts, mentions and notifications go with it."""
        async with self.auth.signed_in(chat) as (session, signed_in):
            posts = PostRepository(session)
            post, author = await _get_post(posts, post_id, author_id=signed_in.account.id)
            view = _post_view(post, author.username, author.avatar_url, author.display_name)
            if post.parent_id is not None:
                await add_to_post_counts(session, post.parent_id, replies=-1)
            await posts.delete(post)  # its tags and index entries go with it (cascade, triggers)
            await AccountRepository(session).add_to_counts(author.id, posts=-1)
            return view

    async def get_post(
        self, post_id: int, *, reader: ChatUser | None = None, guild_id: int | None = None
    ) -> PostView:
        """One post, if ``reader`` may see it where it is shown (else PostNotFound)."""
        async with self.db.read() as session:
            audience = Audience(
                now=self.clock(),
                account_id=await self.auth.viewer(session, reader),
                guild_id=guild_id,
                hide_muted=False,
            )
            found = await PostRepository(session).get_visible(post_id, audience)
            if found is None:
                raise PostNotFound(post_id)
            post, author = found[0], found[1]
            return _post_view(post, author.username, author.avatar_url, author.display_name)

    async def own_post(self, chat: ChatUser, post_id: int) -> PostView:
        """One of the chat user's own posts, read-only (fast enough to answer before a modal)."""
        account = await self.auth.current_account(chat, touch=False)
        async with self.db.read() as session:
            post, author = await _get_post(PostRepository(session), post_id, author_id=account.id)
            return _post_view(post, author.username, author.avatar_url, author.display_name)

    async def post_to_edit(self, chat: ChatUser, post_id: int) -> PostView:
        """``own_post`` for the edit form, which holds at most [posts] max_length: an imported
        post longer than that is refused rather than shown cut (and saved cut)."""
        post = await self.own_post(chat, post_id)
        if len(post.body) > self.settings.max_length:
            raise TooLongToEdit(len(post.body), self.settings.max_length)
        return post

    async def my_recent_posts(self, chat: ChatUser, query: str = "") -> list[PostView]:
        """The author's newest posts, for choosing one to edit or delete."""
        account = await self.auth.current_account(chat, touch=False)  # autocomplete: read-only
        async with self.db.read() as session:
            posts = await PostRepository(session).recent_by_author(account.id, limit=100)
        needle = query.strip().casefold()
        matching = [
            _post_view(post, account.username)
            for post in posts
            if not needle or needle in post.body.casefold() or needle == str(post.id)
        ]
        return matching[:AUTOCOMPLETE_LIMIT]

    async def feed(
        self,
        cursor: str | None = None,
        author: str | None = None,
        *,
        reader: ChatUser | None = None,
        guild_id: int | None = None,
    ) -> FeedPage:
        """A newest-first page; ``cursor`` comes from a previous page, ``author`` filters.

        ``reader`` (who asked) and ``guild_id`` (where it is shown) decide what is visible.
        """
        limit = self.settings.page_size

        async def read(session: AsyncSession) -> FeedPage:
            posts = PostRepository(session)
            audience = Audience(
                now=self.clock(),
                account_id=await self.auth.viewer(session, reader),
                guild_id=guild_id,
            )
            position = decode_cursor(cursor) if cursor else None
            author_account = await self._author(AccountRepository(session), author, position)
            author_id = author_account.id if author_account else None
            # Each page query reads one row more than it shows: that row says whether there
            # is more in that direction, which saves one query per page (two on the first).
            rows: list[tuple[Post, Account]] = []
            has_older: bool | None = None  # None: unknown, ask the database below
            has_newer: bool | None = None
            if position is not None and position.direction == NEWER:
                rows = await posts.page(
                    limit=limit + 1, audience=audience, after=position.position, author_id=author_id
                )
                has_newer = len(rows) > limit
                rows = rows[-limit:]  # newest first: the extra row is the newest
            if len(rows) < limit:
                # Older pages, the first page, and newer pages that reached the top (which
                # then show the newest full page rather than a stub).
                before = position.position if position and position.direction == OLDER else None
                rows = await posts.page(
                    limit=limit + 1, audience=audience, before=before, author_id=author_id
                )
                has_older = len(rows) > limit
                rows = rows[:limit]
                has_newer = False if before is None else None  # the top has nothing newer
            older = newer = None
            if rows:
                last = Cursor(OLDER, _position(rows[-1][0]), author_id)
                first = Cursor(NEWER, _position(rows[0][0]), author_id)
                if has_older is None:
                    has_older = await posts.exists_beyond(
                        last.position, newer=False, audience=audience, author_id=author_id
                    )
                if has_newer is None:
                    has_newer = await posts.exists_beyond(
                        first.position, newer=True, audience=audience, author_id=author_id
                    )
                older = last.encode() if has_older else None
                newer = first.encode() if has_newer else None
            views = [
                _post_view(post, account.username, account.avatar_url, account.display_name)
                for post, account in rows
            ]
            return FeedPage(
                posts=await with_details(session, views, audience.account_id),
                older=older,
                newer=newer,
                author=author_account.username if author_account else None,
                author_id=author_id,
                # Which posts get Edit and Delete: their answers check the session again.
                viewer_id=audience.account_id,
            )

        return await self.db.run_read(read)

    @staticmethod
    async def _author(
        accounts: AccountRepository, author: str | None, position: Cursor | None
    ) -> Account | None:
        if position is not None and position.author_id is not None:
            found = await accounts.get(position.author_id)
            if found is None:
                raise AccountNotFound(author or "that author")
            return found
        if not author:
            return None
        _, key = clean_username(author)
        found = await accounts.get_by_key(key)
        if found is None:
            raise AccountNotFound(author.strip())
        return found


async def _get_post(
    posts: PostRepository, post_id: int, author_id: int | None = None
) -> tuple[Post, Account]:
    """Flaskr's get_post(id, check_author=True): raises, so callers stay linear."""
    found = await posts.get_with_author(post_id)
    if found is None:
        raise PostNotFound(post_id)
    if author_id is not None and found[0].author_id != author_id:
        raise NotAuthor()
    return found


def _discord_id(chat: ChatUser) -> int | None:
    return int(chat.user_id) if chat.platform == "discord" and chat.user_id.isdigit() else None


def _position(post: Post) -> Position:
    return Position(post.created_at, post.id)


def _post_view(
    post: Post, author: str, avatar_url: str | None = None, display_name: str | None = None
) -> PostView:
    return view_of(post, author, avatar_url=avatar_url, display_name=display_name)


async def _reply_target(
    session: AsyncSession, account_id: int, post_id: int, now: datetime
) -> tuple[Post, Account]:
    """The post replied to, if it may be: it exists, no moderator removed it, neither
    account blocked the other, and its author is not suspended."""
    posts = PostRepository(session)
    found = await posts.get_with_author(post_id)
    if found is None:
        raise NothingToReplyTo(post_id)
    if found[0].removed_at is not None:
        raise NothingToReplyTo(post_id, removed=True)
    await ensure_can_interact(session, account_id, found[0].author_id)
    audience = Audience(now=now, account_id=account_id, hide_muted=False)
    if await posts.get_visible(post_id, audience) is None:
        raise NothingToReplyTo(post_id)  # a suspended author's posts are not there to answer
    return found


async def _mention(session: AsyncSession, post: Post, skip: set[int], now: datetime) -> set[str]:
    """Record whom ``post`` mentions now and notify the ones it did not mention before
    (except ``skip``: the author, and whoever already hears of it as the one replied to).
    Returns the usernames mentioned. Naming an account blocked either way is refused."""
    named = await MentionRepository(session).accounts_named(mentioned_keys(post.body))
    blocks = BlockRepository(session)
    for account_id, username in named:
        if account_id != post.author_id and await blocks.between(post.author_id, account_id):
            raise MentionBlocked(username)
    new = await MentionRepository(session).replace(post.id, {account_id for account_id, _ in named})
    for account_id in sorted(new - skip):
        await notify(session, account_id, MENTION, post.author_id, post.id, now)
    return {username for _, username in named}
