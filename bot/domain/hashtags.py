"""What counts as a #tag in a post, and the key tags are matched by. Pure functions, no I/O.

A tag is ``#`` (or the full-width ``＃``) followed by Unicode letters, combining marks, digits
and ``_``, with at least one letter: ``#rust``, ``#café_crème``, ``#हिन्दी``; not ``#123``
(people write "bug #123"), not the middle of a word (``C#``, ``a#b``) or an HTML entity
(``&#39;``). Tags are matched by their key, NFKC then casefold, like usernames: ``#Rust``,
``#RUST`` and ``#ｒｕｓｔ`` are one tag.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.domain.rules import username_key

TAG_MAX_CHARS = 64  # a longer run of tag characters is not a tag (nobody types those)
MAX_TAGS_PER_POST = 20  # more are shown in the text but not indexed: bounds each write
HASH_SIGNS = "#＃"
_TAG_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Nd", "Nl", "No"}


@dataclass(frozen=True, slots=True)
class Hashtag:
    start: int  # index of the hash sign in the text
    end: int  # index after the last tag character
    key: str  # NFKC + casefold, without the hash sign

    @property
    def text(self) -> str:
        return "#" + self.key


def is_tag_char(char: str) -> bool:
    return char == "_" or unicodedata.category(char) in _TAG_CATEGORIES


def tag_key(name: str) -> str | None:
    """The key of a tag name (without ``#``), or None if it cannot be a tag."""
    key = username_key(name)
    if not 0 < len(key) <= TAG_MAX_CHARS:
        return None
    if not all(is_tag_char(char) for char in key) or not any(char.isalpha() for char in key):
        return None
    return key


def find_tags(text: str) -> list[Hashtag]:
    """Every tag in ``text``, in order (repeats included)."""
    found: list[Hashtag] = []
    start = _next_hash(text, 0)
    while start != -1:
        end = start + 1
        while end < len(text) and is_tag_char(text[end]):
            end += 1
        before = text[start - 1] if start else " "
        # "C#", "a#b", "&#39;" and "##x" are not tags.
        starts_word = not (is_tag_char(before) or before in "&" + HASH_SIGNS)
        if starts_word and end > start + 1:
            key = tag_key(text[start + 1 : end])
            if key is not None:
                found.append(Hashtag(start, end, key))
        start = _next_hash(text, max(end, start + 1))
    return found


def post_tag_keys(body: str) -> list[str]:
    """The distinct keys a post is indexed under, first use first, at most MAX_TAGS_PER_POST."""
    keys = dict.fromkeys(tag.key for tag in find_tags(body))
    return list(keys)[:MAX_TAGS_PER_POST]


def _next_hash(text: str, start: int) -> int:
    positions = [p for p in (text.find(sign, start) for sign in HASH_SIGNS) if p != -1]
    return min(positions) if positions else -1
