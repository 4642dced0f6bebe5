"""The double's world: ids, clock, users, guilds, channels, commands and everything recorded.

REST handlers, the gateway and the test-side API all read and change this one object (a
``DiscordDouble`` is a ``World`` with a server around it), so a test sees exactly what the bot
was answered, in the order it happened.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .records import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    Channel,
    CommandPut,
    Guild,
    RecordedMessage,
    RecordedRequest,
    User,
)
from .snowflake import SnowflakeFactory, iso_now
from .waiting import Notifier

if TYPE_CHECKING:
    from .interactions import InteractionHandle

#: Discord's window for ``enforce_nonce`` de-duplication ("the past few minutes").
NONCE_WINDOW_SECONDS = 300.0
#: How many of each kind of record a double keeps unless told otherwise (``history=``): far
#: more than a test makes, few enough that a long sandbox or benchmark run stays flat.
DEFAULT_HISTORY = 10_000


@dataclass
class Failure:
    """An injected error: the next ``remaining`` matching requests get this answer."""

    path_prefix: str
    method: str | None
    status: int
    code: int
    message: str
    remaining: int
    retry_after: float = 0.05

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return path == self.path_prefix or path.startswith(self.path_prefix.rstrip("/") + "/")


def take_slow_answer(world: World, channel_id: int) -> float:
    """Seconds to hold back the answer to a message just stored in ``channel_id``."""
    slow = world.slow_answers.get(channel_id)
    if not slow or slow[1] <= 0:
        return 0.0
    slow[1] -= 1
    return slow[0]


def _forget_oldest(records: OrderedDict[Any, Any], keep: int | None) -> None:
    while keep is not None and len(records) > keep:
        records.popitem(last=False)


def make_token(application_id: int) -> str:
    """A bot token shaped like Discord's: base64(user id) . timestamp . hmac."""
    head = base64.urlsafe_b64encode(str(application_id).encode()).decode().rstrip("=")
    return f"{head}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(27)}"


class World:
    """All state of one double instance, with the methods a test builds and reads it by.

    What a test reads (``double.violations``, ``double.requests``...) is this state itself,
    not an accessor kept in step with it. Records that grow with traffic (requests, messages,
    interactions, nonces, and in the gateway each session's frames and the logs) keep the
    newest ``history`` of their kind; ``None`` keeps everything.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        bot_name: str = "Microblog",
        guild_name: str = "Double Guild",
        history: int | None = DEFAULT_HISTORY,
    ) -> None:
        if history is not None and history < 1:
            raise ValueError(f"history must keep at least one record of each kind, not {history}")
        self.history = history
        self.ids = SnowflakeFactory()
        self.notifier = Notifier()
        self._clock = clock
        self.time_offset = 0.0
        self.application_id = self.ids.next()
        self.token = make_token(self.application_id)
        self.bot_role_id = self.ids.next()
        self.admin_role_id = self.ids.next()
        self.bot_user = User(
            id=self.application_id,
            username=bot_name,
            global_name=None,
            bot=True,
            permissions=ALL_PERMISSIONS,
            role_ids=(self.bot_role_id,),
            joined_at=iso_now(),
        )
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.dm_channels: dict[int, Channel] = {}
        self.messages: OrderedDict[int, RecordedMessage] = OrderedDict()
        #: Uploaded file contents by attachment id, as Discord's CDN would serve them.
        self._attachment_data: OrderedDict[str, bytes] = OrderedDict()
        self.interactions_by_id: OrderedDict[int, InteractionHandle] = OrderedDict()
        self.interactions_by_token: OrderedDict[str, InteractionHandle] = OrderedDict()
        self.commands: dict[int | None, list[dict[str, Any]]] = {None: []}
        #: Every bulk overwrite (``tree.sync``); ``len()`` is the number of syncs.
        self.command_puts: list[CommandPut] = []
        self._requests: deque[RecordedRequest] = deque(maxlen=history)
        #: Everything Discord would have rejected (or that users would have seen fail).
        self.violations: list[str] = []
        #: Exceptions raised inside the double's own handlers (bugs in the double); a test run
        #: should end with none.
        self.internal_errors: list[str] = []
        self.failures: list[Failure] = []
        #: Users who do not take DMs from the bot: a message to their DM channel is 403/50007.
        self.closed_dms: set[int] = set()
        self._nonces: OrderedDict[str, tuple[float, RecordedMessage]] = OrderedDict()
        # channel id -> [seconds, remaining]: messages stored at once, answered late.
        self.slow_answers: dict[int, list[float]] = {}
        self.default_guild = self.add_guild(guild_name)
        self.default_channel = self.default_guild.channels[0]

    @property
    def guild_id(self) -> int:
        return self.default_guild.id

    @property
    def channel_id(self) -> int:
        return self.default_channel.id

    # -- time ---------------------------------------------------------------------------
    def now(self) -> float:
        """The double's clock; ``advance_time`` moves it to test the 3 s / 15 min limits."""
        return self._clock() + self.time_offset

    def advance_time(self, seconds: float) -> None:
        """Move the double's clock (3 s initial-response and 15 min token limits)."""
        self.time_offset += seconds
        self.notifier.notify()

    # -- recording ----------------------------------------------------------------------
    def violate(self, text: str) -> None:
        """Something Discord would have rejected (or that would break the user's experience)."""
        self.violations.append(text)
        self.notifier.notify()

    def record(self, request: RecordedRequest) -> None:
        self._requests.append(request)
        self.notifier.notify()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request the bot made (the newest ``history``), in arrival order."""
        return list(self._requests)

    def add_message(self, message: RecordedMessage) -> RecordedMessage:
        self.messages[message.id] = message
        _forget_oldest(self.messages, self.history)
        self.notifier.notify()
        return message

    def add_attachment_data(self, attachment_id: str, data: bytes) -> None:
        self._attachment_data[attachment_id] = data
        _forget_oldest(self._attachment_data, self.history)

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        """What downloading an attachment of a recorded message would give."""
        return self._attachment_data[str(attachment["id"])]

    def add_interaction(self, handle: InteractionHandle) -> None:
        self.interactions_by_id[handle.id] = handle
        self.interactions_by_token[handle.token] = handle
        _forget_oldest(self.interactions_by_id, self.history)
        _forget_oldest(self.interactions_by_token, self.history)

    def add_nonce(self, nonce: str, message: RecordedMessage) -> None:
        self._nonces[nonce] = (self.now(), message)
        _forget_oldest(self._nonces, self.history)

    def nonce_message(self, nonce: str) -> RecordedMessage | None:
        """The message stored with ``nonce`` within Discord's de-duplication window."""
        seen = self._nonces.get(nonce)
        if seen is None or self.now() - seen[0] > NONCE_WINDOW_SECONDS:
            return None
        return seen[1]

    # -- world building -----------------------------------------------------------------
    def add_guild(
        self, name: str, *, channel_name: str = "general", with_bot: bool = True
    ) -> Guild:
        """A new guild with one text channel; the bot is in it (and in its next READY).

        ``with_bot=False``: a server that never added the bot, where people use it only as a
        user-installed app (no GUILD_CREATE, interactions with a partial guild and channel).
        """
        guild = Guild(
            id=self.ids.next(),
            name=name,
            owner_id=self.bot_user.id,
            admin_role_id=self.admin_role_id,
            member_ids=[self.bot_user.id] if with_bot else [],
        )
        self.guilds[guild.id] = guild
        self.commands[guild.id] = []
        self.add_channel(channel_name, guild_id=guild.id)
        return guild

    def add_channel(self, name: str, *, guild_id: int | None = None) -> Channel:
        """A text channel (in the default guild unless told); connected clients learn of it
        from ``announce_channel``."""
        guild = self.guilds[guild_id or self.guild_id]
        channel = Channel(
            id=self.ids.next(), name=name, guild_id=guild.id, position=len(guild.channels)
        )
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    def add_user(
        self,
        username: str,
        *,
        global_name: str | None = None,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        admin: bool = False,
        guild_ids: Sequence[int] | None = None,
    ) -> User:
        """A member of every guild (or ``guild_ids``); a plain member unless told otherwise."""
        user = User(
            id=self.ids.next(),
            username=username,
            global_name=global_name if global_name is not None else username.title(),
            permissions=ALL_PERMISSIONS if admin else permissions,
            role_ids=(self.admin_role_id,) if admin or permissions & ADMINISTRATOR else (),
            joined_at=iso_now(),
        )
        self.users[user.id] = user
        for guild_id in guild_ids if guild_ids is not None else list(self.guilds):
            self.guilds[guild_id].member_ids.append(user.id)
        return user

    def add_admin(self, username: str, **kwargs: Any) -> User:
        """A member with the Administrator role (every permission bit)."""
        return self.add_user(username, admin=True, **kwargs)

    def members_of(self, guild: Guild) -> list[User]:
        return [self.users[user_id] for user_id in guild.member_ids if user_id in self.users]

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (created on first use, as Discord does)."""
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = Channel(
                id=self.ids.next(), name="", guild_id=None, type=1, recipient_id=user.id
            )
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def add_private_channel(self, *people: User) -> Channel:
        """A DM between two people (or a group DM for more), without the bot in it."""
        if len(people) < 2:
            raise ValueError("a private channel has at least two people")
        channel = Channel(
            id=self.ids.next(),
            name="" if len(people) == 2 else ", ".join(p.username for p in people),
            guild_id=None,
            type=1 if len(people) == 2 else 3,
            recipient_ids=tuple(person.id for person in people),
        )
        self.channels[channel.id] = channel
        return channel

    def context_of(self, channel: Channel) -> int:
        """Discord's interaction context: 0 a server, 1 a DM with the bot, 2 any other DM."""
        if channel.guild_id is not None:
            return 0
        return 1 if channel.recipient_id is not None else 2

    def bot_is_in(self, channel: Channel) -> bool:
        """Whether the bot itself is there (a server it was added to, or its own DMs)."""
        if channel.guild_id is not None:
            return self.guilds[channel.guild_id].has_member(self.bot_user.id)
        return channel.recipient_id is not None

    # -- lookups ------------------------------------------------------------------------
    def channel(self, channel_id: int | None = None) -> Channel:
        return self.channels[channel_id or self.channel_id]

    def message(self, message_id: int) -> RecordedMessage:
        return self.messages[message_id]

    @property
    def interactions(self) -> list[InteractionHandle]:
        return list(self.interactions_by_id.values())

    @property
    def unhandled_requests(self) -> list[RecordedRequest]:
        """Requests to routes the double does not implement (answered 404, code 0)."""
        return [r for r in self.requests if not r.route_known]

    def registered_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        return list(self.commands.get(guild_id, []))

    def find_command(
        self, name: str, guild_id: int | None, *, kind: int = 1, locale: str | None = None
    ) -> tuple[dict[str, Any], int | None] | None:
        """The synced command a user would invoke: the guild's own first, then global.

        ``name`` may be the one a client in ``locale`` shows (``name_localizations``).
        """

        def named(command: dict[str, Any]) -> bool:
            shown = (command.get("name_localizations") or {}).get(locale) if locale else None
            return command.get("type", 1) == kind and name in (command["name"], shown)

        if guild_id is not None:
            for command in self.commands.get(guild_id, []):
                if named(command):
                    return command, guild_id
        for command in self.commands[None]:
            if named(command):
                return command, None
        return None

    def channel_messages(
        self, channel_id: int | None = None, *, include_interactions: bool = False
    ) -> list[RecordedMessage]:
        """Messages the bot posted with POST /channels/{id}/messages (not deleted), in order.
        ``include_interactions`` adds interaction responses and follow-ups shown there."""
        channel_id = channel_id or self.channel_id
        return [
            message
            for message in self.messages.values()
            if message.channel_id == channel_id
            and not message.deleted
            and (include_interactions or message.source == "channel")
        ]
