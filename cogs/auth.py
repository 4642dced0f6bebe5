"""/register, /login, /logout, /whoami. Passwords only ever travel in forms (modals)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.client import MicroblogBot
from bot.front.components import LoginForm, RegisterForm, chat_user, dm_off_text, unread_text
from bot.front.i18n import messages
from bot.front.tree import everywhere, reply
from bot.services.auth import AuthService
from bot.services.notifications import NotificationService


class AuthCog(commands.Cog):
    def __init__(self, auth: AuthService, notifications: NotificationService) -> None:
        self.auth = auth
        self.notifications = notifications

    @everywhere
    @app_commands.command()
    async def register(self, interaction: discord.Interaction) -> None:
        """Create a microblog account (opens a private form)."""
        await interaction.response.send_modal(RegisterForm(messages(interaction)))

    @everywhere
    @app_commands.command()
    async def login(self, interaction: discord.Interaction) -> None:
        """Log in to your microblog account (opens a private form)."""
        await interaction.response.send_modal(LoginForm(messages(interaction)))

    @everywhere
    @app_commands.command()
    async def logout(self, interaction: discord.Interaction) -> None:
        """Log out of the microblog on this Discord account."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        username = await self.auth.logout(chat_user(interaction))
        _ = messages(interaction)
        await reply(
            interaction, _("Logged out of **{username}**. See you soon.", username=username)
        )

    @everywhere
    @app_commands.command()
    async def whoami(self, interaction: discord.Interaction) -> None:
        """Show which microblog account you are logged into."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        chat = chat_user(interaction)
        session = await self.auth.current_session(chat)
        unread, dm = await self.notifications.status(chat)
        _ = messages(interaction)
        text = _(
            "You are logged in as **{username}** (since {since}; the session ends {ends} "
            "unless you use it).",
            username=session.account.username,
            since=discord.utils.format_dt(session.logged_in_at, "R"),
            ends=discord.utils.format_dt(session.expires_at, "R"),
        )
        if unread:
            text += "\n" + unread_text(unread, _) + ": /notifications"
        off = dm_off_text(dm.off_reason if dm is not None and not dm.enabled else None, _)
        if off:
            text += "\n" + off
        await reply(interaction, text)


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(AuthCog(bot.services.auth, bot.services.notifications))
