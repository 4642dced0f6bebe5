"""/account forms (change password, delete the account) and the data export file."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import discord

from bot.domain.errors import ExportTooLarge
from bot.front.components.auth import password_input
from bot.front.components.base import Form, chat_user, services_of
from bot.front.i18n import Messages, messages
from bot.front.tree import reply

CONFIRM_WORD = "DELETE"
# Discord's upload limit without boosts, for an interaction that does not say its own.
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024


class PasswordForm(Form, template=r"mb:password"):
    def __init__(self, _: Messages) -> None:
        super().__init__(_("Change your password"), "password")
        self.add_item(password_input(_("Current password"), "current_password"))
        self.add_item(password_input(_("New password (not your Discord one)"), "password"))
        self.add_item(password_input(_("Repeat the new password"), "password_repeat"))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # bcrypt, twice
        ended = await services_of(interaction).accounts.change_password(
            chat_user(interaction),
            values.get("current_password", ""),
            values.get("password", ""),
            values.get("password_repeat", ""),
        )
        _ = messages(interaction)
        text = _("Your password is changed; you stay logged in here.")
        if ended:
            text += " " + _.ngettext(
                "{count} other chat session of this account ended.",
                "{count} other chat sessions of this account ended.",
                ended,
            )
        await reply(interaction, text)


class DeleteAccountForm(Form, template=r"mb:delete-account"):
    def __init__(self, _: Messages) -> None:
        super().__init__(_("Delete your account for good"), "delete-account")
        self.add_item(password_input(_("Your password"), "password"))
        # The word to type stays DELETE in every language: the service checks for it.
        self.add_item(
            discord.ui.TextInput(
                label=_("Type DELETE to delete everything"),
                custom_id="confirm",
                placeholder=CONFIRM_WORD,
                min_length=1,
                max_length=20,
            )
        )

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        username = await services_of(interaction).accounts.delete_account(
            chat_user(interaction), values.get("password", ""), values.get("confirm", "")
        )
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "The account **{username}** is deleted: its posts, follows, blocks, sessions "
                "and reports are gone, and the name is free. Goodbye!",
                username=username,
            ),
        )


def export_file(
    data: dict[str, Any], filename: str, limit: int | None, _: Messages
) -> discord.File:
    """The export as a JSON file, encoded piece by piece and given up on past ``limit``
    bytes, so a huge history never sits in memory twice or fails at Discord."""
    cap = limit or DEFAULT_ATTACHMENT_LIMIT
    buffer = io.BytesIO()
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(data):
        buffer.write(chunk.encode("utf-8"))
        if buffer.tell() > cap:
            raise ExportTooLarge(buffer.tell(), cap)
    buffer.seek(0)
    return discord.File(buffer, filename=filename, description=_("Your microblog data (JSON)"))
