"""Text rules: usernames, post bodies and digest intervals. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import ValidationError
from bot.domain.rules import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    clean_post_body,
    clean_username,
    describe_interval,
    parse_interval,
    username_key,
)

T = TypeVar("T")


def _outcome(call: Callable[[], T]) -> T | ValidationError:
    """The value, or the ValidationError; any other exception fails the test."""
    try:
        return call()
    except ValidationError as error:
        return error


# -- usernames ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "display", "key"),
    [
        ("alice", "alice", "alice"),
        ("  Alice \t", "Alice", "alice"),  # trimmed, shown as typed
        ("ＡＬＩＣＥ", "ＡＬＩＣＥ", "alice"),  # full-width letters are the same name
        ("Straße", "Straße", "strasse"),
        ("a.b_c-d", "a.b_c-d", "a.b_c-d"),
        ("abc", "abc", "abc"),
        ("x" * 32, "x" * 32, "x" * 32),
        ("Ωμέγα", "Ωμέγα", "ωμέγα"),
        ("١٢٣", "١٢٣", "١٢٣"),  # digits of any script
    ],
)
def test_usernames_accepted(raw: str, display: str, key: str) -> None:
    assert clean_username(raw) == (display, key)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Username is required."),
        ("   ", "Username is required."),
        ("al", "Usernames need 3 to 32 characters."),
        ("x" * 33, "Usernames need 3 to 32 characters."),
        ("ali ce", "Usernames may contain only letters, digits, '.', '_' and '-'."),
        ("@everyone", "Usernames may contain only letters, digits, '.', '_' and '-'."),
        ("<@123>", "Usernames may contain only letters, digits, '.', '_' and '-'."),
        ("al\u200bice", "Usernames may contain only letters, digits, '.', '_' and '-'."),
        ("al\u202eice", "Usernames may contain only letters, digits, '.', '_' and '-'."),
        ("**bold**", "Usernames may contain only letters, digits, '.', '_' and '-'."),
        ("a\nb", "Usernames may contain only letters, digits, '.', '_' and '-'."),
    ],
)
def test_usernames_refused(raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_username(raw)
    assert (caught.value.field, str(caught.value)) == ("username", message)


@given(st.text(max_size=40))
def test_any_username_is_accepted_with_its_key_or_refused(raw: str) -> None:
    outcome = _outcome(lambda: clean_username(raw))
    if isinstance(outcome, ValidationError):
        assert outcome.field == "username"
        return
    display, key = outcome
    assert display == raw.strip()
    assert 3 <= len(display) <= 32
    assert key == username_key(display) == username_key(key)  # the key is its own key


# -- post bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        ("  hello  ", "hello"),
        ("a\r\nb\rc", "a\nb\nc"),  # one kind of line break
        ("line one\n\tline two", "line one\n\tline two"),
        ("  " + "x" * 10 + "\n", "x" * 10),  # the limit counts what is kept
        ("שלום \u200f عالم 👩\u200d👩\u200d👧", "שלום \u200f عالم 👩\u200d👩\u200d👧"),
        ("**bold** ||spoiler|| @everyone", "**bold** ||spoiler|| @everyone"),
    ],
)
def test_post_bodies_accepted(raw: str, body: str) -> None:
    assert clean_post_body(raw, max_length=10 if body == "x" * 10 else 500) == body


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "A post needs some text."),
        (" \n\t ", "A post needs some text."),
        ("\u200b\u200d\u2060\ufeff", "A post needs some text."),  # zero-width only
        ("a\x00b", "Posts cannot contain control characters."),
        ("\x1b[31mred", "Posts cannot contain control characters."),
        ("lone \ud800 surrogate", "Posts cannot contain control characters."),
        ("x" * 11, "Posts can be at most 10 characters; yours has 11."),
    ],
)
def test_post_bodies_refused(raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_post_body(raw, max_length=10)
    assert (caught.value.field, str(caught.value)) == ("content", message)


@given(st.text(max_size=60), st.integers(1, 50))
def test_any_body_is_cleaned_within_the_limit_or_refused(raw: str, max_length: int) -> None:
    body = _outcome(lambda: clean_post_body(raw, max_length))
    if isinstance(body, ValidationError):
        assert body.field == "content"
        return
    assert 1 <= len(body) <= max_length
    assert body == body.strip() and "\r" not in body


# -- digest intervals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("15m", 15), ("90", 90), ("6h", 360), ("1d", 1440), ("7 days", 10080), (" 2 Hours ", 120)],
)
def test_parse_interval(text: str, minutes: int) -> None:
    assert parse_interval(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("14m", "between 15 minutes and 7 days"),
        ("8d", "between 15 minutes and 7 days"),
        ("0", "between 15 minutes and 7 days"),
        ("soon", "e.g. 30m, 6h or 1d"),
        ("1w", "e.g. 30m, 6h or 1d"),
        ("", "e.g. 30m, 6h or 1d"),
        ("9" * 50, "e.g. 30m, 6h or 1d"),
    ],
)
def test_parse_interval_refusals(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_interval(text)


@given(st.text(max_size=20))
def test_any_interval_text_is_in_range_or_refused(text: str) -> None:
    interval = _outcome(lambda: parse_interval(text))
    if isinstance(interval, ValidationError):
        assert interval.field == "interval"
        return
    assert MIN_INTERVAL <= interval <= MAX_INTERVAL


@pytest.mark.parametrize(
    ("interval", "description"),
    [
        (timedelta(minutes=15), "every 15 minutes"),
        (timedelta(minutes=1), "every minute"),
        (timedelta(minutes=90), "every 90 minutes"),
        (timedelta(hours=1), "every hour"),
        (timedelta(hours=6), "every 6 hours"),
        (timedelta(days=1), "every day"),
        (timedelta(days=7), "every 7 days"),
        (timedelta(seconds=90), "every 90 seconds"),
    ],
)
def test_describe_interval(interval: timedelta, description: str) -> None:
    assert describe_interval(interval) == description


@given(st.integers(15, 10080))
def test_every_accepted_interval_reads_back_as_the_same_interval(minutes: int) -> None:
    described = describe_interval(parse_interval(f"{minutes}m"))
    # "every 2 hours" -> "2 hours"; "every hour" -> "1 hour": the parser reads it back.
    count, _, unit = described.removeprefix("every ").rpartition(" ")
    assert parse_interval(f"{count or 1} {unit}") == timedelta(minutes=minutes)
