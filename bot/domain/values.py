"""Small frozen values the services hand out: no ORM objects leave a transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Position:
    """A place in the newest-first feed: the (created_at, id) of a post."""

    created_at: datetime
    post_id: int


@dataclass(frozen=True, slots=True)
class ChatUser:
    """Who is talking to the bot: a platform ("discord") and their id there."""

    platform: str
    user_id: str


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    username: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionView:
    account: AccountView
    logged_in_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LoginResult:
    account: AccountView
    previous_username: str | None  # the account this chat user was logged into before, if other


@dataclass(frozen=True, slots=True)
class PostView:
    id: int
    author_id: int
    author: str
    body: str
    created_at: datetime
    edited_at: datetime | None
    display_name: str | None = None  # shown beside the username, never instead
    avatar_url: str | None = None  # the author chose to show their Discord avatar (a CDN URL)


@dataclass(frozen=True, slots=True)
class FeedPage:
    posts: list[PostView]
    older: str | None  # opaque cursor for the next-older page, None at the end
    newer: str | None  # opaque cursor for the next-newer page, None at the top
    author: str | None  # whose timeline this is, None for everyone
    author_id: int | None = None  # the same, as the account id the cursors carry
    viewer_id: int | None = None  # the reader's account, when they are logged in
