"""Two languages: every message id the code has (Babel's extractor over the source, plus every
command, option and menu name and description of the registered tree) has a German
translation with the same placeholders, and every localized name passes Discord's rules."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from pathlib import Path

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


SPEAKING_CALLS = {"reply", "send_message", "send", "edit_original_response", "edit_message"}
UI_ITEMS = {"TextDisplay", "Button", "TextInput", "Embed", "ContextMenu"}
SPEAKING_KEYWORDS = {"content", "label", "title", "placeholder", "description"}
SOURCE = Path(__file__).resolve().parents[2]


def _literal_text(node: ast.expr | None) -> bool:
    """Words written in place: a string literal, or an f-string with words of its own."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_literal_text(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def _bypasses(source: str, where: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if isinstance(node.func, ast.Call) and node.args and _literal_text(node.args[0]):
            # messages(interaction)("..."): translated, but hidden from Babel's extractor
            yield f"{where}:{node.lineno}: {ast.unparse(node.func)}({ast.unparse(node.args[0])})"
        if name not in SPEAKING_CALLS | UI_ITEMS:
            continue
        texts = [k.value for k in node.keywords if k.arg in SPEAKING_KEYWORDS]
        texts += node.args if name in SPEAKING_CALLS else node.args[:1]
        for text in texts:
            if _literal_text(text):
                yield f"{where}:{node.lineno}: {name}({ast.unparse(text)})"


def test_no_reply_label_or_title_bypasses_the_catalogs() -> None:
    """What people read is written as ``_("...")``: a literal in its place would stay English
    for every reader (and out of the catalogs)."""
    sources = [*(SOURCE / "bot" / "front").rglob("*.py"), *(SOURCE / "cogs").glob("*.py")]
    found = [
        line
        for path in sorted(sources)
        for line in _bypasses(path.read_text(encoding="utf-8"), str(path.relative_to(SOURCE)))
    ]
    assert found == []


def test_the_bypass_check_sees_literals_and_lets_translations_through() -> None:
    source = (
        'reply(interaction, "Hello")\n'
        'reply(interaction, f"Hi {name}")\n'
        'discord.ui.Button(label="Press")\n'
        'reply(interaction, _("Hello"))\n'
        'ui.TextDisplay(f"{head}\\n{body}")\n'
        'app_commands.describe(content="An option description, translated elsewhere")\n'
        'messages(interaction)("Hidden from the extractor")\n'
    )
    assert [line.split(": ", 1)[1] for line in _bypasses(source, "x")] == [
        "reply('Hello')",
        "reply(f'Hi {name}')",
        "Button('Press')",
        "messages(interaction)('Hidden from the extractor')",
    ]
