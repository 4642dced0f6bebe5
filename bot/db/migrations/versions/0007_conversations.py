"""conversations: replies, likes, reposts, mentions, notifications and their DMs

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-22 06:37:05.033623
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def _pair_table(name: str, *, with_time: bool = True) -> list[Any]:
    """account_id + post_id, both cascading, the pair as primary key (likes, reposts)."""
    items: list[Any] = [
        sa.Column("account_id", Id, nullable=False),
        sa.Column("post_id", Id, nullable=False),
    ]
    if with_time:
        items.append(sa.Column("created_at", Stamp, nullable=False))
    items += [
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f(f"fk_{name}_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f(f"fk_{name}_post_id_post"), ondelete="CASCADE"
        ),
    ]
    return items


def upgrade() -> None:
    op.create_table(
        "post_like",
        *_pair_table("post_like"),
        sa.PrimaryKeyConstraint("account_id", "post_id", name=op.f("pk_post_like")),
    )
    op.create_index("ix_post_like_post_id", "post_like", ["post_id"])

    op.create_table(
        "repost",
        *_pair_table("repost"),
        sa.PrimaryKeyConstraint("account_id", "post_id", name=op.f("pk_repost")),
    )
    op.create_index(
        "ix_repost_account_id_created_at_post_id", "repost", ["account_id", "created_at", "post_id"]
    )
    op.create_index("ix_repost_created_at_post_id", "repost", ["created_at", "post_id"])
    op.create_index(
        "ix_repost_post_id_created_at_account_id", "repost", ["post_id", "created_at", "account_id"]
    )

    op.create_table(
        "mention",
        *_pair_table("mention", with_time=False),
        sa.PrimaryKeyConstraint("post_id", "account_id", name=op.f("pk_mention")),
    )
    op.create_index("ix_mention_account_id", "mention", ["account_id"])

    op.create_table(
        "notification",
        sa.Column("id", Id, nullable=False),
        sa.Column("recipient_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", Id, nullable=False),
        sa.Column("post_id", Id, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["account.id"],
            name=op.f("fk_notification_actor_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_notification_post_id_post"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["account.id"],
            name=op.f("fk_notification_recipient_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_recipient_id_id", "notification", ["recipient_id", "id"])
    op.create_index("ix_notification_actor_id", "notification", ["actor_id"])
    op.create_index("ix_notification_post_id", "notification", ["post_id"])

    op.create_table(
        "notification_dm",
        sa.Column("session_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("off_reason", sa.String(length=300), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("sent_upto_id", sa.BigInteger(), nullable=False),
        sa.Column("next_due_at", Stamp, nullable=False),
        sa.Column("dm_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("pending_upto_id", sa.BigInteger(), nullable=True),
        sa.Column("pending_nonce", sa.String(length=25), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_notification_dm_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_session.id"],
            name=op.f("fk_notification_dm_session_id_chat_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_notification_dm")),
    )
    op.create_index("ix_notification_dm_account_id", "notification_dm", ["account_id"])
    op.create_index(
        "ix_notification_dm_enabled_next_due_at", "notification_dm", ["enabled", "next_due_at"]
    )

    op.add_column(
        "account",
        sa.Column("notifications_read_id", sa.BigInteger(), server_default="0", nullable=False),
    )
    # On SQLite a new foreign key means copying the post table (bot.db.migrate runs that
    # with foreign keys off, so the copy cascades nowhere); PostgreSQL alters in place.
    with op.batch_alter_table("post") as batch_op:
        batch_op.add_column(sa.Column("parent_id", Id, nullable=True))
        batch_op.add_column(sa.Column("root_id", sa.BigInteger(), nullable=True))
        for counter in ("reply_count", "like_count", "repost_count"):
            batch_op.add_column(
                sa.Column(counter, sa.Integer(), server_default="0", nullable=False)
            )
        batch_op.create_foreign_key(
            op.f("fk_post_parent_id_post"), "post", ["parent_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_post_parent_id", ["parent_id"])
        batch_op.create_index("ix_post_root_id_created_at_id", ["root_id", "created_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("post") as batch_op:
        batch_op.drop_index("ix_post_root_id_created_at_id")
        batch_op.drop_index("ix_post_parent_id")
        batch_op.drop_constraint("fk_post_parent_id_post", type_="foreignkey")
        for column in ("repost_count", "like_count", "reply_count", "root_id", "parent_id"):
            batch_op.drop_column(column)
    op.drop_column("account", "notifications_read_id")
    for table in ("notification_dm", "notification", "mention", "repost", "post_like"):
        op.drop_table(table)
