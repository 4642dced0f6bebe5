"""Parsing what people type into /search: pure, so every case is cheap to state."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import ValidationError
from bot.domain.search_query import MAX_QUERY_CHARS, fold, indexed_text, parse_search


def test_words_phrases_tags_author_dates() -> None:
    query = parse_search(
        'Coffee  "Good   MORNING" #Rust from:@Alice after:2026-01-31 before:2026-03-01 coffee'
    )
    assert query.words == ("coffee",)  # folded, repeats dropped
    assert query.phrases == ("good morning",)
    assert query.tags == ("rust",)
    assert (query.author, query.author_key) == ("alice", "alice")
    assert (query.after, query.before) == (date(2026, 1, 31), date(2026, 3, 1))
    assert query.created_from == datetime(2026, 2, 1, tzinfo=UTC)  # after a day: the next one
    assert query.created_until == datetime(2026, 3, 1, tzinfo=UTC)
    assert query.canonical() == (
        'coffee "good morning" #rust from:alice after:2026-01-31 before:2026-03-01'
    )


@pytest.mark.parametrize(
    ("raw", "words", "phrases"),
    [
        ("NEAR(a b) OR c* ^d e:f", ("near(a", "b)", "or", "c*", "^d", "e:f"), ()),
        ('a"b c"d', ("a", "d"), ("b c",)),  # quotes end the word they touch
        ("“curly quotes”", (), ("curly quotes",)),
        ("＂full width＂", (), ("full width",)),
        ("- !!! ok", ("ok",), ()),  # nothing searchable in "-" or "!!!"
        ('ok "" "!!"', ("ok",), ()),
        ("co\u00adop", ("coop",), ()),  # soft hyphen: invisible, dropped
        ("FROM", ("from",), ()),
        ("title:x", ("title:x",), ()),
    ],
)
def test_everything_else_is_plain_text(
    raw: str, words: tuple[str, ...], phrases: tuple[str, ...]
) -> None:
    query = parse_search(raw)
    assert (query.words, query.phrases) == (words, phrases)


def test_operators_read_after_folding() -> None:
    query = parse_search("ＦＲＯＭ:Bob ＃Ｔａｇ")
    assert (query.author_key, query.tags, query.words) == ("bob", ("tag",), ())


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Nothing to search for"),
        ("after:9999-12-31 x", "Nothing can be posted after"),
        ("after:2026-02-30 x", "not a date in the calendar"),
        ("before:26-1-1 x", "year-month-day"),
        ("before:2026-01-01 before:2026-02-01 x", "Only one before:"),
        ("x\x1b[31m", "control characters"),
        ("x\ud800", "control characters"),
        ("x\ue000", "control characters"),  # private use
        ("\u2066isolate", "direction marks"),
        ("\u061carabic mark", "direction marks"),
        ("㍿" * 80, "at most 300 characters"),  # folding makes it 320 characters long
    ],
)
def test_refusals(raw: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        parse_search(raw)
    assert caught.value.field == "query"


def test_length_limit_is_exact() -> None:
    assert parse_search("a" * MAX_QUERY_CHARS).words == ("a" * MAX_QUERY_CHARS,)
    with pytest.raises(ValidationError):
        parse_search("a" * (MAX_QUERY_CHARS + 1))


def test_indexed_text_matches_query_folding() -> None:
    assert indexed_text("Straße ＣＡＦＥ\u200b!") == "strasse cafe!"
    assert fold("ǅ") == indexed_text("ǆ")


@given(st.text(max_size=MAX_QUERY_CHARS))
def test_any_text_parses_or_is_refused_and_canonical_round_trips(raw: str) -> None:
    try:
        query = parse_search(raw)
    except ValidationError as error:
        refusal = str(error)
    else:
        refusal = None
    if refusal is not None:
        assert refusal.endswith("."), refusal  # a finished sentence
        return
    again = parse_search(query.canonical())
    assert again == query
