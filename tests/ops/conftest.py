"""Fixtures for the operations tests: the loopback Discord, and an empty PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from discord_double import DiscordDouble
from tests import databases


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    async with DiscordDouble(heartbeat_interval_ms=2_000) as instance:
        yield instance


@pytest.fixture
async def empty_postgres_url() -> AsyncIterator[str]:
    """A database with no tables at all, as a fresh deployment has: the bot must migrate it."""
    server = databases.postgres_server_url()
    reason = await databases.postgres_reachable(server)
    if reason is not None:
        if databases.postgres_required():
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)
    name = f"microblog_ops_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
