"""What the double knows and what it saw: users, guilds, and every message, modal and request.

Recorded objects are plain dataclasses so tests can read them without going through HTTP; a
``RecordedMessage`` is mutable on purpose: when the bot edits a message (PATCH, or a type-7
component update) the same object shows the latest state, with the history in ``edits``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .limits import EPHEMERAL, IS_COMPONENTS_V2, LOADING, walk_components

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38

#: What a plain member of a fresh guild can do: no Manage Channels, no Manage Messages.
DEFAULT_MEMBER_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
#: Discord resolves an administrator's channel permissions to every bit.
ALL_PERMISSIONS = (1 << 53) - 1
#: What the bot itself may do in the double's channels (``app_permissions``).
BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | MANAGE_MESSAGES | MENTION_EVERYONE

# Gateway intents Discord gates behind the developer portal.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT


@dataclass(frozen=True)
class User:
    """A Discord user who is a member of the double's guilds."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    #: The member's resolved permissions in every channel (a bit field, sent as a string).
    permissions: int = DEFAULT_MEMBER_PERMISSIONS
    role_ids: tuple[int, ...] = ()
    joined_at: str = ""

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(frozen=True)
class Channel:
    """A guild text channel (type 0), a DM channel (type 1) or a group DM (type 3).

    A DM with the bot has ``recipient_id``; a DM or group DM between people, where only a
    user-installed app can be used, lists them in ``recipient_ids``.
    """

    id: int
    name: str
    guild_id: int | None
    type: int = 0
    position: int = 0
    recipient_id: int | None = None
    recipient_ids: tuple[int, ...] = ()


@dataclass
class Guild:
    """A guild with its channels, roles and members (user ids)."""

    id: int
    name: str
    owner_id: int
    channels: list[Channel] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)
    admin_role_id: int | None = None
    features: list[str] = field(default_factory=list)
    locale: str = "en-US"

    def shard_id(self, shard_count: int) -> int:
        """Discord's routing rule: ``(guild_id >> 22) % shard_count``."""
        return (self.id >> 22) % max(shard_count, 1)

    def has_member(self, user_id: int) -> bool:
        return user_id in self.member_ids


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request the bot made, in arrival order."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int
    at: float
    files: tuple[str, ...] = ()
    #: False for routes the double does not implement (answered 404, code 0).
    route_known: bool = True

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass(frozen=True)
class IdentifyRecord:
    """An IDENTIFY the double accepted (or refused)."""

    session_id: str
    shard: tuple[int, int]
    intents: int
    properties: dict[str, Any]
    at: float

    @property
    def privileged_intents(self) -> int:
        """The privileged bits requested (members, presences, message content)."""
        return self.intents & PRIVILEGED_INTENTS


@dataclass(frozen=True)
class CommandPut:
    """One bulk overwrite of application commands (the bot's ``tree.sync``)."""

    guild_id: int | None
    names: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class Button:
    """A button as a user sees it on a message."""

    label: str | None
    custom_id: str | None
    disabled: bool
    style: int
    url: str | None = None


@dataclass(eq=False)
class RecordedMessage:
    """A message the bot made visible (or loading), holding its latest Discord payload."""

    id: int
    channel_id: int
    payload: dict[str, Any]
    created_at: float
    source: str  # "channel", "interaction" (initial/@original) or "followup"
    interaction_id: int | None = None
    allowed_mentions: dict[str, Any] | None = None
    nonce: str | None = None
    deleted: bool = False
    edits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.payload.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.payload.get("components") or [])

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.payload.get("attachments") or [])

    @property
    def flags(self) -> int:
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred ("thinking...") response not yet filled by an edit or follow-up."""
        return bool(self.flags & LOADING)

    @property
    def visible(self) -> bool:
        return not self.deleted and not self.loading

    @property
    def components_v2(self) -> bool:
        """A Components V2 message: its text lives in text displays, not in content."""
        return bool(self.flags & IS_COMPONENTS_V2)

    @property
    def texts(self) -> list[str]:
        """Every text display (type 10), in reading order, sections' and containers' included."""
        return [
            str(component.get("content") or "")
            for _, component in walk_components(self.components)
            if component.get("type") == 10
        ]

    @property
    def buttons(self) -> list[tuple[str | None, str | None, bool]]:
        """``(label, custom_id, disabled)`` of every button, in reading order."""
        return [(b.label, b.custom_id, b.disabled) for b in self.button_objects]

    @property
    def button_objects(self) -> list[Button]:
        found: list[Button] = []
        for _, component in walk_components(self.components):
            if component.get("type") == 2:
                found.append(
                    Button(
                        label=component.get("label"),
                        custom_id=component.get("custom_id"),
                        disabled=bool(component.get("disabled", False)),
                        style=int(component.get("style", 2)),
                        url=component.get("url"),
                    )
                )
        return found

    def button(self, label: str) -> str:
        """The custom_id of the button labelled ``label``; AssertionError if there is none."""
        for button in self.button_objects:
            if button.label == label and button.custom_id is not None:
                return button.custom_id
        labels = [b.label for b in self.button_objects]
        raise AssertionError(
            f"no button labelled {label!r} on message {self.id}; buttons: {labels}"
        )

    def component(self, custom_id: str) -> dict[str, Any]:
        """The component (button, select...) with this custom_id; AssertionError if absent."""
        for _, component in walk_components(self.components):
            if component.get("custom_id") == custom_id:
                return component
        raise AssertionError(f"no component {custom_id!r} on message {self.id}")

    def __repr__(self) -> str:
        flags = f" flags={self.flags}" if self.flags else ""
        return (
            f"<RecordedMessage id={self.id} source={self.source}{flags} "
            f"content={self.content[:60]!r} embeds={len(self.embeds)}>"
        )


@dataclass(frozen=True)
class ModalInput:
    """One field of a modal as the user sees it."""

    custom_id: str
    label: str | None
    style: int
    min_length: int | None
    max_length: int | None
    required: bool
    placeholder: str | None = None
    value: str | None = None
    type: int = 4
    component_id: int | None = None
    in_label: bool = False


@dataclass(frozen=True)
class RecordedModal:
    """A modal the bot opened (a type-9 callback), ready for ``submit_modal``."""

    custom_id: str
    title: str
    inputs: tuple[ModalInput, ...]
    components: list[dict[str, Any]]
    interaction_id: int
    message_id: int | None = None

    def input(self, key: str) -> ModalInput:
        """Find a field by custom_id, label, or label in snake_case ("Display name" ->
        ``display_name``): text inputs get random custom_ids in discord.py, so tests name
        them by what the user reads."""
        wanted = key.casefold()
        for item in self.inputs:
            if item.custom_id == key:
                return item
        for item in self.inputs:
            label = (item.label or "").casefold()
            if wanted in (label, label.replace(" ", "_"), label.replace(" ", "")):
                return item
        raise KeyError(f"modal {self.title!r} has no field {key!r}; fields: {self.describe()}")

    def describe(self) -> list[str]:
        return [f"{item.label!r} ({item.custom_id})" for item in self.inputs]


@dataclass(frozen=True)
class RecordedResponse:
    """The initial callback the bot gave an interaction."""

    type: int
    data: dict[str, Any]
    elapsed: float
    status: int
    at: float

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & EPHEMERAL)
