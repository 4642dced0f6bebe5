"""INTERACTION_CREATE payloads as Discord builds them, and the handle a test awaits answers on.

Payloads carry every field discord.py's ``Interaction`` reads (id, application_id, token,
version, attachment_size_limit, member with permissions, channel object, guild, locale,
app_permissions, entitlements, authorizing_integration_owners, context). Slash options are
typed from the commands the bot synced, so an ``integer`` option arrives as a JSON number and
subcommands nest exactly like Discord nests them.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .limits import EPHEMERAL
from .payloads import channel_payload, member_payload, role_payload, user_payload
from .records import (
    ATTACH_FILES,
    BOT_PERMISSIONS,
    EMBED_LINKS,
    USE_EXTERNAL_EMOJIS,
    Channel,
    ModalInput,
    RecordedMessage,
    RecordedModal,
    RecordedResponse,
    User,
)

if TYPE_CHECKING:
    from .state import World

#: Discord's default upload limit for a guild without boosts (10 MiB).
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Installation types (integration_types, authorizing_integration_owners keys).
GUILD_INSTALL, USER_INSTALL = 0, 1
INSTALLS = {"guild": GUILD_INSTALL, "user": USER_INSTALL}
#: What a user-installed app may do where the bot itself is absent.
USER_APP_PERMISSIONS = EMBED_LINKS | ATTACH_FILES | USE_EXTERNAL_EMOJIS

# Interaction types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10


def new_interaction_token() -> str:
    """Interaction tokens are long opaque strings; they double as webhook tokens."""
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)


def base_payload(
    world: World,
    *,
    interaction_type: int,
    user: User,
    channel: Channel,
    data: dict[str, Any] | None,
    locale: str = "en-US",
    message: dict[str, Any] | None = None,
    install: str = "guild",
) -> dict[str, Any]:
    """The envelope every interaction shares; guild or DM shaped from ``channel``.

    ``install`` is how the user reaches the app: ``"guild"`` (the bot was added to the
    server, or it is the bot's own DM) or ``"user"`` (they installed it for themselves).
    A user install where the bot is absent (another server, a DM or group DM between people)
    is authorized by the user alone, and the app gets only a user app's permissions.
    """
    bot_there = world.bot_is_in(channel)
    if install == "guild" and not bot_there:
        raise ValueError("the bot is not in that server or channel: only a user install reaches it")
    payload: dict[str, Any] = {
        "id": str(world.ids.next()),
        "application_id": str(world.application_id),
        "type": interaction_type,
        "token": new_interaction_token(),
        "version": 1,
        "locale": locale,
        "app_permissions": str(BOT_PERMISSIONS if bot_there else USER_APP_PERMISSIONS),
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "context": world.context_of(channel),
    }
    owners: dict[str, str] = {}
    if bot_there:
        owners[str(GUILD_INSTALL)] = str(channel.guild_id or 0)
    if install == "user":
        owners[str(USER_INSTALL)] = str(user.id)
    payload["authorizing_integration_owners"] = owners
    if data is not None:
        payload["data"] = data
    if channel.guild_id is not None:
        guild = world.guilds[channel.guild_id]
        channel_object = channel_payload(channel)
        channel_object["permissions"] = str(user.permissions)
        payload |= {
            "guild_id": str(guild.id),
            # Where the bot is absent this partial guild is all discord.py learns of it.
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": guild.features},
            "guild_locale": guild.locale,
            "member": member_payload(user, with_permissions=True),
            "channel_id": str(channel.id),
            "channel": channel_object,
        }
    else:
        people = [world.users[i] for i in channel.recipient_ids if i != user.id] or [user]
        payload |= {
            "user": user_payload(user),
            "channel_id": str(channel.id),
            "channel": channel_payload(channel, recipients=people),
        }
    if message is not None:
        payload["message"] = message
    return payload


@dataclass
class _Resolved:
    users: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)

    def as_payload(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if value}


def _infer_type(value: object) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, User):
        return USER
    if isinstance(value, Channel):
        return CHANNEL
    return STRING


def _convert(
    world: World, option_type: int, name: str, value: object, resolved: _Resolved
) -> object:
    """A test's Python value as the JSON Discord would put in ``options[].value``."""
    if option_type == STRING:
        return str(value)
    if option_type == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"option {name!r} is an integer option; got {value!r}")
        return int(value)
    if option_type == NUMBER:
        return value if isinstance(value, int | float) else float(str(value))
    if option_type == BOOLEAN:
        if not isinstance(value, bool):
            raise TypeError(f"option {name!r} is a boolean option; got {value!r}")
        return value
    if option_type in (USER, MENTIONABLE):
        user = value if isinstance(value, User) else world.users[int(str(value))]
        resolved.users[str(user.id)] = user_payload(user)
        resolved.members[str(user.id)] = member_payload(
            user, with_permissions=True, with_user=False
        )
        return str(user.id)
    if option_type == CHANNEL:
        channel = value if isinstance(value, Channel) else world.channels[int(str(value))]
        resolved.channels[str(channel.id)] = channel_payload(channel) | {
            "permissions": str(BOT_PERMISSIONS)
        }
        return str(channel.id)
    if option_type == ROLE:
        role_id = int(str(value))
        resolved.roles[str(role_id)] = role_payload(role_id, "role", 0, 1)
        return str(role_id)
    raise TypeError(f"option {name!r} has type {option_type}, which the double cannot fill")


def build_command_data(
    world: World,
    *,
    name: str,
    options: Mapping[str, object],
    subcommand: str | None,
    guild_id: int | None,
    focused: str | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    """``data`` of a type-2 (or, with ``focused``, type-4) interaction.

    ``subcommand`` is ``"sub"`` or ``"group sub"``. With a synced definition, option names
    and types come from it and a user-impossible invocation (unknown option, missing required
    option outside autocomplete) raises ValueError; without one, types are inferred. Names
    may be given as a client in ``locale`` shows them (``name_localizations``); the data
    carries the command's own names, as Discord sends them.
    """
    found = world.find_command(name, guild_id, locale=locale)
    definition, command_guild = found if found is not None else (None, None)
    if definition is not None:
        name = definition["name"]
        options = {
            _own_name(definition.get("options") or [], k, locale): v for k, v in options.items()
        }
        focused = _own_name(definition.get("options") or [], focused, locale) if focused else None
    path = subcommand.split() if subcommand else []
    option_defs: list[dict[str, Any]] | None = None
    if definition is not None:
        option_defs = definition.get("options") or []
        for depth, part in enumerate(path):
            part = path[depth] = _own_name(option_defs, part, locale)
            match = next(
                (
                    o
                    for o in option_defs
                    if o["name"] == part and o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if match is None:
                raise ValueError(f"/{name} has no subcommand {part!r} (path {path})")
            option_defs = match.get("options") or []
            options = {_own_name(option_defs, k, locale): v for k, v in options.items()}
            focused = _own_name(option_defs, focused, locale) if focused else None
    resolved = _Resolved()
    leaves: list[dict[str, Any]] = []
    for option_name, value in options.items():
        if option_defs is not None:
            spec = next((o for o in option_defs if o["name"] == option_name), None)
            if spec is None:
                known = [o["name"] for o in option_defs]
                raise ValueError(
                    f"/{name} {subcommand or ''} has no option {option_name!r}: {known}"
                )
            option_type = int(spec["type"])
        else:
            option_type = _infer_type(value)
        leaf: dict[str, Any] = {"name": option_name, "type": option_type}
        if option_name == focused:
            leaf["value"] = str(value)  # autocomplete sends the user's partial text
            leaf["focused"] = True
        else:
            leaf["value"] = _convert(world, option_type, option_name, value, resolved)
        leaves.append(leaf)
    if option_defs is not None and focused is None:
        missing = [o["name"] for o in option_defs if o.get("required") and o["name"] not in options]
        if missing:
            raise ValueError(f"/{name} {subcommand or ''}: required options missing {missing}")
    nested: list[dict[str, Any]] = leaves
    for depth, part in reversed(list(enumerate(path))):
        kind = SUB_COMMAND if depth == len(path) - 1 else SUB_COMMAND_GROUP
        nested = [{"name": part, "type": kind, "options": nested}]
    data: dict[str, Any] = {
        "id": str(definition["id"]) if definition is not None else str(world.ids.next()),
        "name": name,
        "type": 1,
        "options": nested,
    }
    if command_guild is not None:
        data["guild_id"] = str(command_guild)
    if resolved.as_payload():
        data["resolved"] = resolved.as_payload()
    return data


def _own_name(definitions: list[dict[str, Any]], shown: str, locale: str | None) -> str:
    """The name Discord sends for an option a client in ``locale`` shows as ``shown``."""
    if locale is None or any(d.get("name") == shown for d in definitions):
        return shown
    for definition in definitions:
        if (definition.get("name_localizations") or {}).get(locale) == shown:
            return str(definition["name"])
    return shown


def build_context_menu_data(
    world: World,
    *,
    name: str,
    kind: int,
    target: User | dict[str, Any],
    guild_id: int | None,
    locale: str | None = None,
) -> dict[str, Any]:
    """``data`` of a user (type 2) or message (type 3) context-menu command."""
    found = world.find_command(name, guild_id, kind=kind, locale=locale)
    if found is None:
        raise ValueError(f"no {'user' if kind == 2 else 'message'} command {name!r} is synced")
    definition, command_guild = found
    resolved = _Resolved()
    if isinstance(target, User):
        target_id = str(target.id)
        resolved.users[target_id] = user_payload(target)
        if guild_id is not None and world.guilds[guild_id].has_member(target.id):
            resolved.members[target_id] = member_payload(
                target, with_permissions=True, with_user=False
            )
        payload = resolved.as_payload()
    else:
        target_id = str(target["id"])
        payload = {"messages": {target_id: target}}
    data: dict[str, Any] = {
        "id": str(definition["id"]),
        "name": definition["name"],
        "type": kind,
        "target_id": target_id,
        "resolved": payload,
    }
    if command_guild is not None:
        data["guild_id"] = str(command_guild)
    return data


def parse_modal(
    data: Mapping[str, Any], interaction_id: int, message_id: int | None
) -> RecordedModal:
    """Turn a type-9 callback's ``data`` into the fields a user would fill in."""
    inputs: list[ModalInput] = []
    for component in data.get("components") or []:
        if component.get("type") == 1:
            children = [(child, None) for child in component.get("components") or []]
        elif component.get("type") == 18:
            children = [(component.get("component") or {}, component.get("label"))]
        else:
            continue
        for child, outer_label in children:
            if child.get("type") not in (3, 4, 5, 6, 7, 8):
                continue
            inputs.append(
                ModalInput(
                    custom_id=str(child.get("custom_id")),
                    label=outer_label if outer_label is not None else child.get("label"),
                    style=int(child.get("style") or 0),
                    min_length=child.get("min_length"),
                    max_length=child.get("max_length"),
                    required=bool(child.get("required", True)),
                    placeholder=child.get("placeholder"),
                    value=child.get("value"),
                    type=int(child.get("type", 4)),
                    component_id=child.get("id"),
                    in_label=outer_label is not None,
                )
            )
    return RecordedModal(
        custom_id=str(data.get("custom_id")),
        title=str(data.get("title")),
        inputs=tuple(inputs),
        components=list(data.get("components") or []),
        interaction_id=interaction_id,
        message_id=message_id,
    )


def build_modal_submit_data(
    modal: RecordedModal, values: Mapping[str, object], *, enforce_client_rules: bool = True
) -> dict[str, Any]:
    """``data`` of a type-5 interaction mirroring the modal's layout (rows or labels).

    With ``enforce_client_rules`` the values must be ones Discord's client would let a user
    submit (required filled, lengths within min/max); hostile tests turn that off.
    """
    chosen: dict[str, object] = {}
    for key, value in values.items():
        chosen[modal.input(key).custom_id] = value
    submitted: dict[str, dict[str, Any]] = {}
    for item in modal.inputs:
        raw = chosen.get(item.custom_id, item.value if item.value is not None else "")
        if item.type == 4:
            text = str(raw)
            if enforce_client_rules:
                _check_text(item, text)
            entry: dict[str, Any] = {"type": 4, "custom_id": item.custom_id, "value": text}
        else:
            picked = list(raw) if isinstance(raw, list | tuple) else ([] if raw == "" else [raw])
            entry = {
                "type": item.type,
                "custom_id": item.custom_id,
                "values": [str(v) for v in picked],
            }
        if item.component_id is not None:
            entry["id"] = item.component_id
        submitted[item.custom_id] = entry
    components: list[dict[str, Any]] = []
    for component in modal.components:
        if component.get("type") == 1:
            children = [
                submitted[str(child.get("custom_id"))]
                for child in component.get("components") or []
                if str(child.get("custom_id")) in submitted
            ]
            row: dict[str, Any] = {"type": 1, "components": children}
            if component.get("id") is not None:
                row["id"] = component["id"]
            components.append(row)
        elif component.get("type") == 18:
            inner = component.get("component") or {}
            label: dict[str, Any] = {
                "type": 18,
                "component": submitted[str(inner.get("custom_id"))],
            }
            if component.get("id") is not None:
                label["id"] = component["id"]
            components.append(label)
    return {"custom_id": modal.custom_id, "components": components}


def _check_text(item: ModalInput, text: str) -> None:
    if item.required and not text:
        raise ValueError(f"modal field {item.label!r} is required; Discord won't submit it empty")
    if text and item.min_length is not None and len(text) < item.min_length:
        raise ValueError(f"modal field {item.label!r} needs at least {item.min_length} characters")
    limit = item.max_length if item.max_length is not None else 4000
    if len(text) > limit:
        raise ValueError(f"modal field {item.label!r} takes at most {limit} characters")


class InteractionHandle:
    """One interaction the double sent, and everything the bot answered to it."""

    def __init__(self, world: World, payload: dict[str, Any]) -> None:
        self._world = world
        self.payload = payload
        self.id = int(payload["id"])
        self.token = str(payload["token"])
        self.type = int(payload["type"])
        self.created_at = world.now()
        self.channel_id = int(payload["channel_id"]) if "channel_id" in payload else None
        #: The first accepted initial callback.
        self.initial: RecordedResponse | None = None
        #: Every callback attempt, including rejected ones (double acks, late answers).
        self.callbacks: list[RecordedResponse] = []
        #: What ``@original`` refers to: the response message (types 4/5) or, after a 6/7
        #: answer to a component, the message that carries the component.
        self.original: RecordedMessage | None = None
        self.original_shown = False
        #: For component and modal-submit interactions, the message the user acted on.
        self.source_message: RecordedMessage | None = None
        self.followups: list[RecordedMessage] = []
        #: Follow-ups accepted (the one filling a "thinking" response included).
        self.followup_posts = 0
        self.recorded_modal: RecordedModal | None = None
        self.recorded_choices: list[dict[str, Any]] | None = None

    def __repr__(self) -> str:
        answered = self.initial.type if self.initial else None
        return f"<InteractionHandle id={self.id} type={self.type} answered={answered}>"

    @property
    def user_app_only(self) -> bool:
        """Authorized by a user's own install alone: the bot is not where it happened."""
        owners = self.payload.get("authorizing_integration_owners") or {}
        return str(GUILD_INSTALL) not in owners and str(USER_INSTALL) in owners

    # -- reading -------------------------------------------------------------------------
    @property
    def messages(self) -> list[RecordedMessage]:
        """Every visible message for this interaction in order: initial/@original, follow-ups."""
        shown: list[RecordedMessage] = []
        if self.original is not None and self.original_shown and self.original.visible:
            shown.append(self.original)
        shown += [message for message in self.followups if message.visible]
        return shown

    @property
    def ephemeral(self) -> bool:
        """Whether the first visible message is ephemeral (False when there is none)."""
        messages = self.messages
        return bool(messages and messages[0].flags & EPHEMERAL)

    def describe(self) -> str:
        """What the bot has done with this interaction so far (for timeout messages)."""
        lines = [f"interaction {self.id} (type {self.type}):"]
        lines += [
            f"  callback type={c.type} status={c.status} data={c.data}" for c in self.callbacks
        ]
        lines += [f"  visible message {m!r}" for m in self.messages]
        lines += [f"  violation: {v}" for v in self._world.violations]
        recent = [str(r) for r in self._world.requests[-8:]]
        lines.append(f"  last requests: {recent}")
        if not self.callbacks:
            lines.append(
                "  (no callback: is the bot connected? an interaction dispatched while no "
                "gateway socket is up waits in the session buffer for a RESUME)"
            )
        return "\n".join(lines)

    # -- waiting -------------------------------------------------------------------------
    async def response(self, timeout: float = 5.0) -> RecordedResponse:
        """The initial callback (type, data, elapsed seconds since the interaction was sent)."""
        return await self._world.notifier.wait_for(
            lambda: self.initial,
            timeout=timeout,
            what="the initial callback",
            describe=self.describe,
        )

    async def message(self, timeout: float = 5.0) -> RecordedMessage:
        """The first message the user sees (a type-4 answer, or what fills a deferral)."""
        return (await self.wait_messages(1, timeout=timeout))[0]

    async def wait_messages(self, count: int, timeout: float = 5.0) -> list[RecordedMessage]:
        """At least ``count`` visible messages (initial plus follow-ups)."""
        return await self._world.notifier.wait_for(
            lambda: self.messages if len(self.messages) >= count else None,
            timeout=timeout,
            what=f"{count} visible message(s)",
            describe=self.describe,
        )

    async def modal(self, timeout: float = 5.0) -> RecordedModal:
        """The modal of a type-9 answer."""
        return await self._world.notifier.wait_for(
            lambda: self.recorded_modal,
            timeout=timeout,
            what="a modal (type 9)",
            describe=self.describe,
        )

    async def choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The choices of a type-8 autocomplete answer."""
        return await self._world.notifier.wait_for(
            lambda: self.recorded_choices,
            timeout=timeout,
            what="autocomplete choices (type 8)",
            describe=self.describe,
        )


def choice_names(choices: Sequence[Mapping[str, Any]]) -> list[str]:
    """Convenience for assertions: the names shown to the user."""
    return [str(choice.get("name")) for choice in choices]
