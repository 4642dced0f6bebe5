"""Alembic environment: always runs on a connection lent by bot.db.migrate."""

from __future__ import annotations

from alembic import context

from bot.db.models import Base
from bot.db.search_index import include_object

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `python -m bot db upgrade`, not the alembic CLI.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: Alembic copies the table instead
    compare_type=True,
    include_object=include_object,  # full-text index objects the models do not declare
)
with context.begin_transaction():
    context.run_migrations()
