"""Home timelines, profiles and people lists: their Components V2 cards, buttons and the
profile form.

Every button carries what it needs in its custom_id (whose page, which cursor, whom to
follow), so it answers after a restart and in any shard process. Usernames are shown
wherever someone is identified; a display name only ever appears beside one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord
from discord import ui
from discord.utils import escape_markdown, format_dt

from bot.domain.cursors import older_than
from bot.domain.errors import ValidationError
from bot.domain.rules import BIO_MAX_CHARS, DISPLAY_NAME_MAX_CHARS
from bot.domain.values import FeedPage, PeoplePage, PostView, ProfileView
from bot.front.answering import answer, show_page
from bot.front.cards import (
    ACCENT,
    MAX_TEXT,
    Buttons,
    PostPage,
    StaticLayout,
    page_layout,
    plan_posts,
    post_items,
)
from bot.front.components.base import Answered, Form, chat_user, custom_id, services_of
from bot.front.components.notifications import unread_text
from bot.front.components.posts import post_buttons
from bot.front.i18n import Messages, messages
from bot.front.rendering import cut

HOME_ROUTE = "home"
PEOPLE_ROUTE = "people"
FOLLOW_ROUTE = "follow"
PROFILE_ROUTE = "profile"
NO_CURSOR = "-"  # a disabled button still needs a unique custom_id: "-o" / "-n"
OLDER, NEWER = "o", "n"
_CURSOR = r"(?P<cursor>[A-Za-z0-9_-]{1,60})"


def name(username: str) -> str:
    """A username in bold, its underscores and dots never read as markdown."""
    return f"**{escape_markdown(username)}**"


# -- paging ------------------------------------------------------------------------------
def _pager_id(route: str, direction: str, cursor: str | None, *prefix: str) -> str:
    return custom_id(route, *prefix, cursor or f"{NO_CURSOR}{direction}")


def _paging_button(label: str, custom: str, cursor: str | None) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label=label,
        style=discord.ButtonStyle.secondary,
        custom_id=custom,
        disabled=cursor is None,
    )


def _parsed(item: discord.ui.Item[Any], cursor: str) -> tuple[str, str | None, str]:
    """The clicked button's label, cursor (None for a disabled end-of-list button) and
    direction."""
    label = item.label if isinstance(item, discord.ui.Button) else None
    if cursor.startswith(NO_CURSOR):
        return label or "Page", None, cursor[-1]
    return label or "Page", cursor, cursor[0]


def _cursor_or_refuse(cursor: str | None) -> str:
    if cursor is None:
        raise ValidationError("cursor", "There is nothing more in that direction.")
    return cursor


class HomePageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:home:" + _CURSOR,
):
    """Older or Newer on a home timeline; the cursor names whose timeline it is."""

    def __init__(self, label: str, cursor: str | None, direction: str) -> None:
        super().__init__(_paging_button(label, _pager_id(HOME_ROUTE, direction, cursor), cursor))
        self.cursor = cursor

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HomePageButton:
        return cls(*_parsed(item, match["cursor"]))

    async def answer(self, interaction: discord.Interaction) -> None:
        cursor = _cursor_or_refuse(self.cursor)
        social = services_of(interaction).social

        async def page() -> StaticLayout:
            # The clicker's blocks, and the server the page is shown in, apply.
            found = await social.home(chat_user(interaction), cursor, guild_id=interaction.guild_id)
            return home_layout(found, messages(interaction))

        await show_page(interaction, page())


def home_layout(page: FeedPage, _: Messages) -> StaticLayout:
    """/home: a page of post cards, with Edit and Delete under the reader's own."""

    def paging(shown: Sequence[PostView]) -> Buttons:
        older = page.older
        if shown and len(shown) < len(page.posts):
            older = older_than(shown[-1], page.author_id)  # the rest did not fit: next page
        return (
            HomePageButton(_("Newer"), page.newer, NEWER),
            HomePageButton(_("Older"), older, OLDER),
        )

    return page_layout(
        PostPage(
            title=_("Home timeline of {owner}", owner=page.author or ""),
            header=_home_header(page, _),
            posts=page.posts,
            empty=_(
                "Nothing here yet. Follow people with /follow (find them in /feed), "
                "or write your first post with /post."
            ),
        ),
        _,
        buttons=lambda post: post_buttons(post, page.viewer_id, _),
        paging=paging,
    )


def _home_header(page: FeedPage, _: Messages) -> str:
    header = _(
        "Your posts, the posts of the people you follow and what they reposted, newest first."
    )
    if page.unread:
        header += "\n-# " + unread_text(page.unread, _) + ": /notifications"
    return header


class PeoplePageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:people:(?P<which>followers|following):" + _CURSOR,
):
    """Older or Newer on a followers or following list."""

    def __init__(self, which: str, label: str, cursor: str | None, direction: str) -> None:
        custom = _pager_id(PEOPLE_ROUTE, direction, cursor, which)
        super().__init__(_paging_button(label, custom, cursor))
        self.which = which
        self.cursor = cursor

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PeoplePageButton:
        return cls(match["which"], *_parsed(item, match["cursor"]))

    async def answer(self, interaction: discord.Interaction) -> None:
        cursor = _cursor_or_refuse(self.cursor)
        social = services_of(interaction).social
        lookup = social.followers if self.which == "followers" else social.following

        async def page() -> StaticLayout:
            found = await lookup(
                chat_user(interaction), cursor=cursor, guild_id=interaction.guild_id
            )
            return people_layout(found, messages(interaction), followers=self.which == "followers")

        await show_page(interaction, page())


def people_layout(page: PeoplePage, _: Messages, *, followers: bool) -> StaticLayout:
    """/followers and /following: one line per person, paged."""
    which = "followers" if followers else "following"
    if followers:
        title = _.ngettext(
            "{owner} has {count} follower", "{owner} has {count} followers", page.total,
            owner=page.owner,
        )  # fmt: skip
    else:
        title = _.ngettext(
            "{owner} follows {count} account", "{owner} follows {count} accounts", page.total,
            owner=page.owner,
        )  # fmt: skip
    lines = []
    for person in page.people:
        line = name(person.username)
        if person.display_name:
            line += f" · {escape_markdown(person.display_name)}"
        lines.append(_("{person} · since {when}", person=line, when=format_dt(person.since, "D")))
    body = cut("\n".join(lines), MAX_TEXT - 300) if lines else _("Nobody yet.")
    card = ui.Container(ui.TextDisplay(f"## {cut(title, 200)}\n{body}"), accent_colour=ACCENT)
    row = ui.ActionRow(
        PeoplePageButton(which, _("Newer"), page.newer, NEWER),
        PeoplePageButton(which, _("Older"), page.older, OLDER),
    )
    return StaticLayout([card, row])


# -- profiles ----------------------------------------------------------------------------
class FollowButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:follow:(?P<action>[fu]):(?P<account_id>[0-9]{1,18})",
):
    """Follow or Unfollow on a profile; the clicker follows, and the profile updates."""

    def __init__(self, account_id: int, follow: bool, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary if follow else discord.ButtonStyle.secondary,
                custom_id=custom_id(FOLLOW_ROUTE, "f" if follow else "u", account_id),
            )
        )
        self.account_id = account_id
        self.follow = follow

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FollowButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["account_id"]), match["action"] == "f", label or "Follow")

    async def answer(self, interaction: discord.Interaction) -> None:
        social = services_of(interaction).social
        chat = chat_user(interaction)

        async def updated() -> StaticLayout:
            result = await social.set_follow(chat, self.account_id, follow=self.follow)
            profile = await social.profile(chat, result.username, guild_id=interaction.guild_id)
            return profile_layout(profile, messages(interaction))

        await show_page(interaction, updated())


def profile_layout(profile: ProfileView, _: Messages, *, intro: str | None = None) -> StaticLayout:
    """/profile: who they are, their counts, how you two relate, their newest posts."""
    heading = f"## {escape_markdown(cut(profile.display_name or profile.username, 100))}"
    if profile.display_name:
        heading += f"\n@{escape_markdown(profile.username)}"
    bio = cut(profile.bio, 1000) if profile.bio else _("No bio yet.")
    facts = _(
        "Joined {when} · Posts: {posts} · Followers: {followers} · Following: {following}",
        when=format_dt(profile.joined_at, "D"),
        posts=profile.post_count,
        followers=profile.follower_count,
        following=profile.following_count,
    )
    about = f"{heading}\n{bio}\n-# {facts}\n{_relation(profile, _)}"
    hint = "-# " + _(
        "/followers user:{username} and /following user:{username} list them.",
        username=profile.username,
    )
    top: list[ui.Item[Any]] = [ui.TextDisplay(intro)] if intro else []
    follow: list[ui.Item[Any]] = []
    if not profile.is_you:
        label = _("Unfollow") if profile.you_follow else _("Follow")
        follow = [ui.ActionRow(FollowButton(profile.id, not profile.you_follow, label))]
    planned = plan_posts(
        profile.recent_posts,
        _,
        components=len(top) + 4 + len(follow) * 2,  # container, about, separator, hint, row
        text=len(intro or "") + len(about) + len(hint),
    )
    children: list[ui.Item[Any]] = [ui.TextDisplay(about)]
    for entry in planned:
        children.append(ui.Separator())
        children.extend(post_items(entry))
    children += [ui.Separator(), ui.TextDisplay(hint)]
    return StaticLayout([*top, ui.Container(*children, accent_colour=ACCENT), *follow])


def _relation(profile: ProfileView, _: Messages) -> str:
    if profile.is_you:
        return _("This is you. Change it with /account profile.")
    if profile.you_follow:
        return (
            _("You follow them; they follow you.") if profile.follows_you else _("You follow them.")
        )
    return (
        _("You do not follow them; they follow you.")
        if profile.follows_you
        else _("You do not follow them.")
    )


class ProfileForm(Form, template=r"mb:profile"):
    """/account profile: display name and bio, limited as the service limits them."""

    def __init__(self, _: Messages, display_name: str | None, bio: str | None) -> None:
        super().__init__(_("Your profile"), PROFILE_ROUTE)
        self.add_item(
            discord.ui.TextInput(
                label=_("Display name (shown beside your username)"),
                custom_id="display_name",
                required=False,
                max_length=DISPLAY_NAME_MAX_CHARS,
                default=display_name,
            )
        )
        self.add_item(
            discord.ui.TextInput(
                label=_("Bio"),
                custom_id="bio",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=BIO_MAX_CHARS,
                default=bio,
            )
        )

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        async def saved() -> StaticLayout:
            profile = await services_of(interaction).social.update_profile(
                chat_user(interaction), values.get("display_name", ""), values.get("bio", "")
            )
            _ = messages(interaction)
            intro = _("Profile saved. This is how others see it:")
            return profile_layout(profile, _, intro=intro)

        await answer(interaction, saved())
