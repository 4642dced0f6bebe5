"""Small frozen values the services hand out: no ORM objects leave a transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


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
class LiveSession:
    """A logged-in chat user as read commands need them: one row, no ORM objects."""

    session_id: int
    account_id: int
    username: str
    following_count: int
    logged_in_at: datetime
    last_seen_at: datetime
    suspended_until: datetime | None


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


@dataclass(frozen=True, slots=True)
class FollowResult:
    username: str  # whom, as their username (never a display name: identity)
    changed: bool  # False: already following (follow) or was not following (unfollow)


@dataclass(frozen=True, slots=True)
class ProfileView:
    id: int
    username: str
    display_name: str | None
    bio: str | None
    joined_at: datetime
    post_count: int
    follower_count: int
    following_count: int
    is_you: bool
    you_follow: bool  # False when the viewer is not logged in or is this account
    follows_you: bool
    recent_posts: list[PostView]


@dataclass(frozen=True, slots=True)
class PersonView:
    id: int
    username: str
    display_name: str | None
    since: datetime  # when the follow began


@dataclass(frozen=True, slots=True)
class PeoplePage:
    owner: str  # whose followers or following these are (username)
    total: int  # the owner's follower_count or following_count
    people: list[PersonView]
    older: str | None
    newer: str | None


@dataclass(frozen=True, slots=True)
class Audience:
    """Who will see an answer, for the one visibility rule (PostRepository's visible_to).

    ``account_id``: the reader's account, if logged in (blocks either way, their mutes).
    ``guild_id``: the server the answer is shown in (accounts hidden there).
    """

    now: datetime
    account_id: int | None = None
    guild_id: int | None = None
    hide_muted: bool = True


@dataclass(frozen=True, slots=True)
class RelationView:
    """One account someone blocked or muted."""

    username: str
    since: datetime


@dataclass(frozen=True, slots=True)
class ReportView:
    id: int
    post_id: int
    post_author: str
    post_body: str
    reporter: str
    reason: str
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ModerationEntry:
    id: int
    created_at: datetime
    moderator_id: int
    action: str
    reason: str
    target: str  # "alice", "post #12 by alice", or "a deleted account"
    detail: str | None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a newest-first list; ``before`` continues it (None: the end)."""

    items: list[T]
    before: int | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    posts: list[PostView]
    query: str  # the search as understood, in one canonical spelling (it parses back to itself)
    order: str  # "newest" or "best"
    next: str | None  # opaque cursor: older posts (newest order) or lower-ranked ones (best)
    previous: str | None  # the page before this one, None on the first page
    ranked_of: int | None = None  # best order: how many of the newest matches were ranked
    window_top: int | None = None  # best order: the newest post of the ranked window
    offset: int = 0  # best order: where this page starts in the ranking
    viewer_id: int | None = None  # the reader's account, when they are logged in


@dataclass(frozen=True, slots=True)
class TrendingTags:
    day: list[tuple[str, int]]  # (tag, posts using it) over the last 24 hours, most used first
    week: list[tuple[str, int]]  # the same over the last 7 days
