"""Imported werkzeug hashes: checked by werkzeug, never confused with bcrypt, never cut."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.security import generate_password_hash

from bot.domain.security import (
    LOCKED_MARKER,
    PREHASHED_MARKER,
    WERKZEUG_MARKER,
    PasswordHasher,
    Verification,
    is_werkzeug_hash,
)

OLD_PASSWORD = "my old flaskr password"
# Longer than bcrypt's 72 bytes: the old apps took any length.
LONG_PASSWORD = "a sentence long enough to pass bcrypt's limit, " * 3


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(rounds=4, concurrency=2)
        self.checks = 0

    async def _bcrypt(self, func, *args):  # type: ignore[no-untyped-def, override]
        self.checks += func.__name__ != "hashpw"
        return await super()._bcrypt(func, *args)


@pytest.fixture
def hasher() -> Iterator[CountingHasher]:
    hasher = CountingHasher()
    yield hasher
    hasher.close()


# The defaults of werkzeug's generate_password_hash over the years: 0.x used pbkdf2:sha1,
# 0.15-1.x pbkdf2:sha256 with 50,000 then 150,000 iterations, 2.0 260,000, 2.3 600,000,
# 3.0 scrypt:32768:8:1, 3.1 pbkdf2:sha256 with 1,000,000.
WERKZEUG_DEFAULTS = [
    "pbkdf2:sha1:1000",
    "pbkdf2:sha256:50000",
    "pbkdf2:sha256:150000",
    "pbkdf2:sha256:260000",
    "pbkdf2:sha256:600000",
    "pbkdf2:sha256:1000000",
    "scrypt:32768:8:1",
]


@pytest.mark.parametrize("method", WERKZEUG_DEFAULTS)
async def test_every_werkzeug_default_logs_in_once_and_asks_for_bcrypt(
    hasher: CountingHasher, method: str
) -> None:
    old = generate_password_hash(OLD_PASSWORD, method=method)
    assert is_werkzeug_hash(old)
    stored = WERKZEUG_MARKER + old
    assert len(stored) <= 255  # the widened account.password_hash column
    verification = await hasher.verify(OLD_PASSWORD, stored)
    assert verification.ok and verification.needs_rehash
    assert not (await hasher.verify(OLD_PASSWORD + "!", stored)).ok
    assert hasher.checks == 2


async def test_a_werkzeug_hash_is_never_taken_for_bcrypt_nor_the_other_way(
    hasher: CountingHasher,
) -> None:
    werkzeug_hash = generate_password_hash(OLD_PASSWORD, method="pbkdf2:sha256:1000")
    bcrypt_hash = await hasher.hash(OLD_PASSWORD)
    for stored in (
        werkzeug_hash,  # unmarked: where a bcrypt hash is expected
        WERKZEUG_MARKER + bcrypt_hash,  # a bcrypt hash behind the werkzeug marker
        PREHASHED_MARKER + werkzeug_hash,
        "werkzeug$plain$$" + OLD_PASSWORD,  # werkzeug < 2.3's plain method: never
        LOCKED_MARKER + "unsupported hash",
    ):
        before = hasher.checks
        assert not (await hasher.verify(OLD_PASSWORD, stored)).ok, stored
        assert hasher.checks - before == 1, f"not one check spent on {stored!r}"
    assert (await hasher.verify(OLD_PASSWORD, bcrypt_hash)).ok  # the control


async def test_each_attempt_costs_exactly_one_check_whatever_is_stored(
    hasher: CountingHasher,
) -> None:
    stored_kinds = [
        WERKZEUG_MARKER + generate_password_hash(OLD_PASSWORD, method="pbkdf2:sha256:1000"),
        WERKZEUG_MARKER + "pbkdf2:sha256:1000$salt$not-hex",
        await hasher.rehash(LONG_PASSWORD),
        await hasher.hash(OLD_PASSWORD),
        LOCKED_MARKER + "no password in the source",
    ]
    for stored in stored_kinds:
        for password in ("wrong", LONG_PASSWORD + "x", "é" * 37, "lone \ud800"):
            before = hasher.checks
            assert not (await hasher.verify(password, stored)).ok
            assert hasher.checks - before == 1, (stored, password)


async def test_a_long_imported_password_logs_in_whole_and_moves_to_prehashed_bcrypt(
    hasher: CountingHasher,
) -> None:
    assert len(LONG_PASSWORD.encode()) > 72
    stored = WERKZEUG_MARKER + generate_password_hash(LONG_PASSWORD, method="scrypt")
    assert (await hasher.verify(LONG_PASSWORD, stored)).ok
    # Never cut: the first 72 bytes alone are a wrong password.
    assert not (await hasher.verify(LONG_PASSWORD[:72], stored)).ok
    rehashed = await hasher.rehash(LONG_PASSWORD)
    assert rehashed.startswith(PREHASHED_MARKER + "$2b$04$")
    assert (await hasher.verify(LONG_PASSWORD, rehashed)) == Verification(ok=True)
    assert not (await hasher.verify(LONG_PASSWORD[:72], rehashed)).ok
    assert not (await hasher.verify(LONG_PASSWORD + " ", rehashed)).ok
    # A short password keeps plain bcrypt, like every registration.
    assert (await hasher.rehash(OLD_PASSWORD)).startswith("$2b$04$")


async def test_a_prehashed_account_is_upgraded_when_the_cost_rises() -> None:
    weak, strong = PasswordHasher(rounds=4), PasswordHasher(rounds=5)
    try:
        stored = await weak.rehash(LONG_PASSWORD)
        verification = await strong.verify(LONG_PASSWORD, stored)
        assert verification.ok and verification.needs_rehash
        assert (await strong.rehash(LONG_PASSWORD)).startswith(PREHASHED_MARKER + "$2b$05$")
    finally:
        weak.close()
        strong.close()
