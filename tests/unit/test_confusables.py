"""Look-alike names: Unicode TS #39 skeletons and the two username keys built on them."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.confusables import _table, skeleton
from bot.domain.errors import ValidationError
from bot.domain.rules import clean_reason, clean_username, username_skeletons


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("alice", "аlice"),  # CYRILLIC SMALL LETTER A
        ("paypal", "pаypаl"),
        ("scope", "ѕсоре"),  # all Cyrillic
        ("m", "rn"),  # confusables.txt maps m to the sequence r n
        ("l", "I"),  # LATIN CAPITAL LETTER I looks like small L
        ("l", "1"),
        ("O", "Ο"),  # GREEK CAPITAL LETTER OMICRON
        ("a", "ａ"),  # FULLWIDTH
        ("René", "Rene\u0301"),  # composed or not, the same letters
    ],
)
def test_look_alikes_share_a_skeleton(first: str, second: str) -> None:
    assert skeleton(first) == skeleton(second)


@pytest.mark.parametrize(("first", "second"), [("alice", "alise"), ("a", "b"), ("rn", "nn")])
def test_different_names_keep_different_skeletons(first: str, second: str) -> None:
    assert skeleton(first) != skeleton(second)


def test_the_table_maps_sources_to_prototypes_that_map_to_themselves() -> None:
    """TS #39's mapping is idempotent; the recovered one must be too."""
    table = _table()
    assert len(table) > 6000  # the data really is Unicode's confusables.txt
    for source, prototype in table.items():
        assert prototype != source
        assert all(table.get(ch, ch) == ch for ch in prototype), (source, prototype)


@given(st.text(max_size=20))
def test_a_skeleton_is_its_own_skeleton(text: str) -> None:
    once = skeleton(text)
    assert skeleton(once) == once
    assert unicodedata.is_normalized("NFD", once)


@pytest.mark.parametrize(
    ("existing", "newcomer"),
    [
        ("alice", "аlice"),
        ("alice", "АLICE"),  # Cyrillic capital А, the rest upper case
        ("ALICE", "аlice"),
        ("paypal", "paypaI"),  # capital i: only the skeleton of the name as shown sees it
        ("Ian", "lan"),
    ],
)
def test_a_name_that_looks_like_another_shares_one_of_its_keys(
    existing: str, newcomer: str
) -> None:
    old = username_skeletons(existing)
    new = username_skeletons(newcomer)
    assert old[0] == new[0] or old[1] == new[1]


@pytest.mark.parametrize(("first", "second"), [("alice", "alicia"), ("bob", "rob")])
def test_names_that_look_different_share_no_key(first: str, second: str) -> None:
    assert set(username_skeletons(first)).isdisjoint(username_skeletons(second))


def test_a_combining_accent_is_composed_before_the_letter_check() -> None:
    display, key = clean_username("Rene\u0301")
    assert display == "René" and len(display) == 4
    assert key == clean_username("RENÉ")[1]


@pytest.mark.parametrize(
    ("raw", "outcome"),
    [
        ("  spam,\n spam  ", "spam, spam"),
        ("", "Please give a reason."),
        ("x" * 501, "A reason can be at most 500 characters; yours has 501."),
        ("bad\x00", "A reason cannot contain control characters."),
    ],
)
def test_reasons_are_one_trimmed_line_of_1_to_500_characters(raw: str, outcome: str) -> None:
    result: str
    try:
        result = clean_reason(raw)
    except ValidationError as error:
        result = error.message
    assert result == outcome
