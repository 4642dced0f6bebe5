"""Two languages: English (the source) and German, chosen by the reader's Discord locale.

Every text a person reads goes through ``messages(interaction)``, the conventional ``_``:
``_("Logged in as **{username}**.", username=name)`` looks the English sentence up in the
reader's catalog, then fills in the values (``str.format`` syntax, after translation, so a
translator may move them). Command names and descriptions go through ``CommandTranslator``,
which discord.py asks once per locale when it builds the commands it syncs.

The catalogs are the ``.po`` files under ``locale/``, read with Babel when first needed and
turned into ``gettext`` translations in memory: no compiled ``.mo`` file is committed or
built at install time, so the catalog a translator edits is the one that runs.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
import unicodedata
from pathlib import Path
from typing import Any

import discord
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from discord import app_commands

_log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("de",)  # complete catalogs besides the English source

# msgctxt for names, so "feed" the command and "feed" in a sentence stay separate entries.
COMMAND_NAME = "command name"
OPTION_NAME = "option name"
MENU_NAME = "context menu"
_NAME_CONTEXTS = {
    app_commands.TranslationContextLocation.command_name: COMMAND_NAME,
    app_commands.TranslationContextLocation.group_name: COMMAND_NAME,
    app_commands.TranslationContextLocation.parameter_name: OPTION_NAME,
}
MAX_NAME = 32


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    if language not in LANGUAGES:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(language))  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def language_of(locale: discord.Locale | str | None) -> str:
    """The catalog for a Discord locale: "de" for de, "en" (the source) for all others."""
    value = locale.value if isinstance(locale, discord.Locale) else str(locale or "")
    for candidate in (value, value.split("-")[0]):
        if candidate in LANGUAGES:
            return candidate
    return SOURCE_LANGUAGE


class Messages:
    """The texts of one language; call it as ``_``."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._translations = _translations(language)

    def __call__(self, message: str, /, **params: Any) -> str:
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, count: int, /, **params: Any) -> str:
        """The form for ``count`` (filled in as ``{count}``) of a text with plurals."""
        return self._translations.ngettext(singular, plural, count).format(count=count, **params)

    def pgettext(self, context: str, message: str, /) -> str:
        return self._translations.pgettext(context, message)


def load_all() -> None:
    """Read every catalog now (Babel's import and parsing take ~0.1 s), not on a first reply."""
    for language in LANGUAGES:
        messages_in(language)


@functools.cache
def messages_in(language: str) -> Messages:
    return Messages(language if language in LANGUAGES else SOURCE_LANGUAGE)


def messages(interaction: discord.Interaction | None) -> Messages:
    """The reader's language: the locale of the Discord client that sent ``interaction``."""
    return messages_in(language_of(interaction.locale if interaction is not None else None))


def valid_command_name(name: str) -> bool:
    """Discord's rule for slash-command and option names in every locale.

    ``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lower case wherever a letter has
    a lower-case form.
    """
    if not 1 <= len(name) <= MAX_NAME or name != name.lower():
        return False
    return all(
        ch in "-_"
        or unicodedata.category(ch)[0] in "LN"
        or "\u0900" <= ch <= "\u097f"  # Devanagari
        or "\u0e00" <= ch <= "\u0e7f"  # Thai
        for ch in name
    )


def valid_menu_name(name: str) -> bool:
    """Context-menu names may have capitals and spaces: 1 to 32 characters."""
    return 1 <= len(name) <= MAX_NAME and name == name.strip()


class CommandTranslator(app_commands.Translator):
    """Command, option and menu names and descriptions from the same catalogs.

    English is the source: for it, and wherever a catalog has no entry, Discord shows the
    name or description the code declares.
    """

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = language_of(locale)
        if language == SOURCE_LANGUAGE:
            return None
        return translate_command_text(language, string.message, context)


def translate_command_text(
    language: str, message: str, context: app_commands.TranslationContextTypes
) -> str | None:
    """The catalog's text for one command string, None to keep the English one."""
    catalog = messages_in(language)
    name_context = _NAME_CONTEXTS.get(context.location)
    if isinstance(context.data, app_commands.ContextMenu) and name_context == COMMAND_NAME:
        text = catalog.pgettext(MENU_NAME, message)
        valid = valid_menu_name(text)
    elif name_context is not None:
        text = catalog.pgettext(name_context, message)
        valid = valid_command_name(text)
    else:
        text, valid = catalog(message), True
    if text == message:
        return None
    if not valid:
        # Discord would refuse the whole sync; the English name is better than none.
        _log.error("Invalid %s name %r for %r: keeping the English one", language, text, message)
        return None
    return text
