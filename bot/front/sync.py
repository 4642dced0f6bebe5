"""Register slash commands with Discord only when Discord's copy differs from the code's."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands
from discord.http import Route

_log = logging.getLogger(__name__)

_COMMAND_KEYS = (
    "name", "description", "type", "default_member_permissions", "nsfw",
    "name_localizations", "description_localizations",
)  # fmt: skip
_OPTION_KEYS = (
    "type", "name", "description", "required", "autocomplete", "min_value", "max_value",
    "min_length", "max_length", "name_localizations", "description_localizations",
)  # fmt: skip
# Discord fills these in when not given; they count only where the code sets them.
_FILLED_IN = ("contexts", "integration_types")


def _plain(value: Any) -> Any:
    """Absent, null, False and empty mean the same to Discord; 0 does not.

    (A context menu has no description: Discord echoes it as "".)
    """
    if value is None or value is False or value in ("", [], {}):
        return None
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _option(option: dict[str, Any]) -> tuple[Any, ...]:
    return (
        tuple(_plain(option.get(key)) for key in _OPTION_KEYS),
        tuple((c["name"], str(c["value"])) for c in option.get("choices") or ()),
        tuple(sorted(option.get("channel_types") or ())),
        tuple(_option(o) for o in option.get("options") or ()),
    )


def _command(command: dict[str, Any], counted: tuple[str, ...]) -> tuple[Any, ...]:
    values = tuple(_plain(command.get(key)) for key in _COMMAND_KEYS)
    where = tuple(tuple(sorted(command.get(key) or ())) for key in counted)
    return (*values, where, tuple(_option(o) for o in command.get("options") or ()))


def commands_differ(local: list[dict[str, Any]], remote: list[dict[str, Any]]) -> bool:
    """Compares what users see; ids, versions and Discord's own extras are ignored."""
    if len(local) != len(remote):
        return True
    remote_by_name = {(c.get("name"), c.get("type", 1)): c for c in remote}
    for command in local:
        other = remote_by_name.get((command.get("name"), command.get("type", 1)))
        counted = tuple(key for key in _FILLED_IN if command.get(key))
        if other is None or _command(command, counted) != _command(other, counted):
            return True
    return False


async def sync_commands(bot: commands.Bot, guild_id: int | None, *, force: bool = False) -> bool:
    """Sync to the dev guild (instant) or globally; returns whether anything was sent."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    local = await _local_commands(bot, guild)
    if not force and not commands_differ(local, await _remote_commands(bot, guild_id)):
        return False
    await bot.tree.sync(guild=guild)
    _log.info("Synced %d commands %s", len(local), f"to guild {guild_id}" if guild else "globally")
    return True


async def _local_commands(
    bot: commands.Bot, guild: discord.abc.Snowflake | None
) -> list[dict[str, Any]]:
    """What ``tree.sync`` would send: with the translator's localizations when there is one."""
    tree, translator = bot.tree, bot.tree.translator
    found = tree.get_commands(guild=guild)
    if translator is None:
        return [command.to_dict(tree) for command in found]
    return [await command.get_translated_payload(tree, translator) for command in found]


async def _remote_commands(bot: commands.Bot, guild_id: int | None) -> list[dict[str, Any]]:
    # The raw JSON: discord.py's AppCommand.to_dict() leaves out default_member_permissions.
    # with_localizations: the full dictionaries rather than the one for the bot's locale.
    application_id = bot.application_id
    if application_id is None:
        raise RuntimeError("log in before syncing commands")
    if guild_id is None:
        route = Route(
            "GET", "/applications/{application_id}/commands", application_id=application_id
        )
    else:
        route = Route(
            "GET",
            "/applications/{application_id}/guilds/{guild_id}/commands",
            application_id=application_id,
            guild_id=guild_id,
        )
    return list(await bot.http.request(route, params={"with_localizations": "true"}))
