"""What people type into /search, parsed into a query the repositories can run safely.

Syntax: words (all must match), ``"exact phrases"``, ``#tag``, ``from:username``,
``before:YYYY-MM-DD`` and ``after:YYYY-MM-DD``, in any order and combination. Everything else
is a plain word: ``NEAR``, ``OR``, ``*``, ``title:x`` or a stray ``(`` are searched for as
text, never obeyed as engine syntax, because the repositories hand each term to the engine
quoted (FTS5) or through ``phraseto_tsquery`` (PostgreSQL). Anything that cannot be searched
is refused here with a sentence that says why.

Text is compared folded (NFKC, then casefold), the same way on both sides: posts are indexed
by ``indexed_text(body)`` and queries are folded by the same function.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.domain.errors import ValidationError
from bot.domain.hashtags import HASH_SIGNS, tag_key
from bot.domain.rules import clean_username, username_key

MAX_QUERY_CHARS = 300
MAX_TERMS = 12  # words, phrases and tags together: each one is a lookup in the index
QUOTES = '"“”„'  # phones type curly quotes; they pair with straight ones
# Bidirectional controls (RTL/LTR marks, embeddings, overrides, isolates): invisible, and a
# known way to make text read differently from what it is.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Invisible characters dropped from indexed text and queries alike, so "co\u00adop" is "coop".
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff" + "".join(BIDI_CONTROLS)))
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEPARATORS = frozenset("\t\n\r\x0b\x0c")  # whitespace that is also a control character
FIELD = "query"


class SearchOrder(StrEnum):
    NEWEST = "newest"
    BEST = "best"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    words: tuple[str, ...]  # folded; each has at least one letter or digit
    phrases: tuple[str, ...]  # folded, inner spaces collapsed
    tags: tuple[str, ...]  # tag keys (no "#")
    author: str | None  # username as typed
    author_key: str | None  # its key, for the lookup
    after: date | None  # posts from the day after this one (UTC) on
    before: date | None  # posts before this day (UTC)

    @property
    def has_text(self) -> bool:
        """Whether the full-text index is needed (words or phrases), or only tags/author."""
        return bool(self.words or self.phrases)

    @property
    def created_from(self) -> datetime | None:
        return _midnight(self.after + timedelta(days=1)) if self.after else None

    @property
    def created_until(self) -> datetime | None:
        return _midnight(self.before) if self.before else None

    def canonical(self) -> str:
        """One spelling of this query; parsing it gives this query back (paging relies on it)."""
        parts = [*self.words, *(f'"{phrase}"' for phrase in self.phrases)]
        parts += [f"#{tag}" for tag in self.tags]
        if self.author:
            parts.append(f"from:{self.author}")
        if self.after:
            parts.append(f"after:{self.after.isoformat()}")
        if self.before:
            parts.append(f"before:{self.before.isoformat()}")
        return " ".join(parts)


def fold(text: str) -> str:
    """NFKC then casefold (as usernames are compared), invisible characters dropped."""
    return username_key(text.translate(_INVISIBLE))


def indexed_text(body: str) -> str:
    """What the full-text engines index for a post: its body, folded."""
    return fold(body)


def searchable(term: str) -> bool:
    """Whether a folded term has anything an engine can index (a letter or digit)."""
    return any(char.isalnum() for char in term)


def parse_search(raw: str) -> SearchQuery:
    """The query in ``raw``, or ValidationError with the sentence to show."""
    _check_characters(raw)
    words: dict[str, None] = {}  # ordered sets: repeating a term changes nothing
    phrases: dict[str, None] = {}
    tags: dict[str, None] = {}
    author: tuple[str, str] | None = None
    dates: dict[str, date] = {}
    # Fold first, then read the syntax: "ＦＲＯＭ:x" and "＂x＂" mean what they look like.
    for token, quoted in _tokens(fold(raw)):
        if quoted:
            phrase = " ".join(token.split())
            if searchable(phrase):
                phrases[phrase] = None
        elif token.startswith("from:"):
            if author is not None:
                raise ValidationError(
                    FIELD, "Only one {operator} per search, please.", operator="from:"
                )
            author = _author(token.removeprefix("from:"))
        elif token.startswith(("before:", "after:")):
            name, _, value = token.partition(":")
            if name in dates:
                raise ValidationError(
                    FIELD, "Only one {operator} per search, please.", operator=f"{name}:"
                )
            dates[name] = _date(name, value)
        elif token[0] in HASH_SIGNS:
            tags[_tag(token)] = None
        elif searchable(token):
            words[token] = None
    query = SearchQuery(
        words=tuple(words),
        phrases=tuple(phrases),
        tags=tuple(tags),
        author=author[0] if author else None,
        author_key=author[1] if author else None,
        after=dates.get("after"),
        before=dates.get("before"),
    )
    _check_query(query)
    return query


def _check_characters(raw: str) -> None:
    if len(raw) > MAX_QUERY_CHARS:
        raise ValidationError(
            FIELD,
            "Searches can be at most {max_length} characters; yours has {length}.",
            max_length=MAX_QUERY_CHARS,
            length=len(raw),
        )
    if any(char in BIDI_CONTROLS for char in raw):
        raise ValidationError(
            FIELD,
            "Searches cannot contain invisible direction marks (such as the right-to-left "
            "mark). Type the words alone.",
        )
    for char in raw:
        if char not in _SEPARATORS and unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"}:
            raise ValidationError(FIELD, "Searches cannot contain control characters.")


def _tokens(raw: str) -> list[tuple[str, bool]]:
    """(text, is_phrase) pairs; quotes also end the word they touch."""
    tokens: list[tuple[str, bool]] = []
    current: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char in QUOTES:
            if current:
                tokens.append(("".join(current), False))
                current = []
            phrase: list[str] = []
            for inner in chars:
                if inner in QUOTES:
                    break
                phrase.append(inner)
            else:
                raise ValidationError(
                    FIELD,
                    'A quote has no partner. Put phrases between two double quotes, like "good '
                    'morning".',
                )
            tokens.append(("".join(phrase), True))
        elif char.isspace():
            if current:
                tokens.append(("".join(current), False))
                current = []
        else:
            current.append(char)
    if current:
        tokens.append(("".join(current), False))
    return tokens


def _author(value: str) -> tuple[str, str]:
    name = value.removeprefix("@")
    if not name:
        raise ValidationError(FIELD, "from: needs a username right after it, like from:alice.")
    try:
        return clean_username(name)
    except ValidationError:
        raise ValidationError(
            FIELD,
            "from:{name} is not a username (3 to 32 letters, digits, '.', '_' or '-').",
            name=_shown(name),
        ) from None


def _date(name: str, value: str) -> date:
    example = "before:2026-03-01" if name == "before" else "after:2026-02-01"
    if not _DATE.fullmatch(value):
        raise ValidationError(
            FIELD, "Write dates as year-month-day, like {example}.", example=example
        )
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(FIELD, "{date} is not a date in the calendar.", date=value) from None
    if name == "after" and day == date.max:
        raise ValidationError(FIELD, "Nothing can be posted after {date}.", date=value)
    return day


def _tag(token: str) -> str:
    key = tag_key(token[1:])
    if key is None:
        raise ValidationError(
            FIELD,
            "{tag} is not a tag: tags are letters, digits and _ with at least one letter, "
            "like #rust_lang.",
            tag=_shown(token),
        )
    return key


def _shown(text: str) -> str:
    """A piece of the query quoted back in an answer, kept short."""
    return text if len(text) <= 40 else text[:39] + "…"


def _check_query(query: SearchQuery) -> None:
    terms = len(query.words) + len(query.phrases) + len(query.tags)
    if terms > MAX_TERMS:
        raise ValidationError(
            FIELD, "Use at most {count} words, phrases and tags in one search.", count=MAX_TERMS
        )
    if not terms and query.author is None:
        if query.after or query.before:
            raise ValidationError(
                FIELD, "Add words, a #tag or from:username to search within those dates."
            )
        raise ValidationError(
            FIELD,
            'Nothing to search for. Type some words, a "phrase", a #tag or from:username.',
        )
    if len(query.canonical()) > MAX_QUERY_CHARS:  # folding can lengthen text ("ﷺ")
        raise ValidationError(
            FIELD, "Searches can be at most {max_length} characters.", max_length=MAX_QUERY_CHARS
        )
    start, end = query.created_from, query.created_until
    if start is not None and end is not None and start >= end:
        raise ValidationError(
            FIELD,
            "No day is both after {after} and before {before}.",
            after=str(query.after),
            before=str(query.before),
        )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
