"""The fast tier: pure modules only. No database, no loopback Discord, no bcrypt work.

A unit test that asks for one of these fixtures belongs in another folder (repositories/,
services/, cogs/), so it fails here instead of quietly making this tier slow.
"""

from __future__ import annotations

import pytest

NOT_IN_UNIT_TESTS = frozenset(
    {"backend", "database", "sqlite_template", "postgres_url", "double", "hasher", "auth", "posts"}
)


def pytest_runtest_setup(item: pytest.Item) -> None:
    used = NOT_IN_UNIT_TESTS.intersection(getattr(item, "fixturenames", ()))
    if used:
        pytest.fail(f"{item.nodeid} is a unit test but uses {sorted(used)}: move it", False)
