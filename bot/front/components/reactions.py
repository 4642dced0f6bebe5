"""Like and Repost on a post card: toggles that show the post's counts.

A press does what the presser has not done yet (like, or take the like back), whoever
the card was made for: the custom_id carries only the post. On a private page the button
changes in place (its count, and its colour saying "you did"); a shared page stays as it
is for everyone, and the presser hears privately what happened.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.errors import ValidationError
from bot.domain.notifications import LIKE, REPOST
from bot.domain.values import PostView, ReactionResult
from bot.front.answering import Shown, answer, in_place
from bot.front.components.base import Answered, chat_user, custom_id, services_of
from bot.front.i18n import Messages, messages

MAX_POST_ID = 2**63 - 1  # the database's bigint
_ROUTES = {LIKE: "like", REPOST: "repost"}


def reaction_label(kind: str, done: bool, count: int, _: Messages) -> str:
    """ "Like · 3" or "Liked · 3"; the word alone while nobody has."""
    if kind == LIKE:
        word = _("Liked") if done else _("Like")
    else:
        word = _("Reposted") if done else _("Repost")
    return f"{word} · {count}" if count else word


def _style(done: bool) -> discord.ButtonStyle:
    return discord.ButtonStyle.success if done else discord.ButtonStyle.secondary


class ReactionButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mb:(?P<kind>like|repost):(?P<post_id>[0-9]{1,19})",
):
    """Like or Repost under a post, with the count; pressing it toggles."""

    def __init__(self, kind: str, post_id: int, label: str, done: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=_style(done), custom_id=custom_id(_ROUTES[kind], post_id)
            )
        )
        self.kind = kind
        self.post_id = post_id

    @classmethod
    def for_post(cls, kind: str, post: PostView, _: Messages) -> ReactionButton:
        done = post.liked if kind == LIKE else post.reposted
        count = post.like_count if kind == LIKE else post.repost_count
        return cls(kind, post.id, reaction_label(kind, done, count, _), done)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReactionButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["kind"], int(match["post_id"]), label or match["kind"])

    async def answer(self, interaction: discord.Interaction) -> None:
        if self.post_id > MAX_POST_ID:  # only a forged custom_id carries one
            raise ValidationError("post", "That is not a post number.")
        message = interaction.message
        replace = in_place(interaction)

        async def reacted() -> Shown:
            result = await services_of(interaction).conversations.react(
                chat_user(interaction), self.kind, self.post_id, on=None
            )
            _ = messages(interaction)
            if replace and message is not None:
                return _with_button_updated(message, self.kind, result, _)
            return reaction_sentence(self.kind, result, _)

        await answer(interaction, reacted(), edit=replace)


def _with_button_updated(
    message: discord.Message, kind: str, result: ReactionResult, _: Messages
) -> discord.ui.LayoutView:
    """The clicked message as it was, with this post's button showing the new state."""
    view = discord.ui.LayoutView.from_message(message, timeout=None)
    wanted = custom_id(_ROUTES[kind], result.post_id)
    done = result.liked if kind == LIKE else result.reposted
    count = result.like_count if kind == LIKE else result.repost_count
    for item in view.walk_children():
        if isinstance(item, discord.ui.Button) and item.custom_id == wanted:
            item.label = reaction_label(kind, done, count, _)
            item.style = _style(done)
    view.stop()  # discord.py keeps no copy: the button classes answer by custom_id
    return view


def reaction_sentence(kind: str, result: ReactionResult, _: Messages) -> str:
    """What a like, unlike, repost or unrepost did, and the post's count now."""
    post, author = result.post_id, f"**{discord.utils.escape_markdown(result.author)}**"
    if kind == LIKE:
        done = result.liked
        if result.changed:
            text = (
                _("You liked post #{post} by {author}.", post=post, author=author)
                if done
                else _("You no longer like post #{post}.", post=post)
            )
        else:
            text = (
                _("You already like post #{post}.", post=post)
                if done
                else _("You did not like post #{post}.", post=post)
            )
        return (
            text
            + " "
            + _.ngettext("It has {count} like.", "It has {count} likes.", result.like_count)
        )
    done = result.reposted
    if result.changed:
        text = (
            _(
                "You reposted post #{post} by {author}: it shows in your followers' /home.",
                post=post,
                author=author,
            )
            if done
            else _("You took back your repost of post #{post}.", post=post)
        )
    else:
        text = (
            _("You already reposted post #{post}.", post=post)
            if done
            else _("You had not reposted post #{post}.", post=post)
        )
    return (
        text
        + " "
        + _.ngettext("It has {count} repost.", "It has {count} reposts.", result.repost_count)
    )
