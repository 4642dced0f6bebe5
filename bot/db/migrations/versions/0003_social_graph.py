"""social graph: follows, profiles, denormalized counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:36:18.634138
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "follow",
        sa.Column("follower_id", Id, nullable=False),
        sa.Column("followed_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["followed_id"],
            ["account.id"],
            name=op.f("fk_follow_followed_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["follower_id"],
            ["account.id"],
            name=op.f("fk_follow_follower_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("follower_id", "followed_id", name=op.f("pk_follow")),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follow_followed_id_created_at_follower_id",
            ["followed_id", "created_at", "follower_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_follow_follower_id_created_at_followed_id",
            ["follower_id", "created_at", "followed_id"],
            unique=False,
        )

    # ADD COLUMN on both backends (no table copy on SQLite: nothing here needs one).
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("bio", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("post_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("follower_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("following_count", sa.Integer(), server_default="0", nullable=False)
        )

    # Existing posts count from the start; there are no follows yet, so those stay 0.
    op.execute(
        "UPDATE account SET post_count = "
        "(SELECT COUNT(*) FROM post WHERE post.author_id = account.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("following_count")
        batch_op.drop_column("follower_count")
        batch_op.drop_column("post_count")
        batch_op.drop_column("bio")
        batch_op.drop_column("display_name")

    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_follower_id_created_at_followed_id")
        batch_op.drop_index("ix_follow_followed_id_created_at_follower_id")

    op.drop_table("follow")
