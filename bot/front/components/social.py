"""Home timelines, profiles and people lists: their embeds, buttons and the profile form.

Every button carries what it needs in its custom_id (whose page, which cursor, whom to
follow), so it answers after a restart and in any shard process. Usernames are shown
wherever someone is identified; a display name only ever appears beside one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.utils import escape_markdown, format_dt

from bot.domain.errors import ValidationError
from bot.domain.rules import BIO_MAX_CHARS, DISPLAY_NAME_MAX_CHARS
from bot.domain.values import FeedPage, PeoplePage, ProfileView
from bot.front.components.base import Answered, Form, StaticView, chat_user, custom_id, services_of
from bot.front.rendering import COLOUR, DESCRIPTION, EMBED_TOTAL, TITLE, add_post_fields, cut
from bot.front.tree import reply

HOME_ROUTE = "home"
PEOPLE_ROUTE = "people"
FOLLOW_ROUTE = "follow"
PROFILE_ROUTE = "profile"
NO_CURSOR = "-"  # a disabled button still needs a unique custom_id: "-o" / "-n"
_CURSOR = r"(?P<cursor>[A-Za-z0-9_-]{1,60})"


def name(username: str) -> str:
    """A username in bold, its underscores and dots never read as markdown."""
    return f"**{escape_markdown(username)}**"


# -- paging ------------------------------------------------------------------------------
async def _show_page(
    interaction: discord.Interaction, message: Callable[[], Awaitable[dict[str, Any]]]
) -> None:
    """A private page is replaced in place; a shared one stays, and the clicker pages privately."""
    in_place = interaction.message is not None and interaction.message.flags.ephemeral
    if in_place:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=True, thinking=True)
    content = await message()
    if in_place:
        await interaction.edit_original_response(
            **content, allowed_mentions=discord.AllowedMentions.none()
        )
    else:
        await reply(interaction, **content)


def _pager_id(route: str, label: str, cursor: str | None, *prefix: str) -> str:
    return custom_id(route, *prefix, cursor or f"{NO_CURSOR}{label[0].lower()}")


def _paging_button(label: str, custom: str, cursor: str | None) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label=label,
        style=discord.ButtonStyle.secondary,
        custom_id=custom,
        disabled=cursor is None,
    )


def _parsed(item: discord.ui.Item[Any], cursor: str) -> tuple[str, str | None]:
    """The clicked button's label and cursor (None for a disabled end-of-list button)."""
    label = item.label if isinstance(item, discord.ui.Button) else None
    return label or "Page", None if cursor.startswith(NO_CURSOR) else cursor


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

    def __init__(self, label: str, cursor: str | None) -> None:
        super().__init__(_paging_button(label, _pager_id(HOME_ROUTE, label, cursor), cursor))
        self.cursor = cursor

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HomePageButton:
        return cls(*_parsed(item, match["cursor"]))

    async def answer(self, interaction: discord.Interaction) -> None:
        cursor = _cursor_or_refuse(self.cursor)
        social = services_of(interaction).social

        async def page() -> dict[str, Any]:
            return home_message(await social.home(chat_user(interaction), cursor))

        await _show_page(interaction, page)


def home_message(page: FeedPage) -> dict[str, Any]:
    embed = discord.Embed(title=cut(f"Home timeline of {page.author}", TITLE), colour=COLOUR)
    if not page.posts:
        embed.description = (
            "Nothing here yet. Follow people with /follow (find them in /feed), "
            "or write your first post with /post."
        )
    else:
        footer = "Your posts and the posts of the people you follow, newest first."
        add_post_fields(
            embed, page.posts, budget=EMBED_TOTAL - len(embed.title or "") - len(footer)
        )
        embed.set_footer(text=footer)
    buttons = (HomePageButton("Newer", page.newer), HomePageButton("Older", page.older))
    return {"embed": embed, "view": StaticView(buttons)}


class PeoplePageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:people:(?P<which>followers|following):" + _CURSOR,
):
    """Older or Newer on a followers or following list."""

    def __init__(self, which: str, label: str, cursor: str | None) -> None:
        custom = _pager_id(PEOPLE_ROUTE, label, cursor, which)
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

        async def page() -> dict[str, Any]:
            found = await lookup(chat_user(interaction), cursor=cursor)
            return people_message(found, followers=self.which == "followers")

        await _show_page(interaction, page)


def people_message(page: PeoplePage, *, followers: bool) -> dict[str, Any]:
    which = "followers" if followers else "following"
    noun = "follower" if page.total == 1 else "followers"
    title = (
        f"{page.owner} has {page.total} {noun}"
        if followers
        else f"{page.owner} follows {page.total} {'account' if page.total == 1 else 'accounts'}"
    )
    embed = discord.Embed(title=cut(title, TITLE), colour=COLOUR)
    lines = []
    for person in page.people:
        line = f"{name(person.username)}"
        if person.display_name:
            line += f" · {escape_markdown(person.display_name)}"
        lines.append(f"{line} · since {format_dt(person.since, 'D')}")
    embed.description = "\n".join(lines) if lines else "Nobody yet."
    buttons = (
        PeoplePageButton(which, "Newer", page.newer),
        PeoplePageButton(which, "Older", page.older),
    )
    return {"embed": embed, "view": StaticView(buttons)}


# -- profiles ----------------------------------------------------------------------------
class FollowButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:follow:(?P<action>[fu]):(?P<account_id>[0-9]{1,18})",
):
    """Follow or Unfollow on a profile; the clicker follows, and the profile updates."""

    def __init__(self, account_id: int, follow: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Follow" if follow else "Unfollow",
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
        return cls(int(match["account_id"]), match["action"] == "f")

    async def answer(self, interaction: discord.Interaction) -> None:
        social = services_of(interaction).social
        chat = chat_user(interaction)

        async def updated() -> dict[str, Any]:
            result = await social.set_follow(chat, self.account_id, follow=self.follow)
            return profile_message(await social.profile(chat, result.username))

        await _show_page(interaction, updated)


def profile_message(profile: ProfileView) -> dict[str, Any]:
    embed = discord.Embed(
        title=cut(profile.display_name or profile.username, TITLE),
        description=cut(profile.bio, DESCRIPTION) if profile.bio else "No bio yet.",
        colour=COLOUR,
    )
    embed.add_field(name="Username", value=name(profile.username))
    embed.add_field(name="Joined", value=format_dt(profile.joined_at, "D"))
    embed.add_field(name="Posts", value=str(profile.post_count))
    embed.add_field(name="Followers", value=str(profile.follower_count))
    embed.add_field(name="Following", value=str(profile.following_count))
    embed.add_field(name="You and them", value=_relation(profile))
    if profile.recent_posts:
        lines = [
            f"#{post.id} · {format_dt(post.created_at, 'R')} · "
            + cut(" ".join(post.body.split()), 200)
            for post in profile.recent_posts
        ]
        embed.add_field(name="Newest posts", value=cut("\n".join(lines), 1024), inline=False)
    embed.set_footer(
        text=cut(
            f"/followers user:{profile.username} and /following user:{profile.username} list them.",
            2048,
        )
    )
    items = [] if profile.is_you else [FollowButton(profile.id, follow=not profile.you_follow)]
    return {"embed": embed, "view": StaticView(items)}


def _relation(profile: ProfileView) -> str:
    if profile.is_you:
        return "This is you. Change it with /account profile."
    parts = ["You follow them" if profile.you_follow else "You do not follow them"]
    if profile.follows_you:
        parts.append("they follow you")
    return ", ".join(parts) + "."


class ProfileForm(Form, template=r"mb:profile"):
    """/account profile: display name and bio, limited as the service limits them."""

    def __init__(self, display_name: str | None, bio: str | None) -> None:
        super().__init__("Your profile", PROFILE_ROUTE)
        self.add_item(
            discord.ui.TextInput(
                label="Display name (shown beside your username)",
                custom_id="display_name",
                required=False,
                max_length=DISPLAY_NAME_MAX_CHARS,
                default=display_name,
            )
        )
        self.add_item(
            discord.ui.TextInput(
                label="Bio",
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
        await interaction.response.defer(ephemeral=True, thinking=True)
        profile = await services_of(interaction).social.update_profile(
            chat_user(interaction), values.get("display_name", ""), values.get("bio", "")
        )
        await reply(
            interaction, "Profile saved. This is how others see it:", **profile_message(profile)
        )
