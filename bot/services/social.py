"""Following people: follow, unfollow, profiles, followers and following, the home timeline.

Rules worth knowing (also in the README):
- Counters (posts, followers, following) change in the same transaction as the rows they
  count, only when a row really appears or goes, so following twice changes nothing.
- Identity is the username: display names are shown beside it, never instead of it, and
  never accepted where an account is named (follow, unfollow, profile, lists).
- Profiles, lists and home timelines are public, like the posts they are made of: page
  buttons carry whose page it is, so anyone may click them, after a restart too.
- What they show follows the feeds' visibility rule (PostRepository's ``visible_to``) for
  whoever reads them where: nothing by an account blocked either way, suspended, or hidden
  in the server the answer is shown in, no post a moderator removed. Mutes hide posts
  (profiles: the viewer's; home timelines: the owner's, it is their feed), never people
  in lists; a home timeline also leaves out whom its owner blocked or was blocked by (their
  reposts bring in others' posts). Following is refused between accounts that blocked each other
  (``ensure_can_interact``); a block ends their follows (SafetyService).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import PostSettings
from bot.db.engine import Database
from bot.db.models import Account, Post
from bot.domain.clock import Clock, utcnow
from bot.domain.cursors import NEWER, OLDER, Cursor, decode_cursor
from bot.domain.errors import AccountNotFound, CannotFollowYourself, NotLoggedIn, ValidationError
from bot.domain.rules import clean_bio, clean_display_name, clean_username
from bot.domain.values import (
    Audience,
    ChatUser,
    FeedPage,
    FollowResult,
    LiveSession,
    PeoplePage,
    PersonView,
    Position,
    PostView,
    ProfileView,
)
from bot.repositories.accounts import AccountRepository
from bot.repositories.follows import FollowRepository
from bot.repositories.notifications import NotificationRepository
from bot.repositories.posts import PostRepository
from bot.repositories.timeline import TimelineRepository
from bot.services.auth import AuthService
from bot.services.graph import add_follow, lock_accounts, remove_follow
from bot.services.notifications import UNREAD_CAP
from bot.services.post_views import view_of, with_details
from bot.services.safety import ensure_can_interact

PROFILE_POSTS = 3
PEOPLE_PAGE_SIZE = 10
T = TypeVar("T")


class SocialService:
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

    # -- the graph -----------------------------------------------------------------------
    async def follow(self, chat: ChatUser, username: str) -> FollowResult:
        return await self._set_follow(chat, _named(username), follow=True)

    async def unfollow(self, chat: ChatUser, username: str) -> FollowResult:
        return await self._set_follow(chat, _named(username), follow=False)

    async def set_follow(self, chat: ChatUser, account_id: int, *, follow: bool) -> FollowResult:
        """Follow or unfollow by account id: a profile's button, which outlives renames."""
        return await self._set_follow(chat, _with_id(account_id), follow=follow)

    async def _set_follow(
        self,
        chat: ChatUser,
        find: Callable[[AccountRepository], Awaitable[Account]],
        *,
        follow: bool,
    ) -> FollowResult:
        # signed_in refuses a suspended account (and ends its session) before anything else.
        async with self.auth.signed_in(chat) as (session, signed_in):
            me = signed_in.account
            target = await find(AccountRepository(session))
            if not follow:
                changed = await remove_follow(session, me.id, target.id)
                return FollowResult(target.username, changed=changed)
            if target.id == me.id:
                raise CannotFollowYourself()
            # Locked before the block check: a block made meanwhile is either seen here or
            # made after this follow, and then ends it.
            if target.id not in await lock_accounts(session, me.id, target.id):
                raise AccountNotFound(target.username)  # deleted a moment ago
            await ensure_can_interact(session, me.id, target.id)
            changed = await add_follow(session, me.id, target.id, self.clock())
            return FollowResult(target.username, changed=changed)

    # -- profiles ------------------------------------------------------------------------
    async def profile(
        self,
        chat: ChatUser,
        username: str | None = None,
        *,
        guild_id: int | None = None,
        touch: bool = True,
    ) -> ProfileView:
        """``username``'s profile (your own without one), as ``chat`` sees it in the server
        ``guild_id`` (None: elsewhere). Its newest posts are those the viewer may see there,
        as in /feed user: (the viewer's blocks either way and mutes, suspensions, removals,
        the server's hides); the profile itself stays public.

        ``touch=False`` only reads: for answers due before Discord's 3-second deadline.
        """

        async def read(session: AsyncSession) -> tuple[ProfileView, LiveSession | None]:
            accounts = AccountRepository(session)
            if username:
                target = await _existing(accounts, _key_or_unknown(username), username)
                seen = await self._viewer(session, chat)
            else:
                seen = await self.auth.live_session(session, chat)
                target = await _account(accounts, seen.account_id)
            viewer_id = seen.account_id if seen is not None else None
            you_follow = follows_you = False
            if viewer_id is not None and viewer_id != target.id:
                you_follow, follows_you = await FollowRepository(session).between(
                    viewer_id, target.id
                )
            audience = Audience(now=self.clock(), account_id=viewer_id, guild_id=guild_id)
            recent = await PostRepository(session).recent_visible_by_author(
                target.id, audience, PROFILE_POSTS
            )
            view = ProfileView(
                id=target.id,
                username=target.username,
                display_name=target.display_name,
                bio=target.bio,
                joined_at=target.created_at,
                post_count=target.post_count,
                follower_count=target.follower_count,
                following_count=target.following_count,
                is_you=viewer_id == target.id,
                you_follow=you_follow,
                follows_you=follows_you,
                recent_posts=[_post_view(post, target) for post in recent],
            )
            return view, seen

        view, seen = await self.db.run_read(read)
        if seen is not None and touch:
            await self.auth.keep_alive(seen)
        return view

    async def _viewer(self, session: AsyncSession, chat: ChatUser) -> LiveSession | None:
        """Who is looking, if they are logged in: profiles are public either way."""
        try:
            return await self.auth.live_session(session, chat)
        except NotLoggedIn:
            return None

    async def update_profile(self, chat: ChatUser, display_name: str, bio: str) -> ProfileView:
        """Set your display name and bio; an empty field clears it."""
        name, about = clean_display_name(display_name), clean_bio(bio)
        async with self.auth.signed_in(chat) as (session, signed_in):
            accounts = AccountRepository(session)
            account = await accounts.get(signed_in.account.id)
            if account is None:
                raise NotLoggedIn()  # deleted while logged in
            await accounts.set_profile(account, name, about)
        return await self.profile(chat)

    # -- lists ---------------------------------------------------------------------------
    async def followers(
        self,
        chat: ChatUser,
        username: str | None = None,
        cursor: str | None = None,
        *,
        guild_id: int | None = None,
    ) -> PeoplePage:
        return await self._people(
            chat, username, cursor, "/followers", following=False, guild_id=guild_id
        )

    async def following(
        self,
        chat: ChatUser,
        username: str | None = None,
        cursor: str | None = None,
        *,
        guild_id: int | None = None,
    ) -> PeoplePage:
        return await self._people(
            chat, username, cursor, "/following", following=True, guild_id=guild_id
        )

    async def _people(
        self,
        chat: ChatUser,
        username: str | None,
        cursor: str | None,
        command: str,
        *,
        following: bool,
        guild_id: int | None,
    ) -> PeoplePage:
        """One page of a list, as ``chat`` may see it in ``guild_id`` (mutes aside: a list
        is not a feed). The total is the owner's counter: everyone, seen or not."""
        position = decode_cursor(cursor, command) if cursor else None

        async def read(session: AsyncSession) -> tuple[PeoplePage, LiveSession | None]:
            seen: LiveSession | None = None
            accounts = AccountRepository(session)
            if position is not None:
                owner = await _owner(accounts, position, command)
            elif username:
                owner = await _existing(accounts, _key_or_unknown(username), username)
            else:
                seen = await self.auth.live_session(session, chat)
                owner = await _account(accounts, seen.account_id)
            viewer_id = seen.account_id if seen else await self.auth.viewer(session, chat)
            audience = Audience(
                now=self.clock(), account_id=viewer_id, guild_id=guild_id, hide_muted=False
            )
            follows = FollowRepository(session)
            fetch = follows.following_page if following else follows.followers_page
            rows, older, newer = await _keyset_page(
                lambda **page: fetch(owner.id, audience=audience, **page),
                position,
                PEOPLE_PAGE_SIZE,
                lambda row: Position(row[0], row[1].id),
                owner.id,
            )
            page = PeoplePage(
                owner=owner.username,
                total=owner.following_count if following else owner.follower_count,
                people=[PersonView(a.id, a.username, a.display_name, since) for since, a in rows],
                older=older,
                newer=newer,
            )
            return page, seen

        page, seen = await self.db.run_read(read)
        if seen is not None:
            await self.auth.keep_alive(seen)
        return page

    # -- the home timeline ---------------------------------------------------------------
    async def home(
        self, chat: ChatUser, cursor: str | None = None, *, guild_id: int | None = None
    ) -> FeedPage:
        """Newest first: your posts and those of the accounts you follow, as whoever reads
        it (``chat``: the owner, or someone paging a shared timeline) may see them in the
        server ``guild_id``.

        One read transaction: the session lookup and the page share it.
        """
        position = decode_cursor(cursor, "/home") if cursor else None

        async def read(session: AsyncSession) -> tuple[FeedPage, LiveSession | None]:
            seen: LiveSession | None = None
            if position is None:
                seen = await self.auth.live_session(session, chat)
                owner_id, owner_name, following = (
                    seen.account_id,
                    seen.username,
                    seen.following_count,
                )
            else:
                owner = await _owner(AccountRepository(session), position, "/home")
                owner_id, owner_name, following = owner.id, owner.username, owner.following_count
            # Whose posts get Edit and Delete, and whose likes and reposts the buttons show:
            # on a page paged to, whoever pressed the button.
            reader = seen if seen is not None else await self._viewer(session, chat)
            reader_id = reader.account_id if reader is not None else None
            now = self.clock()
            audience = Audience(now=now, account_id=reader_id, guild_id=guild_id)
            timeline = TimelineRepository(session)
            rows, older, newer = await _keyset_page(
                lambda **page: timeline.home_page(owner_id, following, audience=audience, **page),
                position,
                self.settings.page_size,
                lambda row: Position(row.at, row.id),
                owner_id,
            )
            views = [
                PostView(
                    id=row.id,
                    author_id=row.author_id,
                    author=row.username,
                    body=row.body,
                    created_at=row.created_at,
                    edited_at=row.edited_at,
                    parent_id=row.parent_id,
                    root_id=row.root_id,
                    reply_count=row.reply_count,
                    like_count=row.like_count,
                    repost_count=row.repost_count,
                    reposted_by=row.reposted_by,
                    shown_at=row.at,
                    display_name=row.display_name,
                    avatar_url=row.avatar_url,
                )
                for row in rows
            ]
            # The owner's own first page says how many notifications wait.
            unread = (
                await NotificationRepository(session).unread_for(owner_id, UNREAD_CAP, now)
                if seen is not None
                else None
            )
            page = FeedPage(
                posts=await with_details(session, views, reader_id),
                older=older,
                newer=newer,
                author=owner_name,
                author_id=owner_id,
                viewer_id=reader_id,
                unread=unread,
            )
            return page, seen

        page, seen = await self.db.run_read(read)
        if seen is not None:
            await self.auth.keep_alive(seen)
        return page


async def _keyset_page(
    fetch: Callable[..., Awaitable[list[T]]],
    position: Cursor | None,
    limit: int,
    key: Callable[[T], Position],
    scope_id: int,
) -> tuple[list[T], str | None, str | None]:
    """One newest-first page in either direction, and the cursors next to it.

    Like the feed, each query reads one row more than it shows, which says whether there is
    more that way. The other way is known without asking: a page reached from a cursor has
    the cursor's row beyond it (if that row has gone since, paging there shows the top).
    """
    rows: list[T] = []
    has_older = has_newer = False
    if position is not None and position.direction == NEWER:
        rows = await fetch(limit=limit + 1, after=position.position)
        has_newer = len(rows) > limit
        rows = rows[-limit:]  # newest first: the extra row is the newest
        has_older = True
    if len(rows) < limit:
        # Older pages, the first page, and newer pages that reached the top (which then
        # show the newest full page rather than a stub).
        before = position.position if position and position.direction == OLDER else None
        rows = await fetch(limit=limit + 1, before=before)
        has_older = len(rows) > limit
        rows = rows[:limit]
        has_newer = before is not None
    if not rows:
        return rows, None, None
    older = Cursor(OLDER, key(rows[-1]), scope_id).encode() if has_older else None
    newer = Cursor(NEWER, key(rows[0]), scope_id).encode() if has_newer else None
    return rows, older, newer


def _key_or_unknown(username: str) -> str:
    """The username's key; a name no account could have is simply unknown."""
    try:
        return clean_username(username)[1]
    except ValidationError:
        raise AccountNotFound(username.strip()) from None


def _named(username: str) -> Callable[[AccountRepository], Awaitable[Account]]:
    key = _key_or_unknown(username)
    return lambda accounts: _existing(accounts, key, username)


def _with_id(account_id: int) -> Callable[[AccountRepository], Awaitable[Account]]:
    async def find(accounts: AccountRepository) -> Account:
        found = await accounts.get(account_id)
        if found is None:
            raise AccountNotFound(f"#{account_id}")
        return found

    return find


async def _existing(accounts: AccountRepository, key: str, typed: str) -> Account:
    found = await accounts.get_by_key(key)
    if found is None:
        raise AccountNotFound(typed.strip())
    return found


async def _account(accounts: AccountRepository, account_id: int) -> Account:
    found = await accounts.get(account_id)
    if found is None:
        raise NotLoggedIn()  # the account went away while its session was being read
    return found


async def _owner(accounts: AccountRepository, position: Cursor, command: str) -> Account:
    found = await accounts.get(position.author_id) if position.author_id else None
    if found is None:
        raise ValidationError(
            "cursor", "That page link is not valid any more. Run {command} again.", command=command
        )
    return found


def _post_view(post: Post, author: Account) -> PostView:
    return view_of(post, author)
