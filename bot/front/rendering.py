"""Small text helpers every message uses: Discord-rendered times and cutting to a limit.

Posts themselves are laid out as Components V2 cards in ``bot.front.cards``.
"""

from __future__ import annotations

from datetime import datetime

import discord

ELLIPSIS = "…"
COLOUR = discord.Colour.blurple()


def relative(moment: datetime) -> str:
    """``<t:…:R>``: "3 minutes ago" on the reader's client, in the reader's language."""
    return f"<t:{int(moment.timestamp())}:R>"


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - len(ELLIPSIS))]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= limit * 0.8:
        head = head[:space]
    return head.rstrip() + ELLIPSIS
