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

from bot.domain.errors import ValidationError
from bot.domain.rules import REASON_MAX_CHARS, SUSPENSION_MAX_DAYS
from bot.domain.values import ModerationEntry, Page, ReportView
from bot.front.components.base import Answered, Form, StaticView, chat_user, custom_id, services_of
from bot.front.rendering import COLOUR, cut, relative
from bot.front.tree import reply

_log = logging.getLogger(__name__)
_ID = r"[0-9]{1,18}"


def _reason_input(label: str = "Reason") -> discord.ui.TextInput[Any]:
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
    def __init__(self, post_id: int) -> None:
        super().__init__(f"Report post #{post_id}", "report", post_id)
        self.add_item(_reason_input("What is wrong with this post?"))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = services_of(interaction)
        report = await services.safety.report(
            chat_user(interaction), int(match["post_id"]), values.get("reason", "")
        )
        await reply(
            interaction,
            f"Thank you. Report #{report.id} about post #{report.post_id} went to the "
            "moderators. If you do not want to see this account, /block or /mute it.",
        )
        await announce_report(interaction.client, services.settings.moderation, report)


class ReportButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:rp:(?P<post_id>{_ID})",
):
    """The Report button on a post card: opens the report form for that post."""

    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Report",
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("rp", post_id),
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReportButton:
        return cls(int(match["post_id"]))

    async def answer(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(ReportForm(self.post_id))


async def announce_report(client: discord.Client, settings: Any, report: ReportView) -> None:
    """Posts a new report in the moderators' channel, if one is configured.

    The reporter already has their answer: a channel that fails is logged, not shown to them.
    """
    channel_id = settings.reports_channel_id
    if channel_id is None:
        return
    try:
        await client.get_partial_messageable(channel_id).send(
            embed=report_embed(report),
            view=StaticView(report_buttons(report.id)),
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.HTTPException as error:
        _log.warning("Could not post report %s in channel %s: %s", report.id, channel_id, error)


def report_embed(report: ReportView, handled: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=f"Report #{report.id}", colour=COLOUR)
    embed.add_field(
        name=cut(f"Post #{report.post_id} by {report.post_author}", 256),
        value=cut(report.post_body, 1024),
        inline=False,
    )
    embed.add_field(
        name=cut(f"Reported by {report.reporter} {relative(report.created_at)}", 256),
        value=cut(report.reason, 1024),
        inline=False,
    )
    if handled:
        embed.set_footer(text=cut(handled, 2048))
    return embed


def report_buttons(report_id: int) -> list[ReportActionButton]:
    return [
        ReportActionButton("dismiss", report_id),
        ReportActionButton("remove", report_id),
        ReportActionButton("suspend", report_id),
    ]


_ACTION_LABELS = {"dismiss": "Dismiss", "remove": "Remove post", "suspend": "Suspend author"}
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

    def __init__(self, action: str, report_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_ACTION_LABELS[action],
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
        return cls(match["action"], int(match["report_id"]))

    async def answer(self, interaction: discord.Interaction) -> None:
        moderation = services_of(interaction).moderation
        moderator = interaction.user.id
        if self.action == "suspend":
            moderation.require_moderator(moderator)  # before showing a form; again on submit
            await interaction.response.send_modal(SuspendForm(self.report_id))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        if self.action == "dismiss":
            report = await moderation.dismiss(moderator, self.report_id)
            done = f"Dismissed by moderator {moderator}."
        else:
            report = await moderation.report(moderator, self.report_id)
            await moderation.remove_post(
                moderator, report.post_id, f"Report #{report.id}: {report.reason}", report.id
            )
            done = f"Post #{report.post_id} removed by moderator {moderator}."
        await _mark_handled(interaction, report, done)
        await reply(interaction, f"Report #{report.id}: {done}")


class SuspendForm(Form, template=rf"mb:suspend:(?P<report_id>{_ID})"):
    def __init__(self, report_id: int) -> None:
        super().__init__(f"Suspend the author of report #{report_id}", "suspend", report_id)
        self.add_item(_reason_input())
        self.add_item(
            discord.ui.TextInput(
                label=f"Days (1-{SUSPENSION_MAX_DAYS}; empty: until lifted)",
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
        when = f"until {relative(until)}" if until else "until a moderator lifts it"
        await reply(interaction, f"**{username}** is suspended {when}; their sessions ended.")


async def _mark_handled(interaction: discord.Interaction, report: ReportView, done: str) -> None:
    """The report message in the channel shows what happened, without its buttons."""
    message = interaction.message
    if message is None:
        return
    try:
        await message.edit(embed=report_embed(report, handled=done), view=None)
    except discord.HTTPException as error:
        _log.warning("Could not update the message of report %s: %s", report.id, error)


# -- the moderators' lists -------------------------------------------------------------------
class ModPageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"mb:modpage:(?P<what>reports|log):(?P<before>{_ID})",
):
    """Older, under /mod reports and /mod log; checked again on every press."""

    def __init__(self, what: str, before: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Older",
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
        return cls(match["what"], int(match["before"]))

    async def answer(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        moderation = services_of(interaction).moderation
        if self.what == "reports":
            page = await moderation.open_reports(interaction.user.id, self.before)
            await reply(interaction, **reports_message(page))
        else:
            log = await moderation.log(interaction.user.id, self.before)
            await reply(interaction, **log_message(log))


def reports_message(page: Page[ReportView]) -> dict[str, Any]:
    if not page.items:
        return {"content": "No open reports."}
    # One row of buttons per report (Discord allows five rows: four reports and Older).
    items: list[discord.ui.Item[Any]] = []
    for row, report in enumerate(page.items[:4]):
        for button in report_buttons(report.id):
            button.row = row
            items.append(button)
    if page.before is not None:
        older = ModPageButton("reports", page.before)
        older.row = 4
        items.append(older)
    return {"embeds": [report_embed(r) for r in page.items[:4]], "view": StaticView(items)}


def log_message(page: Page[ModerationEntry]) -> dict[str, Any]:
    embed = discord.Embed(title="Moderation log", colour=COLOUR)
    if not page.items:
        embed.description = "Nothing yet."
    for entry in page.items:
        detail = f" ({entry.detail})" if entry.detail else ""
        embed.add_field(
            name=cut(f"#{entry.id} · {entry.action}{detail} · {entry.target}", 256),
            value=cut(
                f"by moderator {entry.moderator_id} {relative(entry.created_at)}: {entry.reason}",
                1024,
            ),
            inline=False,
        )
    message: dict[str, Any] = {"embed": embed}
    if page.before is not None:
        message["view"] = StaticView([ModPageButton("log", page.before)])
    return message
