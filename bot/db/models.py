"""Tables. Columns, relationships and indexes only: rules live in the services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain.hashtags import TAG_MAX_CHARS
from bot.domain.search_query import indexed_text

# Explicit constraint names: Alembic needs them to alter or drop constraints on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Code-point order on PostgreSQL too, whatever the database's locale: a prefix is then a
# range of the index (autocomplete), as with SQLite's default BINARY collation.
TagKey = String(TAG_MAX_CHARS).with_variant(String(TAG_MAX_CHARS, collation="C"), "postgresql")

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which has no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        value = value.astimezone(UTC)
        # SQLite stores text; a fixed naive UTC format keeps it sortable for keyset paging.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A suspension without an end lasts until this moment (one comparison in every feed query).
SUSPENDED_INDEFINITELY = datetime(9999, 1, 1, tzinfo=UTC)


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (
        # Look-alike names are one name. Accounts that already collided when this rule came
        # (migration 0006) keep their names and are flagged instead: the oldest of each group
        # holds the unique entry, so no new account can take that skeleton either.
        Index(
            "uq_account_username_skeleton",
            "username_skeleton",
            unique=True,
            sqlite_where=text("NOT skeleton_clash"),
            postgresql_where=text("NOT skeleton_clash"),
        ),
        Index(
            "uq_account_shown_skeleton",
            "shown_skeleton",
            unique=True,
            sqlite_where=text("NOT skeleton_clash"),
            postgresql_where=text("NOT skeleton_clash"),
        ),
        Index("ix_account_username_skeleton", "username_skeleton"),
        Index("ix_account_shown_skeleton", "shown_skeleton"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # as typed (NFC), for display
    username_key: Mapped[str] = mapped_column(String(128), unique=True)  # NFKC + casefold
    # Unicode TS #39 skeletons: of the folded name, and of the name as shown (see
    # bot.domain.rules.username_skeletons); either one shared with another account is taken.
    username_skeleton: Mapped[str] = mapped_column(String(512))
    shown_skeleton: Mapped[str] = mapped_column(String(512))
    skeleton_clash: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # bcrypt (60 characters), or an imported werkzeug hash behind a marker (scrypt: ~170).
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    display_name: Mapped[str | None] = mapped_column(String(64))  # shown beside, never instead
    bio: Mapped[str | None] = mapped_column(Text)
    # Kept by the services in the same transaction as the rows they count, so a profile
    # never runs COUNT(*) over a busy table.
    post_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    follower_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    following_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by a moderator: no login, no posting, posts hidden, until then.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A chat avatar the account's owner chose to show (/account link): the platform's CDN
    # URL, never a copy. Cleared when they unlink.
    avatar_url: Mapped[str | None] = mapped_column(String(512))
    # Notifications up to this id have been seen: unread ones are those after it, counted
    # up to a cap along the (recipient_id, id) index, never all of them.
    notifications_read_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ChatSession(Base):
    """A chat user (platform + their id there) logged into an account."""

    __tablename__ = "chat_session"
    __table_args__ = (UniqueConstraint("platform", "chat_user_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_user_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(
        Id, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatLink(Base):
    """A chat user who chose to show a microblog account on their chat profile.

    Only a link reveals who is behind an account: sessions stay private. One account is
    shown by at most one chat user, and one chat user shows at most one account.
    """

    __tablename__ = "chat_link"
    __table_args__ = (UniqueConstraint("platform", "chat_user_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_user_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(
        Id, ForeignKey("account.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _indexed_body(context: Any) -> str:
    return indexed_text(context.get_current_parameters()["body"])


class Post(Base):
    __tablename__ = "post"
    __table_args__ = (
        # Keyset paging: (created_at, id) < (:t, :id) newest first, globally and per author.
        Index("ix_post_created_at_id", "created_at", "id"),
        Index("ix_post_author_id_created_at_id", "author_id", "created_at", "id"),
        # A conversation in order (/thread), and the SET NULL when a parent is deleted.
        Index("ix_post_root_id_created_at_id", "root_id", "created_at", "id"),
        Index("ix_post_parent_id", "parent_id"),
        # Search results come newest first by id (see bot/repositories/search): from:user,
        # and "was it removed?" answered from a tiny index rather than the post row.
        Index("ix_post_author_id_id", "author_id", "id"),
        Index(
            "ix_post_removed",
            "id",
            sqlite_where=text("removed_at IS NOT NULL"),
            postgresql_where=text("removed_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    # The body as the full-text engines index it (bot.domain.search_query.indexed_text);
    # derived from the body on insert when not given. SQLite's FTS5 table post_fts and
    # PostgreSQL's generated column post.search_vector are kept from it by the database
    # itself (migration 0004), not declared here. Edits go through PostRepository.set_body.
    search_text: Mapped[str] = mapped_column(Text, default=_indexed_body)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A reply's parent; NULL again when the parent is deleted, so the reply stays (shown
    # under "deleted post"). root_id is the conversation's first post and has no foreign
    # key on purpose: the conversation holds together after its root is deleted.
    parent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("post.id", ondelete="SET NULL"))
    root_id: Mapped[int | None] = mapped_column(BigInteger)
    # Kept by the services in the same transaction as the rows they count (x = x + 1 only
    # when a row really appeared), so a post liked 100,000 times never counts rows to render.
    reply_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    like_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    repost_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The Discord user who wrote it, so an account stays accountable (moderators only);
    # NULL for posts written before this was recorded.
    discord_user_id: Mapped[int | None] = mapped_column(BigInteger)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # by a moderator
    # Brought in by `python -m bot import`: may be longer than [posts] max_length (kept whole).
    imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PostLike(Base):
    """``account_id`` likes ``post_id``; the pair is the key, so liking twice is one like."""

    __tablename__ = "post_like"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "post_id"),
        Index("ix_post_like_post_id", "post_id"),  # a deleted post takes its likes along
    )

    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(Id, ForeignKey("post.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Repost(Base):
    """``account_id`` passed ``post_id`` on: it shows in their followers' home timelines."""

    __tablename__ = "repost"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "post_id"),
        # Home timelines: each followed account's newest reposts, or all reposts by time.
        Index("ix_repost_account_id_created_at_post_id", "account_id", "created_at", "post_id"),
        Index("ix_repost_created_at_post_id", "created_at", "post_id"),
        # Who else reposted this post (a post shows once, at its newest repost).
        Index("ix_repost_post_id_created_at_account_id", "post_id", "created_at", "account_id"),
    )

    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(Id, ForeignKey("post.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Mention(Base):
    """``@username`` in a post that named an existing account when it was written."""

    __tablename__ = "mention"
    __table_args__ = (
        PrimaryKeyConstraint("post_id", "account_id"),
        Index("ix_mention_account_id", "account_id"),
    )

    post_id: Mapped[int] = mapped_column(Id, ForeignKey("post.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))


class Notification(Base):
    """One event for one recipient (a reply, mention, like, repost or new follower),
    written once when it happens and read newest first by keyset on (recipient_id, id)."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_recipient_id_id", "recipient_id", "id"),
        # Cascades and "take it back" (unlike, unrepost, unfollow) find their rows here.
        Index("ix_notification_actor_id", "actor_id"),
        Index("ix_notification_post_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(Id, ForeignKey("post.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotificationDm(Base):
    """A Discord user who asked for their notifications by DM (``/account notify dm:on``).

    Keyed by their chat session, so logging out ends the DMs; ``account_id`` is the account
    they asked for, so switching accounts does not send another account's news. Delivery
    state as for feed summaries: ``pending_*`` pins the DM being sent (a retry repeats it
    with the same nonce), ``lease_*`` reserves it for one process, ``next_due_at`` keeps
    DMs at least an interval apart.
    """

    __tablename__ = "notification_dm"
    __table_args__ = (Index("ix_notification_dm_enabled_next_due_at", "enabled", "next_due_at"),)

    session_id: Mapped[int] = mapped_column(
        Id, ForeignKey("chat_session.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        Id, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean)
    off_reason: Mapped[str | None] = mapped_column(String(300))  # why the bot turned it off
    locale: Mapped[str | None] = mapped_column(String(16))  # the language the DMs are in
    sent_upto_id: Mapped[int] = mapped_column(BigInteger)  # newest notification summarised
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dm_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    pending_upto_id: Mapped[int | None] = mapped_column(BigInteger)
    pending_nonce: Mapped[str | None] = mapped_column(String(25))
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(300))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Block(Base):
    """``blocker_id`` and ``blocked_id`` never see or reach each other, whoever blocked."""

    __tablename__ = "block"
    __table_args__ = (
        PrimaryKeyConstraint("blocker_id", "blocked_id"),
        Index("ix_block_blocked_id_blocker_id", "blocked_id", "blocker_id"),
    )

    blocker_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Mute(Base):
    """``muted_id`` is left out of ``muter_id``'s feeds and notifications; nothing else."""

    __tablename__ = "mute"
    __table_args__ = (PrimaryKeyConstraint("muter_id", "muted_id"),)

    muter_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    muted_id: Mapped[int] = mapped_column(
        Id, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Report(Base):
    """A post reported to the moderators. ``status``: open, dismissed or actioned."""

    __tablename__ = "report"
    __table_args__ = (
        # One open report per reporter and post; after a decision, a new one may follow.
        Index(
            "uq_report_reporter_id_post_id_open",
            "reporter_id",
            "post_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_report_status_id", "status", "id"),
        Index("ix_report_post_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    reporter_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(Id, ForeignKey("post.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)  # a moderator's Discord id


class ModerationAction(Base):
    """The moderation log: appended to, never changed (no update or delete path).

    When an account or post it names is deleted (an erasure request), the link is cut
    (SET NULL) and the rest of the entry stays: who acted, what, why and when.
    """

    __tablename__ = "moderation_action"
    __table_args__ = (Index("ix_moderation_action_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    moderator_id: Mapped[int] = mapped_column(BigInteger)  # Discord user id
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    target_account_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    target_post_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("post.id", ondelete="SET NULL"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("report.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[str | None] = mapped_column(String(200))


class ServerHiddenAccount(Base):
    """An account whose posts a server's admins chose not to show in that server."""

    __tablename__ = "server_hidden_account"
    __table_args__ = (
        PrimaryKeyConstraint("guild_id", "account_id"),
        Index("ix_server_hidden_account_account_id", "account_id"),
    )

    guild_id: Mapped[int] = mapped_column(BigInteger)
    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    hidden_by: Mapped[int] = mapped_column(BigInteger)  # a Discord user id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Follow(Base):
    """``follower_id`` reads ``followed_id``'s posts on their home timeline."""

    __tablename__ = "follow"
    __table_args__ = (
        PrimaryKeyConstraint("follower_id", "followed_id"),
        # Newest first, keyset-paged: whom someone follows, and who follows someone.
        Index(
            "ix_follow_follower_id_created_at_followed_id",
            "follower_id",
            "created_at",
            "followed_id",
        ),
        Index(
            "ix_follow_followed_id_created_at_follower_id",
            "followed_id",
            "created_at",
            "follower_id",
        ),
    )

    follower_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    followed_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PostTag(Base):
    """One #tag of one post (bot.domain.hashtags), written with the post.

    Keyed by (tag, post_id): a tag's posts newest first by id. ``created_at`` is the post's,
    so /trending counts a window of uses without touching post.
    """

    __tablename__ = "post_tag"
    __table_args__ = (
        Index("ix_post_tag_post_id", "post_id"),
        Index("ix_post_tag_created_at_tag", "created_at", "tag"),
    )

    tag: Mapped[str] = mapped_column(TagKey, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        Id, ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RateEvent(Base):
    """One attempt that counts against a limit (failed login, registration), kept briefly.

    Stored in the database, not in memory, so every bot process shares the same limits.
    """

    __tablename__ = "rate_event"
    __table_args__ = (
        Index("ix_rate_event_kind_subject_created_at", "kind", "subject", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestSubscription(Base):
    """A channel that gets a summary of new posts every ``interval_seconds``.

    Delivery state: ``cursor_*`` is the newest post already summarised; ``pending_*`` and
    ``pending_nonce`` pin the summary being sent, so a retry after a crash sends the same
    content with the same nonce (Discord drops the repeat). ``lease_*`` reserves a due
    summary for one process at a time.
    """

    __tablename__ = "digest_subscription"
    __table_args__ = (
        UniqueConstraint("channel_id", "author_scope"),
        Index("ix_digest_subscription_status_next_due_at", "status", "next_due_at"),
        Index("ix_digest_subscription_guild_id", "guild_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    author_id: Mapped[int | None] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    author_scope: Mapped[int] = mapped_column(BigInteger)  # author_id, or 0 for everyone
    interval_seconds: Mapped[int] = mapped_column(Integer)
    min_posts: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # "active" or "paused"
    status_reason: Mapped[str | None] = mapped_column(String(300))
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cursor_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cursor_post_id: Mapped[int | None] = mapped_column(BigInteger)
    pending_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pending_post_id: Mapped[int | None] = mapped_column(BigInteger)
    pending_nonce: Mapped[str | None] = mapped_column(String(25))
    failures: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportMapping(Base):
    """What an import brought in: (source, kind, id there) -> our id; re-runs skip these.

    ``kind`` is user, post or follow. A follow's id there is the pair (follower,
    followed): ``source_id`` and ``source_id2`` (0 for the others); its target is the
    follower's account. Integers, not text: a million rows a run go into this index. No
    foreign key: an imported account or post that its owner later deletes stays imported,
    so a re-run does not bring it back.
    """

    __tablename__ = "import_mapping"
    # SQLite: the primary key is the table (no rowid beside it), one B-tree to write per row.
    __table_args__ = (
        PrimaryKeyConstraint("source", "kind", "source_id", "source_id2"),
        {"sqlite_with_rowid": False},
    )

    source: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    source_id: Mapped[int] = mapped_column(BigInteger)
    source_id2: Mapped[int] = mapped_column(BigInteger)
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    source_name: Mapped[str | None] = mapped_column(Text)  # a user's name there, as it was


class ImportProgress(Base):
    """How far each stage of an import got: committed in the same transaction as its batch."""

    __tablename__ = "import_progress"
    __table_args__ = (PrimaryKeyConstraint("source", "stage"),)

    source: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(8))
    position: Mapped[str] = mapped_column(String(64))  # the last source key done, as text
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
