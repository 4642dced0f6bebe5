"""Password shape rules, and the passwords bcrypt is never asked about. No hashing here."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import ValidationError
from bot.domain.security import BCRYPT_MAX_BYTES, check_password_shape

TOO_LONG = "Passwords can be at most 72 bytes (UTF-8); yours is {size}."


@pytest.mark.parametrize(
    "password",
    [
        "abcdefgh",  # exactly the minimum
        "x" * BCRYPT_MAX_BYTES,  # exactly bcrypt's maximum
        "é" * 36,  # 72 bytes in UTF-8
        "pass word with spaces",
        "пароль-密码-🔑🔑",
    ],
)
def test_passwords_of_an_acceptable_shape(password: str) -> None:
    check_password_shape(password, min_bytes=8)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Password is required."),
        ("abcdefg", "Passwords need at least 8 bytes."),
        ("ééé", "Passwords need at least 8 bytes."),  # 6 bytes, 3 characters
        ("x" * 73, TOO_LONG.format(size=73)),
        ("é" * 37, TOO_LONG.format(size=74)),  # 37 characters, but 74 bytes: never cut
        ("🔑" * 19, TOO_LONG.format(size=76)),
        ("password\x00", "Passwords cannot contain control characters."),
        ("password\n", "Passwords cannot contain control characters."),
        ("lone \ud800 surrogate", "Passwords cannot contain control characters."),
    ],
)
def test_passwords_refused_by_shape(password: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_password_shape(password, min_bytes=8)
    assert caught.value.field == "password"
    assert str(caught.value).startswith(message)


@given(st.text(max_size=100), st.integers(1, 72))
def test_any_password_passes_or_is_refused_with_a_validation_error(
    password: str, min_bytes: int
) -> None:
    try:
        check_password_shape(password, min_bytes)
    except ValidationError:
        return
    assert min_bytes <= len(password.encode("utf-8")) <= BCRYPT_MAX_BYTES


# What a check costs for passwords no registration can have (they may belong to an imported
# account): tests/services/test_imported_hashes.py.
