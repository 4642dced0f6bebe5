"""Feed cursors: every cursor round-trips; anything forged or garbled is a ValidationError."""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain.cursors import NEWER, OLDER, Cursor, decode_cursor
from bot.domain.errors import ValidationError
from bot.domain.values import Position

STALE = "That page link is not valid any more. Run /feed again."
CUSTOM_ID_MAX = 100  # Discord's limit for the button that carries the cursor

cursors = st.builds(
    Cursor,
    direction=st.sampled_from([OLDER, NEWER]),
    position=st.builds(
        Position,
        created_at=st.datetimes(timezones=st.just(UTC)),
        post_id=st.integers(1, 2**63 - 1),
    ),
    author_id=st.none() | st.integers(1, 2**63 - 1),
)


def _forge(direction: str, micros: int, post_id: int, author_id: int) -> str:
    """A token built by hand, the way someone editing a custom_id would."""
    packed = struct.pack(">qqq", micros, post_id, author_id)
    return direction + base64.urlsafe_b64encode(packed).decode().rstrip("=")


@given(cursors)
def test_every_cursor_round_trips_and_fits_in_a_custom_id(cursor: Cursor) -> None:
    token = cursor.encode()
    assert decode_cursor(token) == cursor
    assert len(token) == 33 < CUSTOM_ID_MAX
    assert token.isascii() and ":" not in token  # custom_ids are split on ':'


def test_a_known_cursor_keeps_its_encoding() -> None:
    """Cursors live in buttons already sent: the format must not drift between releases."""
    cursor = Cursor(OLDER, Position(datetime(2026, 1, 1, 12, tzinfo=UTC), 42), author_id=7)
    assert cursor.encode() == "oAAZHUlUL8AAAAAAAAAAAKgAAAAAAAAAH"
    assert decode_cursor("oAAZHUlUL8AAAAAAAAAAAKgAAAAAAAAAH") == cursor


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("not-a-cursor", id="words"),
        pytest.param("x" + "A" * 32, id="unknown-direction"),
        pytest.param("o" + "A" * 31, id="one-short"),
        pytest.param("o" + "A" * 33, id="one-long"),
        pytest.param("o" + "!" * 32, id="outside-base64"),
        pytest.param("o" + "=" * 32, id="all-padding"),
        pytest.param("o" + "é" * 32, id="not-ascii"),
        pytest.param("o" + "\x00" * 32, id="nul-bytes"),
        pytest.param(_forge(OLDER, 0, 0, 0), id="post-zero"),
        pytest.param(_forge(NEWER, 0, -5, 0), id="negative-post"),
        pytest.param(_forge(OLDER, 0, 1, -1), id="negative-author"),
        pytest.param(_forge(OLDER, 2**63 - 1, 1, 0), id="beyond-year-9999"),
        pytest.param(_forge(OLDER, -(2**63), 1, 0), id="before-year-1"),
    ],
)
def test_forged_or_garbled_cursors_are_a_validation_error(token: str) -> None:
    with pytest.raises(ValidationError) as caught:
        decode_cursor(token)
    assert caught.value.field == "cursor"
    assert str(caught.value) == STALE


@given(st.text(max_size=40))
@example("o" + "+" * 32)  # standard base64 letters beside the URL-safe ones
@example("o" + "A" * 30 + "==")
def test_any_text_decodes_to_a_valid_cursor_or_a_validation_error(token: str) -> None:
    try:
        cursor = decode_cursor(token)
    except ValidationError:
        return
    assert cursor.direction in (OLDER, NEWER)
    assert cursor.position.post_id > 0
    assert cursor.author_id is None or cursor.author_id > 0
    assert decode_cursor(cursor.encode()) == cursor


@given(cursors, st.data())
def test_a_cursor_with_one_character_changed_never_fails_another_way(
    cursor: Cursor, data: st.DataObject
) -> None:
    token = cursor.encode()
    index = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.characters())
    garbled = token[:index] + replacement + token[index + 1 :]
    try:
        decoded = decode_cursor(garbled)
    except ValidationError:
        return
    assert decode_cursor(decoded.encode()) == decoded
