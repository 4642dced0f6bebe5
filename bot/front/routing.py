"""Buttons and modals, routed by their custom_id alone.

Every component and modal this bot sends carries a custom_id ``mb:<route>:<args...>``
holding everything needed to answer it. Nothing is kept in memory between sending and
clicking, so a feed's Older button or a half-filled /login modal still works after the
bot restarts, and anything unrecognised (expired, forged, from another bot) gets a clear
reply instead of Discord's "This interaction failed".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from bot.domain.errors import UnknownComponent
from bot.domain.values import ChatUser

PREFIX = "mb"
MAX_CUSTOM_ID = 100  # Discord's limit
Handler = Callable[[discord.Interaction, list[str]], Awaitable[None]]
_log = logging.getLogger(__name__)


def custom_id(route: str, *args: str | int) -> str:
    value = ":".join([PREFIX, route, *(str(a) for a in args)])
    if len(value) > MAX_CUSTOM_ID:
        raise ValueError(f"custom_id longer than {MAX_CUSTOM_ID} characters: {value!r}")
    return value


class InteractionRouter:
    """Maps a route name to the handler that answers its buttons or modal submissions."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def add(self, route: str, handler: Handler) -> None:
        if route in self._handlers:
            raise ValueError(f"route {route!r} registered twice")
        self._handlers[route] = handler

    def remove(self, route: str) -> None:
        self._handlers.pop(route, None)

    def resolve(self, value: str) -> tuple[Handler, list[str]]:
        """The handler and its arguments, or UnknownComponent for anything not ours."""
        parts = value.split(":")
        if len(parts) < 2 or parts[0] != PREFIX or parts[1] not in self._handlers:
            raise UnknownComponent()
        return self._handlers[parts[1]], parts[2:]


class RoutedModal(discord.ui.Modal):
    """A modal answered by the router; discord.py keeps no copy of it in memory.

    discord.py stores every modal it sends until it is submitted, keyed by custom_id;
    a finished modal is not stored, so this one finishes before it is sent.
    """

    def __init__(self, title: str, route: str, *args: str | int) -> None:
        super().__init__(title=title[:45], custom_id=custom_id(route, *args), timeout=None)
        self.stop()


def chat_user(interaction: discord.Interaction) -> ChatUser:
    """Who is asking, as the services know people: a Discord user id."""
    return ChatUser("discord", str(interaction.user.id))


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
