"""What counts as a valid username or post body. Pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from bot.domain.confusables import skeleton
from bot.domain.errors import ValidationError

USERNAME_MIN_CHARS = 3
USERNAME_MAX_CHARS = 32
USERNAME_PUNCTUATION = "._-"
_ALLOWED_CONTROLS = {"\n", "\t"}


def username_key(username: str) -> str:
    """The identity of a name: NFKC then casefold, so "Alice" and "ＡＬＩＣＥ" are one name."""
    # NFKC again after casefold: casefolding can produce unnormalized sequences.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def username_skeletons(username: str) -> tuple[str, str]:
    """Two look-alike identities of a name; a name that shares either with another is taken.

    Case folding and TS #39 skeletons do not commute, so one key misses cases either way:
    - the skeleton of the case-folded name catches "аlice" (Cyrillic а) and "АLICE" beside
      "alice", whatever the case of either;
    - the skeleton of the name as shown, then folded, catches "paypaI" (capital i) beside
      "paypal": folding first would have made the I an "i", which looks like no "l".
    """
    folded = skeleton(username_key(username))
    shown = skeleton(unicodedata.normalize("NFKC", skeleton(username).casefold()))
    return folded, shown


def clean_username(raw: str) -> tuple[str, str]:
    """Returns (display name as typed, trimmed, NFC; unique key) or raises ValidationError.

    NFC first: "René" typed with a combining accent (e + U+0301) is the same letters as
    "René" with é, and passes the letter check; it is stored and shown composed.
    """
    name = unicodedata.normalize("NFC", raw.strip())
    if not name:
        raise ValidationError("username", "Username is required.")
    if not all(ch.isalnum() or ch in USERNAME_PUNCTUATION for ch in name):
        raise ValidationError(
            "username", "Usernames may contain only letters, digits, '.', '_' and '-'."
        )
    if not USERNAME_MIN_CHARS <= len(name) <= USERNAME_MAX_CHARS:
        raise ValidationError(
            "username",
            "Usernames need {low} to {high} characters.",
            low=USERNAME_MIN_CHARS,
            high=USERNAME_MAX_CHARS,
        )
    return name, username_key(name)


def clean_post_body(raw: str, max_length: int) -> str:
    """Trimmed body, or ValidationError naming the content field."""
    body = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unicodedata.category(ch) in {"Cc", "Cs"} and ch not in _ALLOWED_CONTROLS for ch in body):
        raise ValidationError("content", "Posts cannot contain control characters.")
    # Zero-width and other format characters alone are not something to read.
    if not any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in body):
        raise ValidationError("content", "A post needs some text.")
    if len(body) > max_length:
        raise ValidationError(
            "content",
            "Posts can be at most {max_length} characters; yours has {length}.",
            max_length=max_length,
            length=len(body),
        )
    return body


DISPLAY_NAME_MAX_CHARS = 32
BIO_MAX_CHARS = 300
# Letters that render as nothing (Hangul fillers, braille blank, the combining grapheme
# joiner): the classic way to make a name that looks empty without being whitespace.
_BLANK_LOOKALIKES = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f"}
# Bidirectional embeddings, overrides and isolates reorder the text around them, so a
# display name could make the username printed beside it read differently.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) != "Cf" and ch not in _BLANK_LOOKALIKES


def clean_display_name(raw: str) -> str | None:
    """Trimmed display name; None (no display name) for an empty field; else ValidationError."""
    if raw == "":
        return None
    if any(
        unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"} or ch in _BIDI_CONTROLS for ch in raw
    ):
        raise ValidationError("display_name", "Display names cannot contain control characters.")
    name = raw.strip()
    if not any(_visible(ch) for ch in name):
        raise ValidationError(
            "display_name", "A display name needs some visible text (or leave it empty)."
        )
    if len(name) > DISPLAY_NAME_MAX_CHARS:
        raise ValidationError(
            "display_name",
            "Display names can be at most {max_length} characters; yours has {length}.",
            max_length=DISPLAY_NAME_MAX_CHARS,
            length=len(name),
        )
    return name


def clean_bio(raw: str) -> str | None:
    """Trimmed bio (newlines kept); None when nothing visible is left; else ValidationError."""
    bio = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unicodedata.category(ch) in {"Cc", "Cs"} and ch not in _ALLOWED_CONTROLS for ch in bio):
        raise ValidationError("bio", "A bio cannot contain control characters.")
    if not any(_visible(ch) for ch in bio):
        return None
    if len(bio) > BIO_MAX_CHARS:
        raise ValidationError(
            "bio",
            "A bio can be at most {max_length} characters; yours has {length}.",
            max_length=BIO_MAX_CHARS,
            length=len(bio),
        )
    return bio


REASON_MAX_CHARS = 500
SUSPENSION_MAX_DAYS = 3650


def clean_reason(raw: str, field: str = "reason") -> str:
    """A report's or a moderator's reason: 1 to 500 characters of text, trimmed."""
    reason = " ".join((raw or "").split())  # one line: it is shown in lists and the log
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in reason):
        raise ValidationError(field, "A reason cannot contain control characters.")
    if not reason:
        raise ValidationError(field, "Please give a reason.")
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            field,
            f"A reason can be at most {REASON_MAX_CHARS} characters; yours has {len(reason)}.",
        )
    return reason


MIN_INTERVAL = timedelta(minutes=15)
MAX_INTERVAL = timedelta(days=7)
_INTERVAL = re.compile(r"^\s*(\d{1,6})\s*(m|min|mins|minutes?|h|hours?|d|days?)?\s*$", re.I)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> timedelta:
    """'90' (minutes), '45m', '6h', '1d'; 15 minutes to 7 days."""
    match = _INTERVAL.match(text or "")
    if match is None:
        raise ValidationError(
            "interval", "Give the interval as minutes, hours or days, e.g. 30m, 6h or 1d."
        )
    unit = (match.group(2) or "m")[0].lower()
    interval = timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[unit])
    if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise ValidationError("interval", "The interval must be between 15 minutes and 7 days.")
    return interval


def describe_interval(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"every {count} {unit}{'s' * (count != 1)}" if count != 1 else f"every {unit}"
    return f"every {seconds} seconds"


MAX_MENTIONS = 10  # distinct names per post that notify; the rest stay plain text
# "@name" not glued to a word before it (so "bob@example.com" mentions nobody). The
# fullwidth ＠ counts too: NFKC makes it "@", as it makes "ＡＬＩＣＥ" "alice".
_MENTION = re.compile(r"(?<![\w@＠])[@＠]([\w.\-]+)")


def mention_spans(body: str) -> list[tuple[int, int, str]]:
    """Where ``@name`` appears in ``body``: (start, end, key) per candidate, in order.

    ``end`` stops before trailing dots and dashes ("thanks @bob." names bob); the key is the
    username key, so NFKC and case folding decide who is meant, as they do at login. A name
    only becomes a mention when an account has that key (the services look them up).
    """
    spans = []
    for match in _MENTION.finditer(body):
        name = match.group(1).rstrip(".-")
        if not USERNAME_MIN_CHARS <= len(name) <= USERNAME_MAX_CHARS:
            continue
        if not all(ch.isalnum() or ch in USERNAME_PUNCTUATION for ch in name):
            continue
        start = match.start()
        spans.append((start, match.start(1) + len(name), username_key(name)))
    return spans


def mentioned_keys(body: str) -> list[str]:
    """The distinct username keys ``body`` names with ``@``, first ones first, at most
    ``MAX_MENTIONS``."""
    keys: list[str] = []
    for _start, _end, key in mention_spans(body):
        if key not in keys:
            keys.append(key)
            if len(keys) == MAX_MENTIONS:
                break
    return keys
