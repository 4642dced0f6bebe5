"""search: post.search_text, the full-text index of each database, post_tag

Adds ``post.search_text`` (the body as the engines index it) and fills it for existing
posts, with their #tags in the new ``post_tag`` table; then builds the full-text index
from it: SQLite's FTS5 table ``post_fts`` with its triggers, or PostgreSQL's generated
``search_vector`` column with a GIN index (language 'simple'; the bot switches it to
``[search] language`` at start-up, see bot/db/search_index.py).

``search_text`` is added NOT NULL with a default of '' so that SQLite can add it in place:
making a column NOT NULL afterwards would make Alembic recreate ``post``, and dropping a
table that others reference cascades deletes into them. PostgreSQL drops the default
once the column is filled; SQLite keeps it (the models do not declare it; the repository
always writes the column).

Revision ID: 0004
Revises: 0008
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db.search_index import (
    DEFAULT_LANGUAGE,
    FTS_TABLE,
    SEARCH_VECTOR,
    SEARCH_VECTOR_INDEX,
    SQLITE_FTS_TABLE,
    SQLITE_TRIGGERS,
    postgres_vector_ddl,
)
from bot.domain.hashtags import post_tag_keys
from bot.domain.search_query import indexed_text

revision: str = "0004"
# Ids follow the order the branches were written in, not the order they landed: search
# landed after graph safety (0009). It needs post.removed_at (0006); it only adds, and
# backfills from post.body.
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_BATCH = 5_000

post = sa.table(
    "post",
    sa.column("id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("search_text", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
post_tag = sa.table(
    "post_tag",
    sa.column("tag", sa.String),
    sa.column("post_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "post", sa.Column("search_text", sa.Text(), nullable=False, server_default=sa.text("''"))
    )
    op.create_index("ix_post_author_id_id", "post", ["author_id", "id"], unique=False)
    removed = sa.text("removed_at IS NOT NULL")
    op.create_index(
        "ix_post_removed", "post", ["id"], sqlite_where=removed, postgresql_where=removed
    )
    op.create_table(
        "post_tag",
        sa.Column(
            "tag",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_post_tag_post_id_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tag", "post_id", name=op.f("pk_post_tag")),
    )
    op.create_index("ix_post_tag_post_id", "post_tag", ["post_id"], unique=False)
    op.create_index("ix_post_tag_created_at_tag", "post_tag", ["created_at", "tag"], unique=False)
    _backfill()
    if sqlite:
        # Build the index once from the filled column ('rebuild'), then keep it by triggers.
        op.execute(SQLITE_FTS_TABLE)
        op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    else:
        op.alter_column("post", "search_text", server_default=None)
        for statement in postgres_vector_ddl(DEFAULT_LANGUAGE):
            op.execute(statement)


def _backfill() -> None:
    """search_text and post_tag rows for the posts that exist, in batches by id."""
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(post.c.id, post.c.body, post.c.created_at)
            .where(post.c.id > last_id)
            .order_by(post.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            post.update()
            .where(post.c.id == sa.bindparam("post_id"))
            .values(search_text=sa.bindparam("text")),
            [{"post_id": row.id, "text": indexed_text(row.body)} for row in rows],
        )
        tags = [
            {"tag": tag, "post_id": row.id, "created_at": row.created_at}
            for row in rows
            for tag in post_tag_keys(row.body)
        ]
        if tags:
            connection.execute(post_tag.insert(), tags)
        last_id = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("post_fts_after_insert", "post_fts_after_delete", "post_fts_after_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {SEARCH_VECTOR_INDEX}")
        op.execute(f"ALTER TABLE post DROP COLUMN IF EXISTS {SEARCH_VECTOR}")
    op.drop_index("ix_post_tag_created_at_tag", table_name="post_tag")
    op.drop_index("ix_post_tag_post_id", table_name="post_tag")
    op.drop_table("post_tag")
    op.drop_index("ix_post_removed", table_name="post")
    op.drop_index("ix_post_author_id_id", table_name="post")
    # Not batch mode: recreating post would cascade deletes into the tables referencing it.
    op.execute("ALTER TABLE post DROP COLUMN search_text")
