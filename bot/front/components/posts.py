"""The post forms (new post, edit post) and what both the forms and the commands answer."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.errors import ValidationError
from bot.front.components.base import Form, chat_user, services_of
from bot.front.rendering import post_embed
from bot.front.tree import reply


def _content_input(max_length: int, default: str | None = None) -> discord.ui.TextInput[Any]:
    # The same limit the service enforces ([posts] max_length): Discord's client stops the
    # typing there, so nobody writes 4,000 characters only to have them all refused.
    return discord.ui.TextInput(
        label="Your post",
        custom_id="content",
        style=discord.TextStyle.paragraph,
        min_length=1,
        max_length=max_length,
        default=default[:max_length] if default is not None else None,
    )


async def publish(interaction: discord.Interaction, content: str) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    created = await services_of(interaction).posts.create_post(chat_user(interaction), content)
    await reply(interaction, "Posted! This is how others see it:", embed=post_embed(created))


async def edit(interaction: discord.Interaction, post_id: int, content: str) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    edited = await services_of(interaction).posts.edit_post(
        chat_user(interaction), post_id, content
    )
    await reply(interaction, "Post updated:", embed=post_embed(edited))


class PostForm(Form, template=r"mb:post"):
    def __init__(self, max_length: int) -> None:
        super().__init__("New post", "post")
        self.add_item(_content_input(max_length))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await publish(interaction, values.get("content", ""))


class EditForm(Form, template=r"mb:edit:(?P<post_id>[^:]*)"):
    def __init__(self, post_id: int, body: str, max_length: int) -> None:
        super().__init__(f"Edit post #{post_id}", "edit", post_id)
        self.add_item(_content_input(max_length, default=body))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        raw = match["post_id"]
        if not raw.isdigit() or len(raw) > 18:
            raise ValidationError("post", "That is not a post number.")
        await edit(interaction, int(raw), values.get("content", ""))
