"""Grouping notifications for reading: pure, no I/O.

Notifications are stored one per event and grouped only when read, over the rows of one
page: likes and reposts of one post become "alice and 3 others liked your post", new
followers "alice and 2 others followed you"; replies and mentions stay one per line, since
each carries its own text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.values import NotificationEntry

REPLY, MENTION, LIKE, REPOST, FOLLOW = "reply", "mention", "like", "repost", "follow"
KINDS = (REPLY, MENTION, LIKE, REPOST, FOLLOW)
NAMED_ACTORS = 2  # "alice and bob"; three or more: "alice and 2 others"


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    kind: str
    actor: str
    post_id: int | None
    excerpt: str | None
    created_at: datetime


def group_key(event: Event) -> tuple[object, ...]:
    if event.kind in (LIKE, REPOST):
        return (event.kind, event.post_id)
    if event.kind == FOLLOW:
        return (FOLLOW,)
    return (event.kind, event.id)  # replies and mentions: one line each


def group_events(
    events: Iterable[Event], *, read_id: int, max_groups: int
) -> tuple[list[NotificationEntry], int]:
    """Group ``events`` (in reading order) into at most ``max_groups`` entries.

    Returns the entries, in the order of each group's first event, and how many events
    they took: reading stops before the event that would open one group too many, so the
    next page starts there and nothing is skipped.
    """
    groups: dict[tuple[object, ...], list[Event]] = {}
    taken = 0
    for event in events:
        key = group_key(event)
        if key not in groups:
            if len(groups) == max_groups:
                break
            groups[key] = []
        groups[key].append(event)
        taken += 1
    entries = []
    for members in groups.values():
        first = members[0]
        actors: list[str] = []
        for member in members:
            if member.actor not in actors:
                actors.append(member.actor)
        named = actors if len(actors) <= NAMED_ACTORS else actors[:1]
        entries.append(
            NotificationEntry(
                kind=first.kind,
                actors=tuple(named),
                others=len(actors) - len(named),
                post_id=first.post_id,
                excerpt=first.excerpt,
                created_at=max(member.created_at for member in members),
                unread=any(member.id > read_id for member in members),
            )
        )
    return entries, taken
