"""Register slash commands with Discord only when Discord's copy differs from the code's."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

_log = logging.getLogger(__name__)

_COMMAND_KEYS = ("name", "description", "type", "default_member_permissions", "nsfw")
_OPTION_KEYS = (
    "type",
    "name",
    "description",
    "required",
    "autocomplete",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
)


def _option(option: dict[str, Any]) -> tuple[Any, ...]:
    return (
        tuple(option.get(key) or None for key in _OPTION_KEYS),
        tuple((c["name"], c["value"]) for c in option.get("choices") or ()),
        tuple(sorted(option.get("channel_types") or ())),
        tuple(_option(o) for o in option.get("options") or ()),
    )


def _command(command: dict[str, Any]) -> tuple[Any, ...]:
    values = tuple(str(command.get(key) or "") for key in _COMMAND_KEYS)
    return (*values, tuple(_option(o) for o in command.get("options") or ()))


def commands_differ(local: list[dict[str, Any]], remote: list[dict[str, Any]]) -> bool:
    """Compares what matters to users; ids, versions and Discord's own extras are ignored."""
    return sorted(map(_command, local)) != sorted(map(_command, remote))


async def sync_commands(bot: commands.Bot, guild_id: int | None, *, force: bool = False) -> bool:
    """Sync to the dev guild (instant) or globally; returns whether anything was sent."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    local = [command.to_dict(bot.tree) for command in bot.tree.get_commands(guild=guild)]
    if not force:
        remote = [command.to_dict() for command in await bot.tree.fetch_commands(guild=guild)]
        if not commands_differ(local, remote):
            return False
    await bot.tree.sync(guild=guild)
    _log.info("Synced %d commands %s", len(local), f"to guild {guild_id}" if guild else "globally")
    return True
