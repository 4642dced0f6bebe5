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


@dataclass(frozen=True, slots=True)
class FeedPage:
    posts: list[PostView]
    older: str | None  # opaque cursor for the next-older page, None at the end
    newer: str | None  # opaque cursor for the next-newer page, None at the top
    author: str | None  # whose timeline this is, None for everyone


@dataclass(frozen=True, slots=True)
class SearchPage:
    posts: list[PostView]
    query: str  # the search as understood, in one canonical spelling (it parses back to itself)
    order: str  # "newest" or "best"
    next: str | None  # opaque cursor: older posts (newest order) or lower-ranked ones (best)
    previous: str | None  # the page before this one, None on the first page
    ranked_of: int | None = None  # best order: how many of the newest matches were ranked


@dataclass(frozen=True, slots=True)
class TrendingTags:
    day: list[tuple[str, int]]  # (tag, posts using it) over the last 24 hours, most used first
    week: list[tuple[str, int]]  # the same over the last 7 days
