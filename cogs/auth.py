"""/register, /login, /logout, /whoami. Passwords only ever travel in forms (modals)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.client import MicroblogBot
from bot.front.components import LoginForm, RegisterForm, chat_user
from bot.front.tree import reply
from bot.services.auth import AuthService


class AuthCog(commands.Cog):
    def __init__(self, auth: AuthService) -> None:
        self.auth = auth

    @app_commands.command()
    async def register(self, interaction: discord.Interaction) -> None:
        """Create a microblog account (opens a private form)."""
        await interaction.response.send_modal(RegisterForm())

    @app_commands.command()
    async def login(self, interaction: discord.Interaction) -> None:
        """Log in to your microblog account (opens a private form)."""
        await interaction.response.send_modal(LoginForm())

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


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(AuthCog(bot.services.auth))
