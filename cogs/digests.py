"""/digest: feed summaries posted into channels on a schedule.

Who may change subscriptions: members with Manage Channels. Declared as the group's
default permission (Discord hides the commands from others) and enforced by a check on
every change, since server admins can override the declaration.
"""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import UserError
from bot.front.cards import summary_card
from bot.front.client import MicroblogBot
from bot.front.i18n import Messages, messages
from bot.front.rendering import COLOUR, cut, relative
from bot.front.tree import reply, server_only
from bot.services.digests import DigestService, SubscriptionView

INTERVAL_SUGGESTIONS = ["15m", "30m", "1h", "3h", "6h", "12h", "1d", "3d", "7d"]
LIST_LIMIT = 25  # embed fields
can_manage = app_commands.checks.has_permissions(manage_channels=True)


@server_only
@app_commands.default_permissions(manage_channels=True)
class DigestsCog(commands.GroupCog, group_name="digest", group_description="Feed summaries"):
    def __init__(self, digests: DigestService) -> None:
        super().__init__()
        self.digests = digests

    @app_commands.command()
    @app_commands.describe(
        channel="Where the summaries go",
        interval="How often: 15m to 7d (e.g. 30m, 6h, 1d)",
        author="Only this microblog user's posts (default: everyone's)",
        min_posts="Skip a summary until at least this many new posts arrived (default 1)",
    )
    @can_manage
    async def subscribe(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        interval: app_commands.Range[str, 1, 20],
        author: app_commands.Range[str, 1, 32] | None = None,
        min_posts: app_commands.Range[int, 1, 100] = 1,
    ) -> None:
        """Post a summary of new microblog posts into a channel on a schedule."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = _guild_id(interaction)
        if channel.guild.id != guild_id:
            raise UserError("Pick a channel of this server.")
        me = channel.guild.me
        if me is not None:
            allowed = channel.permissions_for(me)
            if not (allowed.view_channel and allowed.send_messages and allowed.embed_links):
                raise UserError(
                    "I cannot post in {channel}: I need View Channel, Send Messages "
                    "and Embed Links there.",
                    channel=channel.mention,
                )
        created = await self.digests.subscribe(
            guild_id=guild_id,
            channel_id=channel.id,
            interval=interval,
            author=author,
            min_posts=min_posts,
            created_by=str(interaction.user.id),
        )
        _ = messages(interaction)
        scope, often = _scope(created, _), every(created.interval, _)
        await reply(
            interaction,
            _(
                "Summary #{id}: {scope} in {channel}, {every}; the first one {when}.",
                id=created.id,
                scope=scope,
                channel=channel.mention,
                every=often,
                when=relative(created.next_due_at),
            ),
        )

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """Show this server's summary subscriptions and their state."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        subscriptions = await self.digests.list(_guild_id(interaction))
        _ = messages(interaction)
        embed = discord.Embed(title=_("Feed summaries in this server"), colour=COLOUR)
        if not subscriptions:
            embed.description = _("None yet. Add one with /digest subscribe.")
        for view in subscriptions[:LIST_LIMIT]:
            embed.add_field(
                name=f"#{view.id} · <#{view.channel_id}>"[:256],
                value=_state(view, _),
                inline=False,
            )
        if len(subscriptions) > LIST_LIMIT:
            more = len(subscriptions) - LIST_LIMIT
            embed.set_footer(text=_.ngettext("…and {count} more.", "…and {count} more.", more))
        await reply(interaction, embed=embed)

    @app_commands.command()
    @app_commands.describe(subscription="The summary to stop")
    @can_manage
    async def unsubscribe(
        self, interaction: discord.Interaction, subscription: app_commands.Range[int, 1]
    ) -> None:
        """Stop a channel's summaries."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await self.digests.unsubscribe(_guild_id(interaction), subscription)
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "Summary #{id} in {channel} removed.",
                id=removed.id,
                channel=f"<#{removed.channel_id}>",
            ),
        )

    @app_commands.command()
    @app_commands.describe(subscription="The summary to pause")
    @can_manage
    async def pause(
        self, interaction: discord.Interaction, subscription: app_commands.Range[int, 1]
    ) -> None:
        """Pause a channel's summaries until /digest resume."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        paused = await self.digests.pause(
            _guild_id(interaction), subscription, by=interaction.user.mention
        )
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "Summary #{id} in {channel} paused.",
                id=paused.id,
                channel=f"<#{paused.channel_id}>",
            ),
        )

    @app_commands.command()
    @app_commands.describe(subscription="The summary to resume")
    @can_manage
    async def resume(
        self, interaction: discord.Interaction, subscription: app_commands.Range[int, 1]
    ) -> None:
        """Resume a paused summary (also after fixing the bot's permissions)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        resumed = await self.digests.resume(_guild_id(interaction), subscription)
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "Summary #{id} in {channel} resumed; the next one {when}.",
                id=resumed.id,
                channel=f"<#{resumed.channel_id}>",
                when=relative(resumed.next_due_at),
            ),
        )

    @app_commands.command()
    @app_commands.describe(subscription="The summary to preview")
    async def preview(
        self, interaction: discord.Interaction, subscription: app_commands.Range[int, 1]
    ) -> None:
        """Show (only to you) what the next summary would post."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await self.digests.preview(_guild_id(interaction), subscription)
        _ = messages(interaction)
        if summary is None:
            await reply(
                interaction, _("Nothing new since the last summary: nothing would be posted.")
            )
            return
        card = summary_card(summary, _, intro=_("The next summary, if it were sent now:"))
        await reply(interaction, view=card)

    @subscribe.autocomplete("interval")
    async def _intervals(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().lower()
        return [
            app_commands.Choice(name=value, value=value)
            for value in INTERVAL_SUGGESTIONS
            if value.startswith(typed) or not typed
        ]

    @unsubscribe.autocomplete("subscription")
    @pause.autocomplete("subscription")
    @resume.autocomplete("subscription")
    @preview.autocomplete("subscription")
    async def _subscriptions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        try:
            found = await self.digests.list(interaction.guild_id)
        except Exception:  # autocomplete cannot show errors; no suggestions says enough
            return []
        channel_names = (
            {c.id: c.name for c in interaction.guild.channels} if interaction.guild else {}
        )
        _ = messages(interaction)
        choices = [
            app_commands.Choice(
                name=cut(
                    f"#{view.id} · #{channel_names.get(view.channel_id, view.channel_id)} · "
                    f"{_scope(view, _)} · {every(view.interval, _)}",
                    100,
                ),
                value=view.id,
            )
            for view in found
        ]
        typed = current.strip().lstrip("#")
        return [c for c in choices if typed in c.name][:25]


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserError("Feed summaries belong to a server: use /digest in a server channel.")
    return interaction.guild_id


def _scope(view: SubscriptionView, _: Messages) -> str:
    return _("posts by {author}", author=view.author) if view.author else _("all posts")


def every(interval: timedelta, _: Messages) -> str:
    """ "every 6 hours", in the reader's language (intervals are whole minutes)."""
    seconds = int(interval.total_seconds())
    if seconds % 86400 == 0:
        return _.ngettext("every day", "every {count} days", seconds // 86400)
    if seconds % 3600 == 0:
        return _.ngettext("every hour", "every {count} hours", seconds // 3600)
    return _.ngettext("every minute", "every {count} minutes", max(1, seconds // 60))


def _state(view: SubscriptionView, _: Messages) -> str:
    # Worked out first: Babel's extractor takes a ``_`` among the arguments for a new call.
    scope, often = _scope(view, _).capitalize(), every(view.interval, _)
    lines = [
        _.ngettext(
            "{scope}, {every}, when at least {count} new post.",
            "{scope}, {every}, when at least {count} new posts.",
            view.min_posts,
            scope=scope,
            every=often,
        )
    ]
    if view.active:
        lines.append(_("Active: next {when}.", when=relative(view.next_due_at)))
    else:
        reason = view.status_reason or _("no reason given")
        lines.append(_("**Paused**: {reason}", reason=reason))
    if view.last_error:
        lines.append(_("Last error (will retry): {error}", error=view.last_error))
    return cut("\n".join(lines), 1024)


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(DigestsCog(bot.services.digests))
