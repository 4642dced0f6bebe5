"""imports: mapping and progress tables, imported posts, room for werkzeug hashes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 06:50:00.000000

``account.password_hash`` grows from 100 to 255 characters: an imported werkzeug scrypt
hash behind its marker is about 170. On SQLite the declared length is only text in the
schema (SQLite never enforces it, and both are TEXT affinity), and a batch copy of the
account table would cascade-delete every post and session (foreign keys are on). So the
stored CREATE TABLE text is edited in place, the way SQLite's documentation describes for
changes that leave the stored data as it is ("Making Other Kinds Of Table Schema Changes").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "password_hash VARCHAR(100)"
_NEW = "password_hash VARCHAR(255)"


def _redeclare_password_hash_on_sqlite(old: str, new: str) -> None:
    connection = op.get_bind()
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        changed = connection.exec_driver_sql(
            "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
            "WHERE type = 'table' AND name = 'account' AND instr(sql, ?) > 0",
            (old, new, old),
        ).rowcount
        # Other connections reread the schema when its version moves.
        connection.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        connection.exec_driver_sql("PRAGMA writable_schema=OFF")
    if changed != 1:
        raise RuntimeError(f"account.password_hash is not declared as {old}; left as it is")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _redeclare_password_hash_on_sqlite(_OLD, _NEW)
    else:
        op.alter_column(
            "account",
            "password_hash",
            existing_type=sa.String(length=100),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
    op.add_column(
        "post",
        sa.Column("imported", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "import_mapping",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id2", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("source_name", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint(
            "source", "kind", "source_id", "source_id2", name=op.f("pk_import_mapping")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "import_progress",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("position", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "stage", name=op.f("pk_import_progress")),
    )


def downgrade() -> None:
    op.drop_table("import_progress")
    op.drop_table("import_mapping")
    op.drop_column("post", "imported")
    if op.get_bind().dialect.name == "sqlite":
        _redeclare_password_hash_on_sqlite(_NEW, _OLD)
    else:
        op.alter_column(
            "account",
            "password_hash",
            existing_type=sa.String(length=255),
            type_=sa.String(length=100),
            existing_nullable=False,
        )
