"""/notifications as a page, its Older/Newer buttons, and the text of a notification DM.

One line per entry: "**alice** and 3 others liked your post #12: “…”", newest first,
the unread ones marked. Names are escaped, excerpts cut, and everything goes out with
AllowedMentions.none(): a post that says @everyone is quoted, never heard.
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import ui

from bot.domain.errors import ValidationError
from bot.domain.notifications import FOLLOW, LIKE, MENTION, REPLY, REPOST
from bot.domain.values import NotificationEntry, NotificationPage
from bot.front.answering import answer
from bot.front.cards import ACCENT, StaticLayout, escape
from bot.front.components.base import Answered, chat_user, custom_id, services_of
from bot.front.i18n import Messages, messages
from bot.front.rendering import cut, relative
from bot.services.notifications import DM_CLOSED, UNREAD_CAP, DmDigest

NOTIFICATIONS_ROUTE = "notif"
NO_CURSOR = "-"
OLDER, NEWER = "o", "n"
EXCERPT = 80
DM_MAX = 2000  # Discord's limit for a message's content


class NotificationsPageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:notif:(?P<cursor>[A-Za-z0-9_-]{1,60})",
):
    """Older or Newer on /notifications (the service checks the page is the clicker's)."""

    def __init__(self, label: str, cursor: str | None, direction: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id(NOTIFICATIONS_ROUTE, cursor or f"{NO_CURSOR}{direction}"),
                disabled=cursor is None,
            )
        )
        self.cursor = cursor

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NotificationsPageButton:
        cursor = match["cursor"]
        label = (item.label if isinstance(item, discord.ui.Button) else None) or "Page"
        if cursor.startswith(NO_CURSOR):
            return cls(label, None, cursor[-1])
        return cls(label, cursor, cursor[0])

    async def answer(self, interaction: discord.Interaction) -> None:
        if self.cursor is None:
            raise ValidationError("cursor", "There is nothing more in that direction.")
        cursor = self.cursor

        async def page() -> StaticLayout:
            found = await services_of(interaction).notifications.notifications(
                chat_user(interaction), cursor
            )
            return notifications_layout(found, messages(interaction))

        await answer(interaction, page(), edit=True)  # notifications are always a private page


def unread_text(count: int, _: Messages) -> str:
    """ "3 unread notifications", or "99+" past the cap."""
    if count >= UNREAD_CAP:
        return _("{count}+ unread notifications", count=UNREAD_CAP - 1)
    return _.ngettext("{count} unread notification", "{count} unread notifications", count)


def dm_off_text(reason: str | None, _: Messages) -> str | None:
    if reason == DM_CLOSED:
        return _(
            "Notification DMs are off: Discord would not deliver them (your DMs are closed "
            "to the bot, error 50007). Open them, then /account notify dm:on."
        )
    return None


def notifications_layout(page: NotificationPage, _: Messages) -> StaticLayout:
    head = "## " + cut(_("Notifications for {username}", username=page.username), 200)
    status = [unread_text(page.unread, _)] if page.unread else []
    off = dm_off_text(page.dm_off_reason, _)
    if off:
        status.append(off)
    if status:
        head += "\n-# " + " · ".join(status)
    children: list[ui.Item[Any]] = [ui.TextDisplay(head)]
    if not page.entries:
        children.append(
            ui.TextDisplay(
                _(
                    "Nothing yet. Replies to your posts, mentions, likes, reposts and new "
                    "followers appear here."
                )
            )
        )
    else:
        children.append(ui.Separator())
        lines = [entry_line(entry, _, when=True) for entry in page.entries]
        children.append(ui.TextDisplay(cut("\n".join(lines), 3500)))
    row = (
        NotificationsPageButton(_("Newer"), page.newer, NEWER),
        NotificationsPageButton(_("Older"), page.older, OLDER),
    )
    return StaticLayout([ui.Container(*children, accent_colour=ACCENT), ui.ActionRow(*row)])


def _actors(entry: NotificationEntry, _: Messages) -> str:
    names = [f"**{escape(name)}**" for name in entry.actors]
    if entry.others:
        return _.ngettext(
            "{name} and {count} other", "{name} and {count} others", entry.others, name=names[0]
        )
    if len(names) == 2:
        return _("{first} and {second}", first=names[0], second=names[1])
    return names[0]


def entry_line(entry: NotificationEntry, _: Messages, *, when: bool = False) -> str:
    """One notification (or group of them) as a line of text."""
    who = _actors(entry, _)
    quote = f": “{escape(cut(entry.excerpt, EXCERPT))}”" if entry.excerpt else ""
    if entry.kind == LIKE:
        text = _("{who} liked your post #{post}", who=who, post=entry.post_id) + quote
    elif entry.kind == REPOST:
        text = _("{who} reposted your post #{post}", who=who, post=entry.post_id) + quote
    elif entry.kind == REPLY:
        text = _("{who} replied (#{post})", who=who, post=entry.post_id) + quote
    elif entry.kind == MENTION:
        text = _("{who} mentioned you in #{post}", who=who, post=entry.post_id) + quote
    elif entry.kind == FOLLOW:
        text = _("{who} followed you", who=who)
    else:  # a kind this version does not know (written by a newer one)
        text = who
    marker = "🔵 " if entry.unread else "• "
    return marker + text + (f" · {relative(entry.created_at)}" if when else "")


def dm_text(digest: DmDigest, _: Messages) -> str:
    """A notification DM: how many are new, the newest of them, where to read the rest."""
    head = _.ngettext(
        "You have {count} new notification on the microblog:",
        "You have {count} new notifications on the microblog:",
        digest.new,
    )
    tail = _("Read them with /notifications. Stop these messages with /account notify dm:off.")
    room = DM_MAX - len(head) - len(tail) - 2
    lines = [entry_line(entry, _) for entry in digest.entries]
    return f"{head}\n{cut(chr(10).join(lines), room)}\n{tail}"
