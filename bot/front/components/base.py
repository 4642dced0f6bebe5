"""What every button and form has in common: a custom_id that carries all its state.

Every component this bot sends carries a custom_id ``mb:<route>:<args...>`` holding everything
needed to answer it. Nothing is kept in memory between sending and clicking, so a feed's
Older button or a half-filled /login form still works after a restart and in any shard
process. Buttons are discord.py ``DynamicItem`` classes (each owns its template, parsing and
answer); forms are ``Form`` classes (each owns its template, fields and answer). Anything
unrecognised (expired, forged, another bot's) gets a clear reply from ``answer_unrouted``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.domain.errors import UnknownComponent
from bot.domain.values import ChatUser
from bot.front.metering import OK, record_answer
from bot.front.tree import report_error

if TYPE_CHECKING:
    from bot.app import Services

PREFIX = "mb"
MAX_CUSTOM_ID = 100  # Discord's limit


def custom_id(route: str, *args: str | int) -> str:
    value = ":".join([PREFIX, route, *(str(a) for a in args)])
    if len(value) > MAX_CUSTOM_ID:
        raise ValueError(f"custom_id longer than {MAX_CUSTOM_ID} characters: {value!r}")
    return value


def services_of(interaction: discord.Interaction) -> Services:
    """The application behind the client that received ``interaction`` (a MicroblogBot)."""
    return interaction.client.services  # type: ignore[attr-defined,no-any-return]


class Answered:
    """Mixin for DynamicItem buttons: the answer goes through the one error path.

    discord.py 2.7 only logs an exception raised in a DynamicItem callback, which would
    leave the user with "This interaction failed"; here it becomes a private reply.
    """

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.answer(interaction)
        except Exception as error:
            await report_error(interaction, error)
        else:
            record_answer(interaction, OK)

    async def answer(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class StaticView(discord.ui.View):
    """A row of routed buttons. discord.py keeps no copy: their classes answer them.

    discord.py stores every unfinished view sent as an interaction response (with its
    timeout) whatever ``is_dispatchable`` says; a stopped one is not kept, so none leak.
    """

    def __init__(self, items: Iterable[discord.ui.Item[Any]] = ()) -> None:
        super().__init__(timeout=None)
        for item in items:
            self.add_item(item)
        self.stop()

    def is_dispatchable(self) -> bool:
        return False


class Form(discord.ui.Modal):
    """A modal answered by its class from the custom_id alone; discord.py keeps no copy.

    Subclasses pass ``template`` (a regex for their custom_id) and implement ``answer``.
    discord.py stores every modal it sends until it is submitted; a finished modal is not
    stored, so this one finishes before it is sent.
    """

    pattern: ClassVar[re.Pattern[str]]

    def __init_subclass__(cls, *, template: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if template is not None:
            cls.pattern = re.compile(template)

    def __init__(self, title: str, route: str, *args: str | int) -> None:
        super().__init__(title=title[:45], custom_id=custom_id(route, *args), timeout=None)
        self.stop()

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        raise NotImplementedError


def modal_values(interaction: discord.Interaction) -> dict[str, str]:
    """custom_id -> value of every text input in a submitted modal (action rows or labels)."""
    values: dict[str, str] = {}
    stack = list((interaction.data or {}).get("components", []) or [])
    while stack:
        component = stack.pop()
        if not isinstance(component, dict):
            continue
        if isinstance(component.get("custom_id"), str) and isinstance(component.get("value"), str):
            values[component["custom_id"]] = component["value"]
        inner = component.get("components")
        if isinstance(inner, list):
            stack.extend(inner)
        if isinstance(component.get("component"), dict):
            stack.append(component["component"])
    return values


def _custom_ids(components: Iterable[Any]) -> Iterator[str]:
    """Every custom_id in a message's components, however deeply they are nested."""
    stack = list(components)
    while stack:
        component = stack.pop()
        value = getattr(component, "custom_id", None)
        if isinstance(value, str):
            yield value
        stack.extend(getattr(component, "children", None) or ())
        stack.extend(getattr(component, "components", None) or ())
        accessory = getattr(component, "accessory", None)
        if accessory is not None:
            stack.append(accessory)


class ComponentRouter:
    """Answers forms, and whatever no button class will answer, from the custom_id alone."""

    def __init__(
        self,
        buttons: Iterable[type[discord.ui.DynamicItem[Any]]],
        forms: Iterable[type[Form]],
    ) -> None:
        self.buttons = tuple(buttons)
        self.forms = tuple(forms)

    def _button_answers(self, interaction: discord.Interaction, value: str) -> bool:
        """Whether discord.py will hand this click to one of our DynamicItem classes.

        It does so only when a template matches and the clicked message really carries a
        component with that custom_id; otherwise it drops the click without a word.
        """
        if not any(b.__discord_ui_compiled_template__.fullmatch(value) for b in self.buttons):
            return False
        message = interaction.message
        return message is not None and value in _custom_ids(message.components)

    async def dispatch(self, interaction: discord.Interaction) -> None:
        value = str((interaction.data or {}).get("custom_id", ""))
        try:
            if interaction.type is discord.InteractionType.modal_submit:
                for form in self.forms:
                    match = form.pattern.fullmatch(value)
                    if match is not None:
                        await form.answer(interaction, match, modal_values(interaction))
                        record_answer(interaction, OK)
                        return
                raise UnknownComponent()
            if not self._button_answers(interaction, value):
                raise UnknownComponent()
        except Exception as error:  # the one error path, as for slash commands
            await report_error(interaction, error)


def chat_user(interaction: discord.Interaction) -> ChatUser:
    """Who is asking, as the services know people: a Discord user id."""
    return ChatUser("discord", str(interaction.user.id))
