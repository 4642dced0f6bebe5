"""``cut`` keeps its promise: at most the limit, a prefix of the text, an ellipsis when cut.

Every card cuts post bodies with it (tests/unit/test_cards.py checks the cards' limits).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.front.rendering import ELLIPSIS, cut

# -- cut ---------------------------------------------------------------------------------


@given(st.text(max_size=300), st.integers(1, 400))
def test_cut_never_exceeds_the_limit_and_keeps_a_prefix(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert len(result) <= limit
    if len(text) <= limit:
        assert result == text
    else:
        assert result.endswith(ELLIPSIS)
        assert text.startswith(result.removesuffix(ELLIPSIS))


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("hello worlds and more", 20, "hello worlds and…"),  # at a space near the end
        ("x" * 30, 10, "x" * 9 + "…"),  # no space at all: cut mid-word
        ("a " + "x" * 30, 10, "a xxxxxxx…"),  # the only space is too far back
        ("abcdefgh\nijklmnop", 10, "abcdefgh…"),  # or at a line break
        ("anything", 1, "…"),
    ],
)
def test_cut_examples(text: str, limit: int, expected: str) -> None:
    assert cut(text, limit) == expected
