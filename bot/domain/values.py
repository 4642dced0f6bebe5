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
    # The conversation: root_id is set on every reply; parent_author is None when the
    # parent has been deleted ("replying to a deleted post").
    parent_id: int | None = None
    root_id: int | None = None
    parent_author: str | None = None
    reply_count: int = 0
    like_count: int = 0
    repost_count: int = 0
    liked: bool = False  # by the reader the page was made for
    reposted: bool = False
    mentions: tuple[str, ...] = ()  # usernames the post mentions (existing accounts)
    reposted_by: str | None = None  # in a home timeline: shown because this account reposted it
    removed: bool = False  # by a moderator: a thread shows the place, not the text
    shown_at: datetime | None = None  # its place in a timeline, when not created_at (a repost)

    @property
    def is_reply(self) -> bool:
        return self.root_id is not None


@dataclass(frozen=True, slots=True)
class FeedPage:
    posts: list[PostView]
    older: str | None  # opaque cursor for the next-older page, None at the end
    newer: str | None  # opaque cursor for the next-newer page, None at the top
    author: str | None  # whose timeline this is, None for everyone
    author_id: int | None = None  # the same, as the account id the cursors carry
    viewer_id: int | None = None  # the reader's account, when they are logged in
    unread: int | None = None  # the owner's unread notifications (their own /home)


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
class ReactionResult:
    """After a like, unlike, repost or unrepost: what changed and the post's counts now."""

    post_id: int
    author: str
    changed: bool  # False: it already was so (liking twice changes nothing)
    liked: bool
    reposted: bool
    like_count: int
    repost_count: int


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """A conversation: its first post (None once deleted) and a page of replies, oldest
    first; the cursors go to earlier and later replies."""

    root_id: int
    root: PostView | None  # None: deleted, or not for this reader (root_state says which)
    root_state: str  # "shown", "deleted" or "unavailable" (blocked, suspended, hidden here)
    replies: list[PostView]
    earlier: str | None
    later: str | None
    focus_id: int | None  # the post asked for, when it is a reply
    viewer_id: int | None = None  # the reader's account, when they are logged in


@dataclass(frozen=True, slots=True)
class NotificationEntry:
    """One line of /notifications: an event, or several of one kind about one post
    ("alice and 3 others liked your post"). ``actors`` are usernames, newest first."""

    kind: str  # reply, mention, like, repost, follow
    actors: tuple[str, ...]
    others: int  # how many more actors than listed
    post_id: int | None
    excerpt: str | None  # the post the event is about (for a reply or mention: the new post)
    created_at: datetime  # of the newest event in the entry
    unread: bool


@dataclass(frozen=True, slots=True)
class NotificationPage:
    username: str
    entries: list[NotificationEntry]
    unread: int  # unread before this view (capped: see UNREAD_CAP)
    older: str | None
    newer: str | None
    dm_off_reason: str | None  # DMs were switched off by the bot, and why


@dataclass(frozen=True, slots=True)
class DmSettings:
    enabled: bool
    off_reason: str | None
    interval_minutes: float


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
