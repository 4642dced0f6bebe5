"""The sandbox: the real bot and the real discord.py client against a loopback Discord,
with this terminal standing in for the Discord app.

Type what you would type in Discord (``/register``, ``/post hello world``, ``/feed``),
press a button by its label (``press Older``, ``press Edit 2`` for the second Edit), switch
person (``as bob``) or language (``lang de``). Embeds and Components V2 cards are drawn as
text boxes. Modals become prompts; password fields are not echoed. Lines can also come from
a pipe, one per line.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import re
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.app import open_services
from bot.config import Settings
from bot.front.client import MicroblogBot
from bot.front.endpoints import use_endpoints
from discord_double import (
    DiscordDouble,
    DoubleTimeout,
    InteractionHandle,
    RecordedMessage,
    RecordedModal,
    User,
    running_bot,
)

HELP = """\
Type a slash command as in Discord:  /register  /login  /post hello world  /feed  /feed alice
  /edit 3 new text  /delete 3  /whoami  /logout   (options by position, or name:value)
  /follow alice  /unfollow alice  /home  /profile alice  /followers  /following alice
  /reply 3 nice one  /thread 3  /like 3  /unlike 3  /repost 3  /unrepost 3
  /notifications  /account notify on   (or press Reply, Like, Repost on a card; @alice
  in a post mentions alice)
  /account profile (display name, bio)  /account link avatar:true  /account unlink
  /block bob  /mute bob  /report 3  /account blocked  /account export  /account password
  /account delete   (groups: the subcommand comes first, then its options)
  /search coffee "good morning" #tag from:alice after:2026-01-31   /trending
  (a German client types /beiträge, /posten...: see lang)
press LABEL [N] press a button on the last message with buttons: press Older, press Delete 2
as NAME         become another Discord user (e.g. as bob); everyone starts logged out
say TEXT        send a plain Discord message; then "post that": Apps → Post to microblog
profile NAME    Apps → Microblog profile on a Discord user (e.g. profile bob)
lang CODE       your Discord client's language: en-US (default) or de
help, quit"""
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::[tTdDfFR])?>")
_MODAL = 9
_OPTION_STRING, _OPTION_INTEGER, _OPTION_BOOLEAN = 3, 4, 5


@dataclass
class Terminal:
    """Where the sandbox reads and writes; a pipe works as well as a person."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)

    @property
    def interactive(self) -> bool:
        return self.stdin.isatty()

    def say(self, text: str = "") -> None:
        print(text, file=self.stdout, flush=True)

    async def ask(self, prompt: str, *, secret: bool = False) -> str | None:
        """A line from the person (None at end of input); secrets are never echoed."""
        if self.interactive:
            reader = (lambda: getpass.getpass(prompt)) if secret else (lambda: input(prompt))
            try:
                return await asyncio.to_thread(reader)
            except EOFError:
                return None
        line = await asyncio.to_thread(self.stdin.readline)
        if not line:
            return None
        line = line.rstrip("\n")
        self.say(f"{prompt}{'*' * len(line) if secret else line}")
        return line


def relative_time(match: re.Match[str], now: datetime | None = None) -> str:
    seconds = int((now or datetime.now(UTC)).timestamp()) - int(match.group(1))
    ahead = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            count = seconds // size
            amount = (
                "just now"
                if unit == "second" and count < 5
                else f"{count} {unit}{'s' * (count != 1)}"
            )
            break
    if amount == "just now":
        return amount
    return f"in {amount}" if ahead else f"{amount} ago"


def render(message: RecordedMessage) -> str:
    """A Discord message as plain text: content, embeds, Components V2 cards, buttons."""
    lines: list[str] = []
    if message.ephemeral:
        lines.append("(only you can see this)")
    if message.content:
        lines.append(message.content)
    for embed in message.embeds:
        lines.extend(_render_embed(embed))
    if message.components_v2:
        for component in message.components:
            lines.extend(_render_v2(component))
    else:
        buttons = [
            f"({label})" if disabled else f"[{label}]" for label, _, disabled in message.buttons
        ]
        if buttons:
            lines.append(" ".join(buttons))
    return _TIMESTAMP.sub(relative_time, "\n".join(lines))


def _button(component: dict[str, Any]) -> str:
    label = component.get("label") or "?"
    return f"({label})" if component.get("disabled") else f"[{label}]"


def _render_v2(component: dict[str, Any]) -> list[str]:
    """One Components V2 component as lines: a container is a box like an embed's."""
    kind = component.get("type")
    children = component.get("components") or []
    if kind == 17:  # container
        inner = [line for child in children for line in _render_v2(child)]
        return ["┌──", *(f"│ {line}" if line else "│" for line in inner), "└──"]
    if kind == 10:  # text display
        return str(component.get("content") or "").splitlines()
    if kind == 9:  # section: its texts, and its accessory beside them
        lines = [line for child in children for line in _render_v2(child)]
        accessory = component.get("accessory") or {}
        if accessory.get("type") == 11:
            lines.append(f"  (picture: {accessory.get('media', {}).get('url', '')})")
        elif accessory.get("type") == 2:
            lines.append(_button(accessory))
        return lines
    if kind == 14:  # separator
        return ["─" * 20]
    if kind == 1:  # a row of buttons
        return [" ".join(_button(c) for c in children if c.get("type") == 2)]
    return [f"(component type {kind})"]


def _render_embed(embed: dict[str, Any]) -> list[str]:
    lines = ["┌──"]
    if embed.get("author"):
        lines.append(f"│ {embed['author'].get('name', '')}")
    if embed.get("title"):
        lines.append(f"│ {embed['title']}")
    if embed.get("description"):
        lines.extend(f"│ {line}" for line in embed["description"].splitlines())
    for item in embed.get("fields", []):
        lines.append(f"│ ▸ {item['name']}")
        lines.extend(f"│   {line}" for line in item["value"].splitlines())
    if embed.get("footer"):
        lines.append(f"│ {embed['footer'].get('text', '')}")
    lines.append("└──")
    return lines


def parse_options(
    text: str, definition: dict[str, Any] | None, locale: str | None = None
) -> dict[str, object]:
    """``name:value`` sets an option by name (as a client in ``locale`` shows it, too); the
    other words fill the remaining options in order, the last free-text option taking the
    rest of the line (``/edit 3 new words``, ``/search coffee from:alice``). An option with
    fixed choices takes a word in order only when the word is one of them
    (``/account notify on``), so ``/search`` words never land in its ordering option."""
    options = list((definition or {}).get("options", []))
    by_name = {o["name"]: o for o in options}
    for option in options:
        shown = (option.get("name_localizations") or {}).get(locale or "")
        if shown:
            by_name.setdefault(shown, option)
    values: dict[str, object] = {}

    def take_named(match: re.Match[str]) -> str:
        name, raw = match.group(1), match.group(2)
        if name not in by_name:
            return match.group(0)  # "note:this" in a post is just text
        values[by_name[name]["name"]] = _convert(raw, by_name[name])
        return ""

    words = re.sub(r"(?<!\S)(\w+):(\S+)", take_named, text).split()
    remaining = [o for o in options if o["name"] not in values]
    if words:
        remaining = [o for o in remaining if _may_take(o, words[0])]
    for index, option in enumerate(remaining):
        if not words:
            break
        takes_rest = option["type"] == _OPTION_STRING and not any(
            o["type"] == _OPTION_STRING for o in remaining[index + 1 :]
        )
        raw = " ".join(words) if takes_rest else words[0]
        words = [] if takes_rest else words[1:]
        values[option["name"]] = _convert(raw, option)
    return values


def _may_take(option: dict[str, Any], word: str) -> bool:
    """Whether a word typed in order may fill ``option``: any word, unless the option has
    fixed choices and the word is not one of them."""
    choices = option.get("choices")
    return not choices or any(word in (c["name"], str(c["value"])) for c in choices)


def _subcommand(
    definition: dict[str, Any], rest: str, locale: str | None = None
) -> tuple[str, dict[str, Any] | None, str]:
    """For a command group (``/account profile``): the subcommand named first in ``rest``
    (as a client in ``locale`` shows it, too), its definition and what follows; for a plain
    command, ``("", definition, rest)``. A group without a known subcommand gives
    ``(the choices, None, rest)``."""
    subcommands = {o["name"]: o for o in definition.get("options", []) if o["type"] == 1}
    if not subcommands:
        return "", definition, rest
    shown = {(o.get("name_localizations") or {}).get(locale or ""): o for o in subcommands.values()}
    first, _, after = rest.strip().partition(" ")
    found = subcommands.get(first) or shown.get(first)
    if found is not None:
        return str(found["name"]), found, after
    return " ".join(subcommands), None, rest


def _convert(raw: str, option: dict[str, Any]) -> object:
    if option["type"] == _OPTION_INTEGER:
        try:
            return int(raw.lstrip("#"))
        except ValueError:
            return raw  # sent as typed: the bot answers as it would to a hostile client
    if option["type"] == _OPTION_BOOLEAN:
        return raw.lower() in {"true", "yes", "1", "on"}
    return raw


class Sandbox:
    def __init__(self, double: DiscordDouble, terminal: Terminal) -> None:
        self.double = double
        self.terminal = terminal
        self.users: dict[str, User] = {}
        self.user = self._become("you")
        self.locale = "en-US"
        self.said: dict[str, Any] | None = None
        self.last_with_buttons: RecordedMessage | None = None

    def _become(self, name: str) -> User:
        if name not in self.users:
            self.users[name] = self.double.add_user(name)
        self.user = self.users[name]
        return self.user

    async def repl(self) -> None:
        self.terminal.say(HELP)
        while True:
            line = await self.terminal.ask(f"\n{self.user.username}> ")
            if line is None:
                return
            line = line.strip()
            if not line:
                continue
            if line in {"quit", "exit"}:
                return
            try:
                await self.handle(line)
            except DoubleTimeout:
                self.terminal.say(
                    "(no answer from the bot: Discord would say 'The application did not respond')"
                )

    async def handle(self, line: str) -> None:
        if line == "help":
            self.terminal.say(HELP)
        elif line.startswith("as "):
            self._become(line[3:].strip() or "you")
            self.terminal.say(f"(you are now Discord user {self.user.username})")
        elif line.startswith("say "):
            self.said = await self.double.send_message(self.user, line[4:])
            self.terminal.say("(sent in #general)")
        elif line == "post that":
            if self.said is None:
                self.terminal.say("(say something first)")
                return
            await self._show(
                await self.double.send_message_command(
                    self.user, "Post to microblog", self.said, locale=self.locale
                )
            )
        elif line.startswith("profile "):
            other = self.users.get(line[8:].strip())
            if other is None:
                self.terminal.say(f"(nobody called {line[8:].strip()!r} here yet; try 'as NAME')")
                return
            await self._show(
                await self.double.send_user_command(
                    self.user, "Microblog profile", other, locale=self.locale
                )
            )
        elif line.startswith("lang "):
            self.locale = line[5:].strip() or "en-US"
            self.terminal.say(f"(your Discord client now speaks {self.locale})")
        elif line.startswith(("press ", "click ")):
            label, _, number = line.split(" ", 1)[1].strip().strip("[]").rpartition(" ")
            if not (label and number.isdigit()):
                label, number = f"{label} {number}".strip(), "1"
            await self._press(label, int(number))
        elif line.startswith("/"):
            name, _, rest = line[1:].partition(" ")
            definition = self._definition(name)
            if definition is None:
                self.terminal.say(f"(no such command /{name}; try help)")
                return
            subcommand, definition, rest = _subcommand(definition, rest, self.locale)
            if definition is None:
                self.terminal.say(f"(/{name} needs one of: {', '.join(subcommand.split())})")
                return
            handle = await self.double.send_slash(
                self.user,
                name,
                parse_options(rest, definition, self.locale) or None,
                subcommand=subcommand or None,
                locale=self.locale,
            )
            await self._show(handle)
        else:
            self.terminal.say("(type a /command, 'press LABEL', 'as NAME', 'help' or 'quit')")

    def _definition(self, name: str) -> dict[str, Any] | None:
        """The command a client in this language shows as ``name``."""
        for scope in (self.double.guild_id, None):
            for command in self.double.registered_commands(scope):
                shown = (command.get("name_localizations") or {}).get(self.locale)
                if command.get("type", 1) == 1 and name in (command["name"], shown):
                    return command
        return None

    async def _press(self, label: str, number: int = 1) -> None:
        message = self.last_with_buttons
        if message is None:
            self.terminal.say("(no message with buttons yet)")
            return
        current = self.double.message(message.id)
        matches = [b for b in current.buttons if b[0] and b[0].casefold() == label.casefold()]
        if len(matches) < number:
            found = [b[0] for b in current.buttons]
            self.terminal.say(f"(no button {label!r} number {number}; buttons: {found})")
            return
        chosen = matches[number - 1]
        if chosen[2]:
            self.terminal.say(f"(the {chosen[0]} button is disabled)")
            return
        await self._show(
            await self.double.click_button(self.user, current, str(chosen[1]), locale=self.locale)
        )

    async def _show(self, handle: InteractionHandle) -> None:
        response = await handle.response(timeout=10)
        if response.type == _MODAL:
            await self._fill(await handle.modal())
            return
        message = await handle.message(timeout=30)
        self._print(message)

    def _print(self, message: RecordedMessage) -> None:
        self.terminal.say(render(message))
        if message.buttons:
            self.last_with_buttons = message

    async def _fill(self, modal: RecordedModal) -> None:
        self.terminal.say(f"┌ {modal.title} (a form only you can see)")
        values: dict[str, str] = {}
        for item in modal.inputs:
            secret = "password" in item.custom_id
            multiline = " (one line here)" if item.style == 2 else ""
            if item.value:
                self.terminal.say(f"│ (filled in: {item.value!r}; an empty line keeps it)")
            answer = await self.terminal.ask(f"│ {item.label}{multiline}: ", secret=secret)
            if answer is None:
                self.terminal.say("└ (form closed)")
                return
            if answer or not item.value:
                values[item.custom_id] = answer
        try:
            handle = await self.double.submit_modal(self.user, modal, values, locale=self.locale)
        except ValueError as refusal:  # what Discord's own client refuses to submit
            self.terminal.say(f"└ Discord would not submit that: {refusal}")
            return
        self.terminal.say("└ (submitted)")
        self._print(await handle.message(timeout=30))


async def run_sandbox(settings: Settings, terminal: Terminal | None = None) -> int:
    terminal = terminal or Terminal()
    # The bot's own logs would drown the conversation; warnings and errors still show.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="microblog-sandbox-") as directory:
        async with DiscordDouble() as double:
            sandbox_settings = settings.model_copy(
                update={
                    "discord": settings.discord.model_copy(
                        update={
                            **double.bot_settings(),
                            "sync": "auto",
                            "shard_count": None,
                            "shard_ids": None,
                        }
                    ),
                    "database": settings.database.model_copy(
                        update={"url": f"sqlite+aiosqlite:///{Path(directory) / 'sandbox.db'}"}
                    ),
                }
            )
            use_endpoints(sandbox_settings.discord)
            terminal.say("Starting the sandbox: the bot is connecting to a loopback Discord...")
            async with open_services(sandbox_settings) as services:
                bot = MicroblogBot(services)
                async with running_bot(bot, double):
                    terminal.say("Connected. This database is thrown away when you quit.\n")
                    await Sandbox(double, terminal).repl()
    terminal.say("Bye.")
    return 0
