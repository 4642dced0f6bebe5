"""The account forms: register and log in. Passwords only ever travel in these modals."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.front.components.base import Form, chat_user, services_of
from bot.front.i18n import Messages, messages
from bot.front.tree import reply


def _username(_: Messages) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput(
        label=_("Username"), custom_id="username", min_length=3, max_length=32
    )


def password_input(
    label: str, field: str, placeholder: str | None = None
) -> discord.ui.TextInput[Any]:
    # Discord has no masked text input; the modal is private to the person typing.
    # Longer than bcrypt's 72 bytes on purpose: Discord would silently cut a pasted password
    # at max_length; the service refuses long ones with a message instead.
    return discord.ui.TextInput(
        label=label, custom_id=field, min_length=1, max_length=256, placeholder=placeholder
    )


class RegisterForm(Form, template=r"mb:register"):
    def __init__(self, _: Messages) -> None:
        super().__init__(_("Create your account"), "register")
        self.add_item(_username(_))
        # Discord modals hold no free text: the warning lives in the field itself.
        self.add_item(
            password_input(
                _("Password (not your Discord password)"),
                "password",
                placeholder=_("A new password, not the one you use for Discord"),
            )
        )
        self.add_item(password_input(_("Repeat the password"), "password_repeat"))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # bcrypt takes a while
        account = await services_of(interaction).auth.register(
            chat_user(interaction),
            values.get("username", ""),
            values.get("password", ""),
            values.get("password_repeat", ""),
        )
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "Welcome, **{username}**! Your account is ready and you are logged in. "
                "Try /post next.",
                username=account.username,
            ),
        )


class LoginForm(Form, template=r"mb:login"):
    def __init__(self, _: Messages) -> None:
        super().__init__(_("Log in"), "login")
        self.add_item(_username(_))
        self.add_item(password_input(_("Password"), "password"))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await services_of(interaction).auth.login(
            chat_user(interaction), values.get("username", ""), values.get("password", "")
        )
        _ = messages(interaction)
        text = _("Logged in as **{username}**.", username=result.account.username)
        if result.previous_username:
            text += " " + _(
                "(You were logged in as **{username}** before.)",
                username=result.previous_username,
            )
        await reply(interaction, text)
