"""/account: your own account: profile, password, export, delete, blocks and mutes.

Passwords only ever travel in forms."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.client import MicroblogBot
from bot.front.components import (
    DeleteAccountForm,
    PasswordForm,
    ProfileForm,
    chat_user,
    export_file,
)
from bot.front.rendering import COLOUR, cut, relative
from bot.front.tree import reply
from bot.services.accounts import AccountService
from bot.services.safety import SafetyService
from bot.services.social import SocialService


class AccountCog(commands.GroupCog, group_name="account", group_description="Your account"):
    def __init__(
        self, accounts: AccountService, safety: SafetyService, social: SocialService
    ) -> None:
        super().__init__()
        self.accounts = accounts
        self.safety = safety
        self.social = social

    @app_commands.command()
    async def profile(self, interaction: discord.Interaction) -> None:
        """Change your display name and bio (opens a private form)."""
        # A modal must be the first response: this only reads (WAL readers never wait).
        current = await self.social.profile(chat_user(interaction), touch=False)
        await interaction.response.send_modal(ProfileForm(current.display_name, current.bio))

    @app_commands.command()
    async def password(self, interaction: discord.Interaction) -> None:
        """Change your password (a private form); your other sessions end."""
        await interaction.response.send_modal(PasswordForm())

    @app_commands.command()
    async def export(self, interaction: discord.Interaction) -> None:
        """Download everything the bot stores about your account (a JSON file only you see)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.accounts.export(chat_user(interaction))
        username = data["profile"]["username"]
        file = export_file(
            data, f"microblog-{username}.json", getattr(interaction, "filesize_limit", None)
        )
        await interaction.followup.send(
            f"Everything stored about **{username}**: profile, posts, blocks, mutes, reports "
            "you made and sessions.",
            file=file,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command()
    async def delete(self, interaction: discord.Interaction) -> None:
        """Delete your account and everything it holds, for good (a private form)."""
        await interaction.response.send_modal(DeleteAccountForm())

    @app_commands.command()
    async def blocked(self, interaction: discord.Interaction) -> None:
        """The accounts you blocked and muted."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        blocked, muted = await self.safety.relations(chat_user(interaction))
        embed = discord.Embed(title="Blocked and muted", colour=COLOUR)
        for title, rows in (("Blocked", blocked), ("Muted", muted)):
            lines = [f"**{row.username}** since {relative(row.since)}" for row in rows]
            embed.add_field(
                name=f"{title} ({len(rows)})", value=cut("\n".join(lines) or "Nobody.", 1024),
                inline=False,
            )  # fmt: skip
        await reply(interaction, embed=embed)


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(AccountCog(bot.services.accounts, bot.services.safety, bot.services.social))
