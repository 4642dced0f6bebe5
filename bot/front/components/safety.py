"""Reports and moderation: the Report button and form, the buttons on a report in the
moderators' channel, and the moderators' page buttons.

Moderator rights are enforced by ModerationService on every press and form, never by who
can see a button: a report posted in a channel is visible to whoever can read it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.domain.errors import N_, ValidationError
from bot.domain.rules import REASON_MAX_CHARS, SUSPENSION_MAX_DAYS
from bot.domain.values import ModerationEntry, Page, ReportView
from bot.front.components.base import Answered, Form, StaticView, chat_user, custom_id, services_of
from bot.front.i18n import Messages, language_of, messages, messages_in
from bot.front.rendering import COLOUR, cut, relative
from bot.front.tree import reply

_log = logging.getLogger(__name__)
_ID = r"[0-9]{1,18}"


def _reason_input(label: str) -> discord.ui.TextInput[Any]:
    # The service's own limit, so Discord stops the typing where the service would refuse.
    return discord.ui.TextInput(
        label=label,
        custom_id="reason",
        style=discord.TextStyle.paragraph,
        min_length=1,
        max_length=REASON_MAX_CHARS,
    )


# -- reporting a post ------------------------------------------------------------------------
class ReportForm(Form, template=rf"mb:report:(?P<post_id>{_ID})"):
    def __init__(self, _: Messages, post_id: int) -> None:
        super().__init__(_("Report post #{post_id}", post_id=post_id), "report", post_id)
        self.add_item(_reason_input(_("What is wrong with this post?")))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = services_of(interaction)
        report = await services.safety.report(
            chat_user(interaction), int(match["post_id"]), values.get("reason", "")
        )
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "Thank you. Report #{report} about post #{post} went to the moderators. If you "
                "do not want to see this account, /block or /mute it.",
                report=report.id,
                post=report.post_id,
            ),
        )
        await announce_report(interaction.client, services.settings.moderation, report)


class ReportButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:rp:(?P<post_id>{_ID})",
):
    """The Report button on a post card: opens the report form for that post."""

    def __init__(self, post_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("rp", post_id),
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReportButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["post_id"]), label or "Report")

    async def answer(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(ReportForm(messages(interaction), self.post_id))


async def announce_report(client: discord.Client, settings: Any, report: ReportView) -> None:
    """Posts a new report in the moderators' channel, if one is configured.

    The reporter already has their answer: a channel that fails is logged, not shown to them.
    """
    channel_id = settings.reports_channel_id
    if channel_id is None:
        return
    # The moderators' server's language, when the bot is in it; English otherwise.
    channel = client.get_channel(channel_id)
    guild = getattr(channel, "guild", None)
    _ = messages_in(language_of(guild.preferred_locale if guild is not None else None))
    try:
        await client.get_partial_messageable(channel_id).send(
            embed=report_embed(report, _),
            view=StaticView(report_buttons(report.id, _)),
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.HTTPException as error:
        _log.warning("Could not post report %s in channel %s: %s", report.id, channel_id, error)


def report_embed(report: ReportView, _: Messages, handled: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=_("Report #{report}", report=report.id), colour=COLOUR)
    embed.add_field(
        name=cut(
            _("Post #{post} by {author}", post=report.post_id, author=report.post_author), 256
        ),
        value=cut(report.post_body, 1024),
        inline=False,
    )
    embed.add_field(
        name=cut(
            _(
                "Reported by {reporter} {when}",
                reporter=report.reporter,
                when=relative(report.created_at),
            ),
            256,
        ),
        value=cut(report.reason, 1024),
        inline=False,
    )
    if handled:
        embed.set_footer(text=cut(handled, 2048))
    return embed


def report_buttons(report_id: int, _: Messages) -> list[ReportActionButton]:
    return [
        ReportActionButton(action, report_id, _(label)) for action, label in _ACTION_LABELS.items()
    ]


_ACTION_LABELS = {
    "dismiss": N_("Dismiss"),
    "remove": N_("Remove post"),
    "suspend": N_("Suspend author"),
}
_ACTION_STYLES = {
    "dismiss": discord.ButtonStyle.secondary,
    "remove": discord.ButtonStyle.danger,
    "suspend": discord.ButtonStyle.danger,
}


class ReportActionButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:rpt:(?P<action>dismiss|remove|suspend):(?P<report_id>{_ID})",
):
    """Dismiss / Remove post / Suspend author, on a report in the moderators' channel."""

    def __init__(self, action: str, report_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=_ACTION_STYLES[action],
                custom_id=custom_id("rpt", action, report_id),
            )
        )
        self.action = action
        self.report_id = report_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReportActionButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["action"], int(match["report_id"]), label or match["action"])

    async def answer(self, interaction: discord.Interaction) -> None:
        moderation = services_of(interaction).moderation
        moderator = interaction.user.id
        _ = messages(interaction)
        if self.action == "suspend":
            moderation.require_moderator(moderator)  # before showing a form; again on submit
            await interaction.response.send_modal(SuspendForm(_, self.report_id))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        if self.action == "dismiss":
            report = await moderation.dismiss(moderator, self.report_id)
            done = _("Dismissed by moderator {moderator}.", moderator=moderator)
        else:
            report = await moderation.report(moderator, self.report_id)
            await moderation.remove_post(
                moderator, report.post_id, f"Report #{report.id}: {report.reason}", report.id
            )
            done = _(
                "Post #{post} removed by moderator {moderator}.",
                post=report.post_id,
                moderator=moderator,
            )
        await _mark_handled(interaction, report, done, _)
        await reply(interaction, _("Report #{report}: {done}", report=report.id, done=done))


class SuspendForm(Form, template=rf"mb:suspend:(?P<report_id>{_ID})"):
    def __init__(self, _: Messages, report_id: int) -> None:
        super().__init__(
            _("Suspend the author of report #{report}", report=report_id), "suspend", report_id
        )
        self.add_item(_reason_input(_("Reason")))
        self.add_item(
            discord.ui.TextInput(
                label=_("Days (1-{most}; empty: until lifted)", most=SUSPENSION_MAX_DAYS),
                custom_id="days",
                required=False,
                max_length=4,
            )
        )

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        raw_days = values.get("days", "").strip()
        if raw_days and not raw_days.isdigit():
            raise ValidationError("days", "Days must be a whole number, or empty.")
        moderation = services_of(interaction).moderation
        report_id = int(match["report_id"])
        username, until = await moderation.suspend_author(
            interaction.user.id, report_id, values.get("reason", ""),
            int(raw_days) if raw_days else None,
        )  # fmt: skip
        _ = messages(interaction)
        text = (
            _(
                "**{username}** is suspended until {when}; their sessions ended.",
                username=username,
                when=relative(until),
            )
            if until
            else _(
                "**{username}** is suspended until a moderator lifts it; their sessions ended.",
                username=username,
            )
        )
        await reply(interaction, text)


async def _mark_handled(
    interaction: discord.Interaction, report: ReportView, done: str, _: Messages
) -> None:
    """The report message in the channel shows what happened, without its buttons."""
    message = interaction.message
    if message is None:
        return
    try:
        await message.edit(embed=report_embed(report, _, handled=done), view=None)
    except discord.HTTPException as error:
        _log.warning("Could not update the message of report %s: %s", report.id, error)


# -- the moderators' lists -------------------------------------------------------------------
class ModPageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:modpage:(?P<what>reports|log):(?P<before>{_ID})",
):
    """Older, under /mod reports and /mod log; checked again on every press."""

    def __init__(self, what: str, before: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("modpage", what, before),
            )
        )
        self.what = what
        self.before = before

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ModPageButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["what"], int(match["before"]), label or "Older")

    async def answer(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        moderation = services_of(interaction).moderation
        _ = messages(interaction)
        if self.what == "reports":
            page = await moderation.open_reports(interaction.user.id, self.before)
            await reply(interaction, **reports_message(page, _))
        else:
            log = await moderation.log(interaction.user.id, self.before)
            await reply(interaction, **log_message(log, _))


def reports_message(page: Page[ReportView], _: Messages) -> dict[str, Any]:
    if not page.items:
        return {"content": _("No open reports.")}
    # One row of buttons per report (Discord allows five rows: four reports and Older).
    items: list[discord.ui.Item[Any]] = []
    for row, report in enumerate(page.items[:4]):
        for button in report_buttons(report.id, _):
            button.row = row
            items.append(button)
    if page.before is not None:
        older = ModPageButton("reports", page.before, _("Older"))
        older.row = 4
        items.append(older)
    return {"embeds": [report_embed(r, _) for r in page.items[:4]], "view": StaticView(items)}


def log_message(page: Page[ModerationEntry], _: Messages) -> dict[str, Any]:
    embed = discord.Embed(title=_("Moderation log"), colour=COLOUR)
    if not page.items:
        embed.description = _("Nothing yet.")
    for entry in page.items:
        detail = f" ({entry.detail})" if entry.detail else ""
        embed.add_field(
            name=cut(f"#{entry.id} · {entry.action}{detail} · {entry.target}", 256),
            value=cut(
                _(
                    "by moderator {moderator} {when}: {reason}",
                    moderator=entry.moderator_id,
                    when=relative(entry.created_at),
                    reason=entry.reason,
                ),
                1024,
            ),
            inline=False,
        )
    message: dict[str, Any] = {"embed": embed}
    if page.before is not None:
        message["view"] = StaticView([ModPageButton("log", page.before, _("Older"))])
    return message
