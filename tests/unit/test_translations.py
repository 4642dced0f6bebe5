"""Two languages: every message id the code has (Babel's extractor over the source, plus every
command, option and menu name and description of the registered tree) has a German
translation with the same placeholders, and every localized name passes Discord's rules."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from bot.front.catalog import MessageId, all_messages, problems, source_messages
from bot.front.i18n import (
    LANGUAGES,
    CommandTranslator,
    language_of,
    messages_in,
    valid_command_name,
)


@pytest.fixture(scope="module")
def needed() -> list[MessageId]:
    return asyncio.run(all_messages())  # builds the command tree the bot registers


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_message_id_has_a_translation(language: str, needed: list[MessageId]) -> None:
    assert problems(language, needed) == []


async def test_the_check_fails_for_an_id_without_translation(needed: list[MessageId]) -> None:
    untranslated = MessageId("A sentence nobody translated.", None, "here")
    assert problems("de", [*needed, untranslated]) == [
        "here: 'A sentence nobody translated.' has no de translation"
    ]
    wrong_name = MessageId("Post to microblog", "command name", "there")  # not a menu name
    assert "has no de translation" in problems("de", [wrong_name])[0]


def test_the_extractor_finds_sentences_in_every_layer() -> None:
    found = {message.key for message in source_messages()}
    assert {
        "Incorrect username or password.",  # a domain error's own sentence
        "Posts can be at most {max_length} characters; yours has {length}.",  # with values
        "Too many failed logins.",  # marked with N_ in a service
        "Latest posts",  # a card
        "Yes, delete it",  # a button label
        "The option {name} must be text.",  # the tree's own check
    } <= found


@pytest.mark.parametrize(
    ("locale", "language"),
    [("de", "de"), ("en-US", "en"), ("en-GB", "en"), ("pt-BR", "en"), (None, "en"), ("", "en")],
)
def test_the_readers_locale_picks_the_catalog(locale: str | None, language: str) -> None:
    assert language_of(locale) == language
    assert language_of(discord.Locale.german) == "de"


def test_messages_translate_then_fill_in_values() -> None:
    german, english = messages_in("de"), messages_in("en")
    assert german("Deleted post #{post_id}.", post_id=5) == "Beitrag #5 gelöscht."
    assert english("Deleted post #{post_id}.", post_id=5) == "Deleted post #5."
    assert german.ngettext("every day", "every {count} days", 3) == "alle 3 Tage"
    assert german("A sentence nobody translated.") == "A sentence nobody translated."


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("beiträge", True),
        ("min_beiträge", True),
        ("Beiträge", False),  # upper case
        ("zwei wörter", False),
        ("x" * 33, False),
        ("", False),
        ("नमस्ते", True),  # Devanagari, with its combining marks
        ("ทดสอบ", True),  # Thai
    ],
)
def test_discords_name_rule(name: str, valid: bool) -> None:
    assert valid_command_name(name) is valid


async def test_the_translator_leaves_english_alone_and_refuses_invalid_names() -> None:
    translator = CommandTranslator()
    command = app_commands.Command(name="feed", description="d", callback=_noop)
    context = app_commands.TranslationContext(
        app_commands.TranslationContextLocation.command_name, command
    )
    feed = app_commands.locale_str("feed")
    assert await translator.translate(feed, discord.Locale.german, context) == "beiträge"
    assert await translator.translate(feed, discord.Locale.american_english, context) is None
    unknown = app_commands.locale_str("no-such-name")
    assert await translator.translate(unknown, discord.Locale.german, context) is None


async def _noop(interaction: discord.Interaction) -> None:
    """A callback for a command that is never run."""
