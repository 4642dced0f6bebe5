"""Fixtures: a double per test and the sample bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from discord_double import DiscordDouble, running_bot

from .sample_bot import SampleBot


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    async with DiscordDouble(heartbeat_interval_ms=2_000) as instance:
        yield instance
    assert instance.internal_errors == []


@pytest.fixture
async def sample_bot(double: DiscordDouble) -> AsyncIterator[SampleBot]:
    client = SampleBot()
    async with running_bot(client, double):
        yield client


@pytest.fixture
def alice(double: DiscordDouble):
    return double.add_user("alice")
