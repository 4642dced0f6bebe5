"""/mod: the bot's moderators ([moderation] moderators, Discord user ids).

Anyone can see the group (moderators are not a Discord permission), but every command is
refused privately to others, and ModerationService checks again on every action, so a
forged payload changes nothing.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import NotModerator
from bot.domain.rules import REASON_MAX_CHARS, SUSPENSION_MAX_DAYS
from bot.front.client import MicroblogBot
from bot.front.components import log_message, reports_message
from bot.front.i18n import messages
from bot.front.rendering import relative
from bot.front.tree import Refused, reply
from bot.services.moderation import ModerationService
from cogs.safety import Username, usernames

Reason = app_commands.Range[str, 1, REASON_MAX_CHARS]


class ModerationCog(commands.GroupCog, group_name="mod", group_description="Moderators only"):
    def __init__(self, moderation: ModerationService) -> None:
        super().__init__()
        self.moderation = moderation

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Refused before anything runs; the service refuses again on its own.
        if not self.moderation.is_moderator(interaction.user.id):
            raise Refused(NotModerator())
        return True

    @app_commands.command()
    @app_commands.describe(post="The post to remove", reason="Why (kept in the moderation log)")
    async def remove(
        self, interaction: discord.Interaction, post: app_commands.Range[int, 1], reason: Reason
    ) -> None:
        """Remove a post everywhere; its thread shows "removed by a moderator"."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        post_id, author = await self.moderation.remove_post(interaction.user.id, post, reason)
        _ = messages(interaction)
        await reply(
            interaction, _("Post #{post} by **{author}** removed.", post=post_id, author=author)
        )

    @app_commands.command()
    @app_commands.describe(
        user="The microblog username",
        reason="Why (kept in the moderation log)",
        days="How long (default: until /mod unsuspend)",
    )
    @app_commands.autocomplete(user=usernames)
    async def suspend(
        self,
        interaction: discord.Interaction,
        user: Username,
        reason: Reason,
        days: app_commands.Range[int, 1, SUSPENSION_MAX_DAYS] | None = None,
    ) -> None:
        """Suspend an account: no login, posting or interaction; its posts are hidden."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        name, until = await self.moderation.suspend(interaction.user.id, user, reason, days)
        _ = messages(interaction)
        text = (
            _(
                "**{username}** is suspended until {when}; their sessions ended.",
                username=name,
                when=relative(until),
            )
            if until
            else _(
                "**{username}** is suspended until /mod unsuspend; their sessions ended.",
                username=name,
            )
        )
        await reply(interaction, text)

    @app_commands.command()
    @app_commands.describe(user="The microblog username")
    @app_commands.autocomplete(user=usernames)
    async def unsuspend(self, interaction: discord.Interaction, user: Username) -> None:
        """Lift a suspension."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = await self.moderation.unsuspend(interaction.user.id, user)
        _ = messages(interaction)
        await reply(interaction, _("**{name}** is no longer suspended.", name=name))

    @app_commands.command()
    async def reports(self, interaction: discord.Interaction) -> None:
        """Open reports, newest first, with their buttons."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        page = await self.moderation.open_reports(interaction.user.id)
        await reply(interaction, **reports_message(page, messages(interaction)))

    @app_commands.command()
    @app_commands.describe(post="The post")
    async def who(self, interaction: discord.Interaction, post: app_commands.Range[int, 1]) -> None:
        """Which Discord user wrote a post (the lookup is logged)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        post_id, author, discord_id = await self.moderation.who(interaction.user.id, post)
        _ = messages(interaction)
        if discord_id is None:
            text = _(
                "Post #{post} by **{author}** was written before the bot recorded who wrote posts.",
                post=post_id,
                author=author,
            )
        else:
            text = _(
                "Post #{post} by **{author}** was written by <@{user}> ({user}).",
                post=post_id,
                author=author,
                user=discord_id,
            )
        await reply(interaction, text)

    @app_commands.command()
    async def log(self, interaction: discord.Interaction) -> None:
        """The moderation log: who did what, why and when."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        page = await self.moderation.log(interaction.user.id)
        await reply(interaction, **log_message(page, messages(interaction)))


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(ModerationCog(bot.services.moderation))
