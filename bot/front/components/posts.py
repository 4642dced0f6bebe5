"""Posts: the forms (new post, edit post), the buttons on each post card, and the answers
both the forms and the commands give.

The row under a post holds what its reader may do with it (``post_buttons``): Reply, Like
and Repost under every post, then Edit and Delete on the reader's own posts and Report on
everyone else's (five buttons: Discord's most for a row).
Every button carries its post id; the service decides whether the clicker may act, so a
shared page is safe to click for everyone, and a post deleted since answers that it is gone.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.errors import ValidationError
from bot.domain.notifications import LIKE, REPOST
from bot.domain.values import PostView
from bot.front.answering import answer
from bot.front.cards import Buttons, StaticLayout, notice, post_card
from bot.front.components.base import Answered, Form, chat_user, custom_id, services_of
from bot.front.components.reactions import ReactionButton
from bot.front.components.safety import ReportButton
from bot.front.i18n import Messages, messages

POST_ID = r"(?P<post_id>[0-9]{1,19})"  # a bigint


def _content_input(
    _: Messages, max_length: int, default: str | None = None, label: str | None = None
) -> discord.ui.TextInput[Any]:
    # The same limit the service enforces ([posts] max_length): Discord's client stops the
    # typing there, so nobody writes 4,000 characters only to have them all refused.
    return discord.ui.TextInput(
        label=label or _("Your post"),
        custom_id="content",
        style=discord.TextStyle.paragraph,
        min_length=1,
        max_length=max_length,
        default=default[:max_length] if default else None,
    )


def post_buttons(post: PostView, viewer_id: int | None, _: Messages) -> Buttons:
    """The row under ``post`` for the reader whose account is ``viewer_id``: Reply, Like and
    Repost (with the counts, and the reader's own likes and reposts marked), then Edit and
    Delete under their own posts, Report under everyone else's. A post a moderator removed
    keeps its place in a thread without any."""
    if post.removed:
        return ()
    conversation: tuple[discord.ui.Item[Any], ...] = (
        ReplyButton(post.id, reply_label(post.reply_count, _)),
        ReactionButton.for_post(LIKE, post, _),
        ReactionButton.for_post(REPOST, post, _),
    )
    if viewer_id is not None and post.author_id == viewer_id:
        return (
            *conversation,
            EditPostButton(post.id, _("Edit")),
            DeletePostButton(post.id, _("Delete")),
        )
    return (*conversation, ReportButton(post.id, _("Report")))


def reply_label(replies: int, _: Messages) -> str:
    return f"{_('Reply')} · {replies}" if replies else _("Reply")


async def publish(interaction: discord.Interaction, content: str) -> None:
    """/post and the post form: the new post's card, as others see it."""

    async def posted() -> StaticLayout:
        created = await services_of(interaction).posts.create_post(chat_user(interaction), content)
        _ = messages(interaction)
        return post_card(
            created,
            _,
            buttons=post_buttons(created, created.author_id, _),
            intro=_("Posted! This is how others see it:"),
        )

    await answer(interaction, posted())


async def publish_reply(interaction: discord.Interaction, post_id: int, content: str) -> None:
    """/reply and the reply form: the reply's card, and where the conversation is."""

    async def replied() -> StaticLayout:
        created = await services_of(interaction).posts.create_post(
            chat_user(interaction), content, reply_to=post_id
        )
        _ = messages(interaction)
        intro = _(
            "Replied to post #{post_id}. This is how others see it (the whole conversation: "
            "/thread {root_id}):",
            post_id=post_id,
            root_id=created.root_id or post_id,
        )
        return post_card(
            created, _, buttons=post_buttons(created, created.author_id, _), intro=intro
        )

    await answer(interaction, replied())


async def edit(interaction: discord.Interaction, post_id: int, content: str) -> None:
    """/edit and the edit form: the post's card as it reads now."""

    async def edited() -> StaticLayout:
        post = await services_of(interaction).posts.edit_post(
            chat_user(interaction), post_id, content
        )
        _ = messages(interaction)
        return post_card(
            post, _, buttons=post_buttons(post, post.author_id, _), intro=_("Post updated:")
        )

    await answer(interaction, edited())


MAX_POST_ID = 2**63 - 1  # the database's bigint


def _post_id(match: re.Match[str]) -> int:
    return int(match["post_id"])


def _checked(post_id: int) -> int:
    """Raised in the answer, not while parsing: there discord.py would only log it."""
    if post_id > MAX_POST_ID:  # only a forged custom_id carries one
        raise ValidationError("post", "That is not a post number.")
    return post_id


def _label(item: discord.ui.Item[Any], fallback: str) -> str:
    return (item.label if isinstance(item, discord.ui.Button) else None) or fallback


class EditPostButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:post-edit:{POST_ID}",
):
    """Opens the edit form, filled with the post as it is now."""

    def __init__(self, post_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("post-edit", post_id),
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> EditPostButton:
        return cls(_post_id(match), _label(item, "Edit"))

    async def answer(self, interaction: discord.Interaction) -> None:
        # A form must be the first answer, so it cannot wait behind a defer: this only reads.
        services = services_of(interaction)
        current = await services.posts.post_to_edit(chat_user(interaction), _checked(self.post_id))
        await interaction.response.send_modal(
            EditForm(
                messages(interaction),
                current.id,
                current.body,
                services.settings.posts.max_length,
            )
        )


class DeletePostButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:post-delete:{POST_ID}",
):
    """Asks first: a private confirmation whose button carries the post id."""

    def __init__(self, post_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.danger,
                custom_id=custom_id("post-delete", post_id),
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DeletePostButton:
        return cls(_post_id(match), _label(item, "Delete"))

    async def answer(self, interaction: discord.Interaction) -> None:
        post_id = _checked(self.post_id)

        async def question() -> StaticLayout:
            # Only the author is asked: anyone else hears at once that they cannot.
            post = await services_of(interaction).posts.own_post(chat_user(interaction), post_id)
            _ = messages(interaction)
            confirm = ConfirmDeleteButton(post.id, _("Yes, delete it"))
            asked = _("Delete post #{post_id}? This cannot be undone.", post_id=post.id)
            return notice(asked, _, buttons=[confirm], post=post)

        await answer(interaction, question())


class ConfirmDeleteButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:post-delete-yes:{POST_ID}",
):
    """Deletes the post (the service checks the author again) and says so in place."""

    def __init__(self, post_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.danger,
                custom_id=custom_id("post-delete-yes", post_id),
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ConfirmDeleteButton:
        return cls(_post_id(match), _label(item, "Yes, delete it"))

    async def answer(self, interaction: discord.Interaction) -> None:
        post_id = _checked(self.post_id)

        async def deleted() -> StaticLayout:
            gone = await services_of(interaction).posts.delete_post(chat_user(interaction), post_id)
            _ = messages(interaction)
            return notice(_("Deleted post #{post_id}.", post_id=gone.id), _)

        await answer(interaction, deleted(), edit=True)  # the question becomes the answer


class ReplyButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:reply:{POST_ID}",
):
    """Opens the reply form for the post (its label counts the replies so far)."""

    def __init__(self, post_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("reply", post_id),
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReplyButton:
        return cls(_post_id(match), _label(item, "Reply"))

    async def answer(self, interaction: discord.Interaction) -> None:
        # A form must be the first answer. Someone logged out hears so before typing a
        # reply they could not send (a read, no write: fast enough for the 3 seconds).
        services = services_of(interaction)
        await services.auth.current_account(chat_user(interaction), touch=False)
        await interaction.response.send_modal(
            ReplyForm(
                messages(interaction),
                _checked(self.post_id),
                services.settings.posts.max_length,
            )
        )


class PostForm(Form, template=r"mb:post"):
    def __init__(self, _: Messages, max_length: int, default: str | None = None) -> None:
        super().__init__(_("New post"), "post")
        self.add_item(_content_input(_, max_length, default))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await publish(interaction, values.get("content", ""))


class ReplyForm(Form, template=r"mb:reply-form:(?P<post_id>[^:]*)"):
    def __init__(self, _: Messages, post_id: int, max_length: int) -> None:
        super().__init__(_("Reply to post #{post_id}", post_id=post_id), "reply-form", post_id)
        self.add_item(_content_input(_, max_length, label=_("Your reply")))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        raw = match["post_id"]
        if not raw.isdigit() or len(raw) > 18:
            raise ValidationError("post", "That is not a post number.")
        await publish_reply(interaction, int(raw), values.get("content", ""))


class EditForm(Form, template=r"mb:edit:(?P<post_id>[^:]*)"):
    def __init__(self, _: Messages, post_id: int, body: str, max_length: int) -> None:
        super().__init__(_("Edit post #{post_id}", post_id=post_id), "edit", post_id)
        self.add_item(_content_input(_, max_length, default=body))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        raw = match["post_id"]
        if not raw.isdigit() or len(raw) > 18:
            raise ValidationError("post", "That is not a post number.")
        await edit(interaction, int(raw), values.get("content", ""))
