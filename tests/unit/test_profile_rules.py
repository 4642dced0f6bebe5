"""Display names and bios: what a profile may say. Pure functions, no I/O."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import ValidationError
from bot.domain.rules import BIO_MAX_CHARS, DISPLAY_NAME_MAX_CHARS, clean_bio, clean_display_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", None),  # an empty field clears the display name
        ("  Ada Lovelace ", "Ada Lovelace"),
        ("x" * DISPLAY_NAME_MAX_CHARS, "x" * DISPLAY_NAME_MAX_CHARS),
        ("👩\u200d💻 dev", "👩\u200d💻 dev"),  # a zero-width joiner inside an emoji is fine
        ("Zoë", "Zoë"),
        ("@everyone", "@everyone"),  # shown, never pinged: messages allow no mentions
    ],
)
def test_display_names_accepted(raw: str, expected: str | None) -> None:
    assert clean_display_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (" ", "needs some visible text"),
        ("\u200b", "needs some visible text"),
        ("\u200b\u200c\u200d\u2060\ufeff", "needs some visible text"),
        ("\u3164", "needs some visible text"),  # Hangul filler: a letter that shows nothing
        ("\u2800\u2800", "needs some visible text"),  # braille blank
        ("x" * (DISPLAY_NAME_MAX_CHARS + 1), "at most 32 characters; yours has 33"),
        ("tab\there", "control characters"),
        ("new\nline", "control characters"),
        ("nul\x00", "control characters"),
        ("line\u2028separator", "control characters"),
        ("admin\u202egnp.exe", "control characters"),  # right-to-left override
        ("\u2066isolate\u2069", "control characters"),
        ("lone \ud800", "control characters"),
    ],
)
def test_display_names_refused(raw: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        clean_display_name(raw)
    assert caught.value.field == "display_name"


def test_bio_keeps_lines_trims_and_clears() -> None:
    assert clean_bio("  I write.\r\nI read.\t ") == "I write.\nI read."
    assert clean_bio("b" * BIO_MAX_CHARS) == "b" * BIO_MAX_CHARS
    assert clean_bio("") is None
    assert clean_bio(" \n\u200b ") is None
    with pytest.raises(ValidationError, match="at most 300 characters; yours has 301"):
        clean_bio("b" * (BIO_MAX_CHARS + 1))
    with pytest.raises(ValidationError, match="control characters") as caught:
        clean_bio("bell\x07")
    assert caught.value.field == "bio"


@given(st.text(max_size=60))
def test_any_accepted_display_name_is_short_visible_and_free_of_controls(raw: str) -> None:
    try:
        name = clean_display_name(raw)
    except ValidationError:
        return
    if name is None:
        assert raw == ""
        return
    assert 1 <= len(name) <= DISPLAY_NAME_MAX_CHARS
    assert name == name.strip()
    assert not any(unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"} for ch in name)
    assert any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in name)
