"""Discord's own checks on slash-command options, done again.

Discord validates option types, lengths and ranges before it sends an interaction, and
discord.py trusts it. A hostile client (or a forged payload) skips Discord, so the tree
repeats the checks before any command runs: nothing malformed reaches a service.
"""

from __future__ import annotations

from typing import Any

from discord import AppCommandOptionType, app_commands

_SUBCOMMAND_TYPES = {1, 2}
_JSON_SAFE_INTEGER = 2**53  # Discord's integer options stay within JavaScript's safe range


class BadOption(app_commands.AppCommandError):
    """An option Discord itself would have refused; ``str()`` says which and why.

    Like a domain error it keeps its English template and values (``template``,
    ``params``), so the reply can be translated.
    """

    def __init__(self, message: str, /, **params: Any) -> None:
        self.template = message
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)


def leaf_command(
    tree: app_commands.CommandTree, data: dict[str, Any], guild_id: int | None
) -> tuple[app_commands.Command[Any, ..., Any] | None, list[dict[str, Any]]]:
    """The command a slash interaction names and the options given to it (None if unknown)."""
    import discord

    guild = discord.Object(id=guild_id) if guild_id else None
    found: Any = tree.get_command(str(data.get("name", "")), guild=guild) or tree.get_command(
        str(data.get("name", ""))
    )
    options = data.get("options") or []
    while isinstance(found, app_commands.Group):
        if not (isinstance(options, list) and options and isinstance(options[0], dict)):
            return None, []
        first = options[0]
        if first.get("type") not in _SUBCOMMAND_TYPES:
            return None, []
        found = found.get_command(str(first.get("name", "")))
        options = first.get("options") or []
    if not isinstance(found, app_commands.Command) or not isinstance(options, list):
        return None, []
    return found, options


def check_options(command: app_commands.Command[Any, ..., Any], options: list[Any]) -> None:
    parameters = {p.name: p for p in command.parameters}
    for option in options:
        if not isinstance(option, dict) or option.get("name") not in parameters:
            raise BadOption("/{command} has no such option.", command=command.qualified_name)
        _check_value(parameters[option["name"]], option.get("value"))


def _check_value(parameter: app_commands.Parameter, value: Any) -> None:
    name, kind = parameter.name, parameter.type
    if kind is AppCommandOptionType.string:
        if not isinstance(value, str):
            raise BadOption("The option {name} must be text.", name=name)
        low, high = parameter.min_value, parameter.max_value
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise BadOption(
                "The option {name} must be {low} to {high} characters long.",
                name=name,
                low=low or 0,
                high=high,
            )
    elif kind is AppCommandOptionType.integer:
        if type(value) is not int or abs(value) > _JSON_SAFE_INTEGER:
            raise BadOption("The option {name} must be a whole number.", name=name)
        _check_range(parameter, value)
    elif kind is AppCommandOptionType.number:
        if type(value) not in (int, float):
            raise BadOption("The option {name} must be a number.", name=name)
        _check_range(parameter, value)
    elif kind is AppCommandOptionType.boolean and type(value) is not bool:
        raise BadOption("The option {name} must be true or false.", name=name)


def _check_range(parameter: app_commands.Parameter, value: float) -> None:
    low, high = parameter.min_value, parameter.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            raise BadOption(
                "The option {name} must be at least {low}.", name=parameter.name, low=low
            )
        raise BadOption(
            "The option {name} must be between {low} and {high}.",
            name=parameter.name,
            low=low,
            high=high,
        )
