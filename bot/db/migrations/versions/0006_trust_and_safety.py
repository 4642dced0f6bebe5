"""trust and safety: look-alike names, blocks, mutes, reports, moderation, server hides

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-22 05:54:52.046581

Existing accounts get the TS #39 skeleton of their name. Accounts whose skeletons collide
(names that were distinct before but look alike) are not renamed or changed: the oldest of
each group keeps the unique skeleton, the others are flagged ``skeleton_clash`` (left out of
the partial unique index) and each group is logged. ``python -m bot db check-names`` lists
them again at any time.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.domain.rules import username_skeletons

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_log = logging.getLogger("bot.db.migrations")


def _fill_skeletons() -> None:
    account = sa.table(
        "account",
        sa.column("id", sa.BigInteger()),
        sa.column("username", sa.String()),
        sa.column("username_skeleton", sa.String()),
        sa.column("shown_skeleton", sa.String()),
        sa.column("skeleton_clash", sa.Boolean()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(account.c.id, account.c.username).order_by(account.c.id))
    # Oldest first: the first holder of a skeleton keeps it; later look-alikes are flagged.
    holders: dict[str, list[tuple[int, str]]] = {}
    for account_id, username in rows.all():
        folded, shown = username_skeletons(username)
        clash = bool(holders.get(f"f:{folded}") or holders.get(f"s:{shown}"))
        for key in (f"f:{folded}", f"s:{shown}"):
            holders.setdefault(key, []).append((account_id, username))
        connection.execute(
            account.update()
            .where(account.c.id == account_id)
            .values(username_skeleton=folded, shown_skeleton=shown, skeleton_clash=clash)
        )
    for group in holders.values():
        if len(group) > 1:
            _log.warning(
                "Look-alike usernames kept as they are (see python -m bot db check-names): %s",
                ", ".join(f"{name!r} (account {account_id})" for account_id, name in group),
            )


def upgrade() -> None:
    op.create_table(
        "block",
        sa.Column(
            "blocker_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "blocked_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blocked_id"],
            ["account.id"],
            name=op.f("fk_block_blocked_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blocker_id"],
            ["account.id"],
            name=op.f("fk_block_blocker_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_block")),
    )
    with op.batch_alter_table("block", schema=None) as batch_op:
        batch_op.create_index(
            "ix_block_blocked_id_blocker_id", ["blocked_id", "blocker_id"], unique=False
        )

    op.create_table(
        "mute",
        sa.Column("muter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("muted_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["muted_id"], ["account.id"], name=op.f("fk_mute_muted_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["muter_id"], ["account.id"], name=op.f("fk_mute_muter_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("muter_id", "muted_id", name=op.f("pk_mute")),
    )
    with op.batch_alter_table("mute", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mute_muted_id"), ["muted_id"], unique=False)

    op.create_table(
        "server_hidden_account",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("hidden_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_server_hidden_account_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("guild_id", "account_id", name=op.f("pk_server_hidden_account")),
    )
    with op.batch_alter_table("server_hidden_account", schema=None) as batch_op:
        batch_op.create_index("ix_server_hidden_account_account_id", ["account_id"], unique=False)

    op.create_table(
        "report",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "reporter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_report_post_id_post"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["account.id"],
            name=op.f("fk_report_reporter_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_post_id", ["post_id"], unique=False)
        batch_op.create_index("ix_report_status_id", ["status", "id"], unique=False)
        batch_op.create_index(
            "uq_report_reporter_id_post_id_open",
            ["reporter_id", "post_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "moderation_action",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderator_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "target_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "target_post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_moderation_action_report_id_report"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["account.id"],
            name=op.f("fk_moderation_action_target_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_post_id"],
            ["post.id"],
            name=op.f("fk_moderation_action_target_post_id_post"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_action")),
    )
    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_action_created_at_id", ["created_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_action_report_id"), ["report_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_action_target_account_id"),
            ["target_account_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_action_target_post_id"), ["target_post_id"], unique=False
        )

    # Plain ALTER TABLE ... ADD COLUMN and CREATE INDEX, never a batch "move and copy": on
    # SQLite a batch copies the table and drops the old one, and with foreign keys on that
    # DROP cascades into every post and session (tests/ops/test_name_migration.py).
    # The skeletons are added NOT NULL with an empty default, then filled.
    for column in ("username_skeleton", "shown_skeleton"):
        op.add_column(
            "account", sa.Column(column, sa.String(length=512), server_default="", nullable=False)
        )
    op.add_column(
        "account",
        sa.Column("skeleton_clash", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("account", sa.Column("suspended_until", sa.DateTime(timezone=True)))
    _fill_skeletons()
    for column in ("username_skeleton", "shown_skeleton"):
        op.create_index(f"ix_account_{column}", "account", [column], unique=False)
        op.create_index(
            f"uq_account_{column}",
            "account",
            [column],
            unique=True,
            sqlite_where=sa.text("NOT skeleton_clash"),
            postgresql_where=sa.text("NOT skeleton_clash"),
        )
    op.add_column("post", sa.Column("discord_user_id", sa.BigInteger()))
    op.add_column("post", sa.Column("removed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("discord_user_id")

    with op.batch_alter_table("account", schema=None) as batch_op:
        for column in ("shown_skeleton", "username_skeleton"):
            batch_op.drop_index(f"uq_account_{column}")
            batch_op.drop_index(f"ix_account_{column}")
        batch_op.drop_column("suspended_until")
        batch_op.drop_column("skeleton_clash")
        batch_op.drop_column("shown_skeleton")
        batch_op.drop_column("username_skeleton")

    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_action_target_post_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_action_target_account_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_action_report_id"))
        batch_op.drop_index("ix_moderation_action_created_at_id")

    op.drop_table("moderation_action")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_report_reporter_id_post_id_open",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index("ix_report_status_id")
        batch_op.drop_index("ix_report_post_id")

    op.drop_table("report")
    with op.batch_alter_table("server_hidden_account", schema=None) as batch_op:
        batch_op.drop_index("ix_server_hidden_account_account_id")

    op.drop_table("server_hidden_account")
    with op.batch_alter_table("mute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mute_muted_id"))

    op.drop_table("mute")
    with op.batch_alter_table("block", schema=None) as batch_op:
        batch_op.drop_index("ix_block_blocked_id_blocker_id")

    op.drop_table("block")
