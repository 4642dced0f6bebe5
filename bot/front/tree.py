"""The one error path: every slash command, button and modal ends up here when it fails."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.domain.errors import N_, Throttled, UserError
from bot.front.i18n import Messages, messages
from bot.front.metering import ERROR, REFUSED, record_answer
from bot.front.options import BadOption, check_options, leaf_command

_log = logging.getLogger(__name__)

APOLOGY = N_("Sorry, something went wrong on our side. It has been logged; please try again.")


T = TypeVar("T")


def everywhere(command: T) -> T:
    """For the microblog's own commands: installable by a server or by a person for
    themselves, and usable in servers, DMs and group DMs."""
    command = app_commands.allowed_installs(guilds=True, users=True)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)


def server_only(command: T) -> T:
    """For server administration: only a server installs it and only servers use it."""
    command = app_commands.allowed_installs(guilds=True, users=False)(command)
    return app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)(command)


class Refused(app_commands.CheckFailure):
    """A command-level check that refused with a domain error's sentence (e.g. NotModerator).

    Checks must raise CheckFailure for discord.py to route them to the tree's on_error.
    """

    def __init__(self, error: UserError) -> None:
        super().__init__(error.message)
        self.message = error.message
        self.error = error

    def text(self, _: Messages) -> str:
        """The domain error's sentence in the reader's language."""
        error = self.error
        return _(error.template, **error.params) if error.params else _(error.template)


# Discord's permission names as its client shows them (discord.py's attribute names otherwise).
PERMISSION_NAMES = {
    "manage_channels": N_("Manage Channels"),
    "manage_guild": N_("Manage Server"),
    "manage_messages": N_("Manage Messages"),
    "moderate_members": N_("Timeout Members"),
    "ban_members": N_("Ban Members"),
    "kick_members": N_("Kick Members"),
    "administrator": N_("Administrator"),
}


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.BaseView | None = None,
    ephemeral: bool = True,
) -> None:
    """Answer an interaction whether or not it was deferred; never pings anyone.

    A Components V2 ``view`` (a LayoutView) is the whole message: no content or embeds.
    """
    kwargs: dict[str, Any] = {
        "ephemeral": ephemeral,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if isinstance(view, discord.ui.LayoutView):
        if content is not None or embed is not None or embeds is not None:
            raise ValueError("a Components V2 message carries no content or embeds")
    else:
        kwargs["content"] = content
    if embeds is not None or embed is not None:
        kwargs["embeds"] = embeds if embeds is not None else [embed]
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


def retry_time(moment: datetime) -> str:
    """``<t:…:R>``: "in 25 seconds" on the reader's client, counting down as time passes.

    Rounded up to the next whole second, so it never says to come back too early.
    """
    whole = datetime.fromtimestamp(math.ceil(moment.timestamp()), tz=UTC)
    return discord.utils.format_dt(whole, "R")


def user_message(error: BaseException, _: Messages) -> str | None:
    """The sentence to show for an expected failure (in the reader's language), or None
    for a bug."""
    while isinstance(error, (app_commands.CommandInvokeError, app_commands.TransformerError)):
        if isinstance(error, app_commands.TransformerError) and not isinstance(
            error.__cause__, UserError
        ):
            return _(
                "That value is not valid for {kind} options.",
                kind=error.transformer.type.name.lower(),
            )
        if error.__cause__ is None:
            break
        error = error.__cause__
    if isinstance(error, Throttled):
        wait = _("Try again {when}.", when=retry_time(error.retry_at))
        return f"{_(error.what)} {wait}"
    if isinstance(error, Refused):
        return error.text(_)
    if isinstance(error, (UserError, BadOption)):
        return _(error.template, **error.params) if error.params else _(error.template)
    if isinstance(error, app_commands.CommandNotFound):
        return _("That command does not exist any more. Discord may still be updating its list.")
    if isinstance(error, app_commands.CommandSignatureMismatch):
        return _("That command changed since Discord last saw it. Please try again in a minute.")
    if isinstance(error, app_commands.MissingPermissions):
        names = _(" and ").join(
            _(PERMISSION_NAMES.get(name, name.replace("_", " ").title()))
            for name in error.missing_permissions
        )
        return _("You need the {names} permission for that.", names=names)
    if isinstance(error, app_commands.NoPrivateMessage):
        return _("That command works only in a server.")
    if isinstance(error, app_commands.CheckFailure):
        return _("You cannot use that command here.")
    return None


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Domain errors become their own ephemeral text; anything else is logged and apologised for.

    Logs name the command and user, never option or modal values.
    """
    _ = messages(interaction)
    message = user_message(error, _)
    record_answer(interaction, REFUSED if message is not None else ERROR, error)
    if message is None:
        command = interaction.command.qualified_name if interaction.command else None
        custom = (interaction.data or {}).get("custom_id") if interaction.data else None
        _log.error(
            "Unhandled error in %s by user %s",
            command or custom or f"interaction type {interaction.type.value}",
            interaction.user.id,
            exc_info=error,
            extra={"command": command, "user_id": interaction.user.id, "custom_id": custom},
        )
        message = _(APOLOGY)
    try:
        await reply(interaction, message, ephemeral=True)
    except discord.HTTPException:
        _log.warning("Could not deliver an error reply to user %s", interaction.user.id)


class BotTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Re-check what Discord checks, for payloads that never went through Discord."""
        if interaction.type is discord.InteractionType.application_command:
            data: dict[str, Any] = dict(interaction.data or {})  # type: ignore[arg-type]
            command, options = leaf_command(self, data, interaction.guild_id)
            if command is not None:
                check_options(command, options)
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)
