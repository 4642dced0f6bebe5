"""Links between chat users and accounts, made only by the account's owner (/account link).

Without a link nothing tells which chat user is behind an account: sessions stay private.
A link lets people find the account from the chat user's profile menu and, if its owner
chose so, shows the chat avatar (the platform's CDN URL, never a copy) on the account's
posts. Unlinking removes both.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.engine import Database
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import NothingLinked, UserError
from bot.domain.values import AccountView, Audience, ChatUser, PostView
from bot.repositories.accounts import AccountRepository
from bot.repositories.chat_links import ChatLinkRepository
from bot.repositories.posts import PostRepository
from bot.services.auth import AuthService

RECENT_POSTS = 3
AVATAR_HOSTS = ("https://cdn.discordapp.com/", "https://media.discordapp.net/")


@dataclass(frozen=True, slots=True)
class LinkView:
    username: str
    shows_avatar: bool


@dataclass(frozen=True, slots=True)
class LinkedProfile:
    account: AccountView
    avatar_url: str | None
    post_count: int
    recent_posts: list[PostView]


class LinkService:
    def __init__(self, database: Database, auth: AuthService, clock: Clock = utcnow) -> None:
        self.db = database
        self.auth = auth
        self.clock = clock

    async def link(self, chat: ChatUser, avatar_url: str | None) -> LinkView:
        """Show the logged-in account on this chat user's profile; with an avatar if given."""
        if avatar_url is not None and not avatar_url.startswith(AVATAR_HOSTS):
            raise UserError("Only an avatar on Discord's own servers can be shown.")
        async with self.auth.signed_in(chat) as (session, signed_in):
            links = ChatLinkRepository(session)
            previous = await links.account_of(chat.platform, chat.user_id)
            if previous is not None and previous.id != signed_in.account.id:
                previous.avatar_url = None  # that avatar was this chat user's
            await links.replace(chat.platform, chat.user_id, signed_in.account.id, self.clock())
            account = await AccountRepository(session).get(signed_in.account.id)
            if account is None:  # deleted between the session check and here
                raise NothingLinked()
            account.avatar_url = avatar_url
            await session.flush()
            return LinkView(account.username, avatar_url is not None)

    async def unlink(self, chat: ChatUser) -> str:
        """Remove this chat user's link (logged in or not); returns the account's username."""
        async with self.db.write() as session:
            links = ChatLinkRepository(session)
            account = await links.account_of(chat.platform, chat.user_id)
            if account is None:
                raise NothingLinked()
            account.avatar_url = None
            await links.remove(chat.platform, chat.user_id)
            return account.username

    async def linked_profile(
        self, chat: ChatUser, *, reader: ChatUser | None = None, guild_id: int | None = None
    ) -> LinkedProfile | None:
        """The account this chat user chose to show, or None: then nothing is revealed.

        Its newest posts as ``reader`` may see them where they are shown (blocks, removed
        posts, suspensions and server hides apply, as in every feed).
        """
        async with self.db.read() as session:
            account = await ChatLinkRepository(session).account_of(chat.platform, chat.user_id)
            if account is None:
                return None
            audience = Audience(
                now=self.clock(),
                account_id=await self.auth.viewer(session, reader),
                guild_id=guild_id,
            )
            posts = PostRepository(session)
            recent = await posts.recent_visible_by_author(account.id, audience, RECENT_POSTS)
            count = await posts.count_by_author(account.id)
            return LinkedProfile(
                account=AccountView(account.id, account.username, account.created_at),
                avatar_url=account.avatar_url,
                post_count=count,
                recent_posts=[
                    PostView(
                        id=post.id,
                        author_id=account.id,
                        author=account.username,
                        body=post.body,
                        created_at=post.created_at,
                        edited_at=post.edited_at,
                        avatar_url=account.avatar_url,
                        display_name=account.display_name,
                    )
                    for post in recent
                ],
            )
