"""Opaque feed cursors: small enough for a button's custom_id (Discord allows 100 chars).

A cursor names a direction, a position (created_at, id) and the author filter. It is not
secret: any well-formed cursor is just a place in a public feed, so it is not signed.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.errors import ValidationError
from bot.domain.values import Position, PostView

_FORMAT = ">qqq"  # microseconds since epoch, post id, author id (0 = everyone)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OLDER, NEWER = "o", "n"


@dataclass(frozen=True, slots=True)
class Cursor:
    direction: str  # OLDER or NEWER than position
    position: Position
    author_id: int | None

    def encode(self) -> str:
        micros = (self.position.created_at - _EPOCH) // timedelta(microseconds=1)
        packed = struct.pack(_FORMAT, micros, self.position.post_id, self.author_id or 0)
        return self.direction + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_cursor(token: str, command: str = "/feed") -> Cursor:
    """The cursor in ``token``; a malformed one asks the user to run ``command`` again."""
    stale = ValidationError(
        "cursor", "That page link is not valid any more. Run {command} again.", command=command
    )
    if len(token) != 33 or token[0] not in (OLDER, NEWER):
        raise stale
    try:
        micros, post_id, author_id = struct.unpack(
            _FORMAT, base64.urlsafe_b64decode(token[1:] + "=" * (-len(token[1:]) % 4))
        )
        created_at = _EPOCH + timedelta(microseconds=micros)
    except (binascii.Error, struct.error, ValueError, OverflowError):
        raise stale from None
    if post_id <= 0 or author_id < 0:
        raise stale
    return Cursor(token[0], Position(created_at, post_id), author_id or None)


def older_than(post: PostView, author_id: int | None) -> str:
    """The cursor for the page after ``post``: a page cut short goes on right behind it."""
    # A repost on a home timeline sits at the moment it was reposted.
    return Cursor(OLDER, Position(post.shown_at or post.created_at, post.id), author_id).encode()


# Search pages: newest first keyset by post id ("o"/"n" + id), or a page of the best matches
# ("b" + the newest id of the ranked window + the page's offset in it).
_SEARCH_FORMAT = ">qI"
BEST = "b"


@dataclass(frozen=True, slots=True)
class SearchCursor:
    direction: str  # OLDER or NEWER than post_id, or BEST
    post_id: int  # the keyset id; for BEST the newest post of the ranked window
    offset: int = 0  # BEST only: where the page starts in the ranked window

    def encode(self) -> str:
        packed = struct.pack(_SEARCH_FORMAT, self.post_id, self.offset)
        return self.direction + base64.urlsafe_b64encode(packed).decode("ascii")


def decode_search_cursor(token: str) -> SearchCursor:
    stale = ValidationError("cursor", "That page link is not valid any more. Run /search again.")
    if len(token) != 17 or token[0] not in (OLDER, NEWER, BEST):
        raise stale
    try:
        post_id, offset = struct.unpack(_SEARCH_FORMAT, base64.urlsafe_b64decode(token[1:]))
    except (binascii.Error, struct.error, ValueError):
        raise stale from None
    if post_id <= 0 or (offset and token[0] != BEST):
        raise stale
    return SearchCursor(token[0], post_id, offset)
