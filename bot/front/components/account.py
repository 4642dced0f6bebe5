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
from bot.front.tree import reply

# Discord's upload limit without boosts, for an interaction that does not say its own.
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024


class PasswordForm(Form, template=r"mb:password"):
    def __init__(self) -> None:
        super().__init__("Change your password", "password")
        self.add_item(password_input("Current password", "current_password"))
        self.add_item(password_input("New password (not your Discord one)", "password"))
        self.add_item(password_input("Repeat the new password", "password_repeat"))

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
        others = (
            f" {ended} other chat session{'s' if ended != 1 else ''} of this account ended."
            if ended
            else ""
        )
        await reply(interaction, f"Your password is changed; you stay logged in here.{others}")


class DeleteAccountForm(Form, template=r"mb:delete-account"):
    def __init__(self) -> None:
        super().__init__("Delete your account for good", "delete-account")
        self.add_item(password_input("Your password", "password"))
        self.add_item(
            discord.ui.TextInput(
                label="Type DELETE to delete everything",
                custom_id="confirm",
                placeholder="DELETE",
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
        await reply(
            interaction,
            f"The account **{username}** is deleted: its posts, follows, blocks, sessions and "
            "reports are gone, and the name is free. Goodbye!",
        )


def export_file(data: dict[str, Any], filename: str, limit: int | None) -> discord.File:
    """The export as a JSON file, encoded piece by piece and given up on past ``limit``
    bytes, so a huge history never sits in memory twice or fails at Discord."""
    cap = limit or DEFAULT_ATTACHMENT_LIMIT
    buffer = io.BytesIO()
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(data):
        buffer.write(chunk.encode("utf-8"))
        if buffer.tell() > cap:
            raise ExportTooLarge(buffer.tell(), cap)
    buffer.seek(0)
    return discord.File(buffer, filename=filename, description="Your microblog data (JSON)")
