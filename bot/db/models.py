"""Tables. Columns, relationships and indexes only: rules live in the services."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain.hashtags import TAG_MAX_CHARS

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


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # as typed, for display
    username_key: Mapped[str] = mapped_column(String(128), unique=True)  # NFKC + casefold
    password_hash: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class Post(Base):
    __tablename__ = "post"
    __table_args__ = (
        # Keyset paging: (created_at, id) < (:t, :id) newest first, globally and per author.
        Index("ix_post_created_at_id", "created_at", "id"),
        Index("ix_post_author_id_created_at_id", "author_id", "created_at", "id"),
        # Search results come newest first by id (see bot/repositories/search): from:user.
        Index("ix_post_author_id_id", "author_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    author_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    # The body as the full-text engines index it (bot.domain.search_query.indexed_text).
    # SQLite's FTS5 table post_fts and PostgreSQL's generated column post.search_vector are
    # kept from it by the database itself (migration 0004), not declared here.
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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
