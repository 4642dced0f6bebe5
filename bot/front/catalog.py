"""The translation catalogs' maintenance: which message ids exist, which lack a translation.

Message ids come from two places. Babel's extractor finds every marked text in the source:
``_("...")``, ``_.ngettext(...)``, ``N_("...")``, and the English sentences of domain errors
(``UserError("...")``, ``ValidationError(field, "...")``, ``super().__init__("...")`` in
bot/domain/errors.py). The command tree gives the rest: command, option and menu names
(with a msgctxt, so a name never collides with a sentence) and descriptions (docstrings
and ``@describe`` texts). ``python -m bot catalog`` adds new ids to each catalog for its
translator; the tests fail while any id lacks a translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import write_po
from discord import app_commands

from bot.front.i18n import (
    COMMAND_NAME,
    LANGUAGES,
    MENU_NAME,
    OPTION_NAME,
    catalog_path,
    load_catalog,
    valid_command_name,
    valid_menu_name,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "cogs")
ERRORS_MODULE = Path("bot/domain/errors.py")
KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    # Domain errors: their English sentence is the message id.
    "UserError": None,
    "ValidationError": (2,),
    "NotLoggedIn": None,
    "Throttled": None,
    "BadOption": None,
}
NO_DESCRIPTION = "…"  # discord.py's filler for an option nobody described
_PLACEHOLDER = re.compile(r"\{([a-z_]+)[^}]*\}")


@dataclass(frozen=True)
class MessageId:
    """One entry a catalog needs: ``id`` is a string, or (singular, plural) for plurals."""

    id: str | tuple[str, str]
    context: str | None = None
    where: str = ""

    @property
    def key(self) -> str:
        return self.id if isinstance(self.id, str) else self.id[0]


def source_messages(root: Path = ROOT) -> Iterator[MessageId]:
    """Every message id marked in the source (Babel's Python extractor)."""
    for folder in SOURCE_DIRS:
        for filename, line, message, _comments, context in extract_from_dir(
            root / folder, [("**.py", "python")], keywords=KEYWORDS
        ):
            yield MessageId(message, context, f"{folder}/{filename}:{line}")
    errors_keywords = {**KEYWORDS, "__init__": None}  # super().__init__("An English sentence.")
    for line, message, _comments, context in extract_from_file(
        "python", root / ERRORS_MODULE, keywords=errors_keywords
    ):
        yield MessageId(message, context, f"{ERRORS_MODULE}:{line}")


def command_messages(tree: app_commands.CommandTree[Any]) -> Iterator[MessageId]:
    """Names and descriptions of every slash command, option and context menu."""
    menus = (
        *tree.get_commands(type=discord.AppCommandType.message),
        *tree.get_commands(type=discord.AppCommandType.user),
    )
    for menu in menus:
        yield MessageId(menu.name, MENU_NAME, f"menu {menu.name}")
    for command in tree.walk_commands():
        where = f"/{command.qualified_name}"
        yield MessageId(command.name, COMMAND_NAME, where)
        yield MessageId(command.description, None, where)
        if isinstance(command, app_commands.Group):
            continue
        for parameter in command.parameters:
            yield MessageId(parameter.name, OPTION_NAME, f"{where} {parameter.name}")
            if parameter.description != NO_DESCRIPTION:
                yield MessageId(parameter.description, None, f"{where} {parameter.name}")
            for choice in parameter.choices:
                yield MessageId(choice.name, None, f"{where} {parameter.name}")


def problems(language: str, needed: list[MessageId]) -> list[str]:
    """What the catalog for ``language`` lacks or gets wrong, one line each."""
    catalog = load_catalog(language)
    found: list[str] = []
    for message in needed:
        entry = catalog.get(message.id, context=message.context)
        if entry is not None and isinstance(entry.id, tuple) != isinstance(message.id, tuple):
            entry = None  # a plural now, or no longer: translate it again
        texts = _texts(entry)
        label = f"{message.where}: {message.key!r}" + (
            f" (msgctxt {message.context!r})" if message.context else ""
        )
        if entry is None or entry.fuzzy or not texts or not all(texts):
            found.append(f"{label} has no {language} translation")
            continue
        wanted = set(_PLACEHOLDER.findall(message.key))
        for text in texts:
            if set(_PLACEHOLDER.findall(text)) - (wanted | {"count"}):
                found.append(f"{label}: {text!r} uses a placeholder the English text lacks")
        name = texts[0]
        if message.context in (COMMAND_NAME, OPTION_NAME) and not valid_command_name(name):
            found.append(f"{label}: {name!r} is not a valid Discord command name")
        if message.context == MENU_NAME and not valid_menu_name(name):
            found.append(f"{label}: {name!r} is not a valid context menu name")
    return found


def _texts(entry: Any) -> list[str]:
    if entry is None:
        return []
    return list(entry.string) if isinstance(entry.string, tuple) else [entry.string]


def update(language: str, needed: list[MessageId]) -> int:
    """Brings the catalog in line with the code and writes it back; returns the ids added.

    New ids are added untranslated; an id that became a plural (or stopped being one) is
    replaced; ids the code no longer has are dropped.
    """
    catalog = load_catalog(language)
    wanted = {(message.key, message.context): message for message in needed}
    for entry in list(catalog):
        if entry.id and (_key(entry.id), entry.context) not in wanted:
            catalog.delete(entry.id, context=entry.context)
    added = 0
    for message in wanted.values():
        entry = catalog.get(message.id, context=message.context)
        if entry is not None and isinstance(entry.id, tuple) == isinstance(message.id, tuple):
            continue
        if entry is not None:
            catalog.delete(entry.id, context=entry.context)
        catalog.add(message.id, context=message.context, locations=[(message.where, None)])
        added += 1
    with catalog_path(language).open("wb") as file:
        # File names without line numbers: entries stay put while the code around them moves.
        write_po(file, catalog, width=100, include_lineno=False)
    return added


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def template(needed: list[MessageId]) -> Catalog:
    """All ids as one catalog (a .pot), for tools that want one."""
    catalog = Catalog(project="discord-microblog")
    for message in needed:
        catalog.add(message.id, context=message.context)
    return catalog


async def all_messages() -> list[MessageId]:
    """The source's ids and those of the command tree the bot registers, in that order."""
    from bot.app import open_services
    from bot.config import parse_settings
    from bot.front.client import EXTENSIONS, MicroblogBot

    settings = parse_settings({"database": {"url": "sqlite+aiosqlite:///:memory:"}})
    async with open_services(settings) as services:
        # Never logged in: loading the extensions builds the tree without any network.
        bot = MicroblogBot(services, sync_on_start=False, run_scheduler=False)
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        return [*source_messages(), *command_messages(bot.tree)]


async def update_all() -> dict[str, tuple[int, list[str]]]:
    """``python -m bot catalog``: per language, ids added and what is still missing."""
    needed = await all_messages()
    return {
        language: (update(language, needed), problems(language, needed)) for language in LANGUAGES
    }
