"""/register, /login, /logout, /whoami. Passwords only ever travel in modals."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.client import MicroblogBot
from bot.front.routing import RoutedModal, chat_user, modal_values
from bot.front.tree import reply
from bot.services.auth import AuthService

REGISTER_ROUTE = "register"
LOGIN_ROUTE = "login"


def _username() -> discord.ui.TextInput:  # type: ignore[type-arg]
    return discord.ui.TextInput(label="Username", custom_id="username", min_length=3, max_length=32)


def _password(label: str, field: str) -> discord.ui.TextInput:  # type: ignore[type-arg]
    # Discord has no masked text input; the modal is private to the person typing.
    # Longer than bcrypt's 72 bytes on purpose: Discord would silently cut a pasted password
    # at max_length; the service refuses long ones with a message instead.
    return discord.ui.TextInput(label=label, custom_id=field, min_length=1, max_length=256)


class CredentialsModal(RoutedModal):
    def __init__(self, title: str, route: str, *, repeat: bool) -> None:
        super().__init__(title, route)
        self.add_item(_username())
        self.add_item(_password("Password", "password"))
        if repeat:
            self.add_item(_password("Repeat the password", "password_repeat"))


class AuthCog(commands.Cog):
    def __init__(self, bot: MicroblogBot, auth: AuthService) -> None:
        self.auth = auth
        bot.router.add(REGISTER_ROUTE, self.on_register_submit)
        bot.router.add(LOGIN_ROUTE, self.on_login_submit)
        self.bot = bot

    async def cog_unload(self) -> None:
        self.bot.router.remove(REGISTER_ROUTE)
        self.bot.router.remove(LOGIN_ROUTE)

    @app_commands.command()
    async def register(self, interaction: discord.Interaction) -> None:
        """Create a microblog account (opens a private form)."""
        await interaction.response.send_modal(
            CredentialsModal("Create your account", REGISTER_ROUTE, repeat=True)
        )

    @app_commands.command()
    async def login(self, interaction: discord.Interaction) -> None:
        """Log in to your microblog account (opens a private form)."""
        await interaction.response.send_modal(CredentialsModal("Log in", LOGIN_ROUTE, repeat=False))

    @app_commands.command()
    async def logout(self, interaction: discord.Interaction) -> None:
        """Log out of the microblog on this Discord account."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        username = await self.auth.logout(chat_user(interaction))
        await reply(interaction, f"Logged out of **{username}**. See you soon.")

    @app_commands.command()
    async def whoami(self, interaction: discord.Interaction) -> None:
        """Show which microblog account you are logged into."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        session = await self.auth.current_session(chat_user(interaction))
        await reply(
            interaction,
            f"You are logged in as **{session.account.username}** "
            f"(since {discord.utils.format_dt(session.logged_in_at, 'R')}; "
            f"the session ends {discord.utils.format_dt(session.expires_at, 'R')} "
            "unless you use it).",
        )

    async def on_register_submit(self, interaction: discord.Interaction, _args: list[str]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # bcrypt takes a while
        values = modal_values(interaction)
        account = await self.auth.register(
            chat_user(interaction),
            values.get("username", ""),
            values.get("password", ""),
            values.get("password_repeat", ""),
        )
        await reply(
            interaction,
            f"Welcome, **{account.username}**! Your account is ready and you are logged in. "
            "Try /post next.",
        )

    async def on_login_submit(self, interaction: discord.Interaction, _args: list[str]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        values = modal_values(interaction)
        result = await self.auth.login(
            chat_user(interaction), values.get("username", ""), values.get("password", "")
        )
        text = f"Logged in as **{result.account.username}**."
        if result.previous_username:
            text += f" (You were logged in as **{result.previous_username}** before.)"
        await reply(interaction, text)


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(AuthCog(bot, bot.services.auth))
