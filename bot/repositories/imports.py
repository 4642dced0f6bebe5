"""What imports write: many rows at once, the mapping and the progress. Flushes, never commits.

Rows go in by the driver's fastest path inside the caller's transaction: SQLite
``executemany`` (one call into the database thread per table and batch), PostgreSQL
``COPY`` (asyncpg's ``copy_records_to_table``). Ids are reserved first (SQLite: past the
largest, under the write lock; PostgreSQL: from the table's sequence), so the mapping can be
written beside the rows without reading anything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, literal, select, text, update
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Follow, ImportMapping, ImportProgress

SQLITE_CACHE_KIB = 256 * 1024
SQLITE_CHECKPOINT_PAGES = 100_000  # about 400 MiB of WAL between checkpoints
_ACCOUNT = Account.__table__
_MAPPING_COLUMNS = ("source", "kind", "source_id", "source_id2", "target_id", "source_name")
# (id there, second id there or 0, our id, name there): one mapping row.
Mapped = tuple[int, int, int | None, str | None]
_FOLLOW = Follow.__table__


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.bind.dialect

    @property
    def is_postgres(self) -> bool:
        return self.dialect.name == "postgresql"

    # Reading the state an import resumes from.

    async def positions(self, source: str) -> dict[str, str]:
        rows = await self.session.execute(
            select(ImportProgress.stage, ImportProgress.position).where(
                ImportProgress.source == source
            )
        )
        return {stage: position for stage, position in rows}

    async def user_map(self, source: str) -> tuple[dict[int, int], set[int]]:
        """(source user id -> account id, for accounts that still exist; source ids whose
        account was imported and has since been deleted here)."""
        rows = await self.session.execute(
            select(ImportMapping.source_id, ImportMapping.target_id, Account.id)
            .outerjoin(Account, Account.id == ImportMapping.target_id)
            .where(ImportMapping.source == source, ImportMapping.kind == "user")
        )
        mapped: dict[int, int] = {}
        gone: set[int] = set()
        for source_id, target_id, account_id in rows:
            if account_id is None:
                gone.add(int(source_id))
            else:
                mapped[int(source_id)] = int(target_id)
        return mapped, gone

    async def mapped_user_names(self, source: str, limit: int) -> list[tuple[int, str | None]]:
        rows = await self.session.execute(
            select(ImportMapping.source_id, ImportMapping.source_name)
            .where(ImportMapping.source == source, ImportMapping.kind == "user")
            .order_by(ImportMapping.source_id)
            .limit(limit)
        )
        return [(int(source_id), name) for source_id, name in rows]

    async def name_identities(self, columns: Sequence[str]) -> list[tuple[str, ...]]:
        """The given identity columns of every account (username_key, skeletons, ...)."""
        rows = await self.session.execute(select(*(_ACCOUNT.c[name] for name in columns)))
        return [tuple(row) for row in rows]

    # Writing a batch.

    async def reserve_ids(self, table: Table, count: int) -> list[int]:
        if count == 0:
            return []
        if self.is_postgres:
            # The sequence's name once: looked up per row, it cost more than the nextvals.
            sequence = await self.session.scalar(
                select(func.pg_get_serial_sequence(table.name, "id"))
            )
            rows = await self.session.scalars(
                select(func.nextval(literal(sequence).cast(REGCLASS))).select_from(
                    func.generate_series(1, count)
                )
            )
            return [int(value) for value in rows]
        # Under BEGIN IMMEDIATE nobody else can insert until this transaction ends.
        largest = await self.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
        start = int(largest or 0) + 1
        return list(range(start, start + count))

    async def insert_rows(
        self, table: Table, columns: Sequence[str], rows: list[list[Any]]
    ) -> None:
        """Rows as lists of values for ``columns``, which are in the table's column order
        (the order the compiled INSERT uses). Lists, not dicts: a large import has millions."""
        if not rows:
            return
        ordered = [column.name for column in table.columns if column.name in columns]
        if ordered != list(columns):
            raise ValueError(f"columns must be in {table.name}'s order: {ordered}")
        raw = await self._driver_connection()
        if self.is_postgres:
            # This transaction only: its commit does not wait for the WAL to reach the disk.
            # A server crash can lose the last batches' commits, never half of one; and as
            # each batch's position commits with it, a re-run imports them again.
            await raw.execute("SET LOCAL synchronous_commit = off")
            # COPY takes Python values as they are (aware datetimes for timestamptz).
            await raw.copy_records_to_table(table.name, records=rows, columns=list(columns))
            return
        # For this connection only: a larger page cache (a million rows land all over the
        # author and mapping indexes; the default 2 MiB keeps rereading pages), and fewer
        # WAL checkpoints (each one writes the same hot index pages out again and syncs:
        # 27 s instead of 16 s for a million posts). SQLite checkpoints when it closes.
        await raw.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        await raw.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
        converting = [
            (index, processor)
            for index, processor in enumerate(self._bind_processor(table, c) for c in columns)
            if processor is not None
        ]
        for row in rows:  # a plain loop: this runs a million times in a large import
            for index, processor in converting:
                row[index] = processor(row[index])
        # SQLAlchemy writes the statement (quoting, qmark parameters); the driver runs it.
        # A lightweight table of just these columns: compiling the full table would add a
        # parameter for every column with a Python-side default (the post's counters), which
        # the rows do not carry; the database's own defaults fill those in.
        only = sa_table(table.name, *(sa_column(name) for name in columns))
        statement = str(insert(only).compile(dialect=self.dialect))
        await raw.executemany(statement, rows)

    async def add_mappings(self, source: str, kind: str, rows: Iterable[Mapped]) -> None:
        """One mapping row for each row an import brought in."""
        await self.insert_rows(
            ImportMapping.__table__, _MAPPING_COLUMNS, [[source, kind, *row] for row in rows]
        )

    async def add_follows(
        self, pairs: list[tuple[int, int]], now: datetime
    ) -> set[tuple[int, int]]:
        """Insert follows; returns those that were new (existing ones stay as they are)."""
        if not pairs:
            return set()
        insert = pg_insert if self.is_postgres else sqlite_insert
        statement = (
            insert(_FOLLOW)
            .on_conflict_do_nothing(index_elements=["follower_id", "followed_id"])
            .returning(_FOLLOW.c.follower_id, _FOLLOW.c.followed_id)
        )
        result = await self.session.execute(
            statement,
            [{"follower_id": a, "followed_id": b, "created_at": now} for a, b in pairs],
        )
        return {(int(a), int(b)) for a, b in result}

    async def add_to_counts(self, column: str, deltas: dict[int, int]) -> None:
        """``column = column + n`` for each account, in one executemany (no lost updates)."""
        if not deltas:
            return
        statement = (
            update(_ACCOUNT)
            .where(_ACCOUNT.c.id == bindparam("account_id"))
            .values({column: _ACCOUNT.c[column] + bindparam("delta")})
        )
        await self.session.execute(
            statement, [{"account_id": a, "delta": n} for a, n in deltas.items()]
        )

    async def set_position(self, source: str, stage: str, position: str, now: datetime) -> None:
        insert = pg_insert if self.is_postgres else sqlite_insert
        statement = insert(ImportProgress).values(
            source=source, stage=stage, position=position, updated_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=[ImportProgress.source, ImportProgress.stage],
            set_={"position": statement.excluded.position, "updated_at": now},
        )
        await self.session.execute(statement)

    async def _driver_connection(self) -> Any:
        connection = await self.session.connection()
        # A statement through SQLAlchemy first: the asyncpg adapter opens its transaction
        # lazily, and a COPY sent before it would commit on its own.
        await connection.execute(text("SELECT 1"))
        raw = await connection.get_raw_connection()
        return raw.driver_connection

    def _bind_processor(self, table: Table, column: str) -> Callable[[Any], Any] | None:
        # The column type's own conversion (UTC datetimes as the text SQLite stores), so
        # bulk rows sort and compare exactly like rows the ORM wrote.
        return table.c[column].type.dialect_impl(self.dialect).bind_processor(self.dialect)
