"""The double's world: ids, clock, users, guilds, channels, commands and everything recorded.

REST handlers, the gateway and the test-side API all read and change this one object, so a
test sees exactly what the bot was answered, in the order it happened.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
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


def make_token(application_id: int) -> str:
    """A bot token shaped like Discord's: base64(user id) . timestamp . hmac."""
    head = base64.urlsafe_b64encode(str(application_id).encode()).decode().rstrip("=")
    return f"{head}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(27)}"


class World:
    """All state of one double instance."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        bot_name: str = "Microblog",
        guild_name: str = "Double Guild",
    ) -> None:
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
        self.messages: dict[int, RecordedMessage] = {}
        #: Uploaded file contents by attachment id, as Discord's CDN would serve them.
        self.attachment_data: dict[str, bytes] = {}
        self.interactions: dict[int, InteractionHandle] = {}
        self.interactions_by_token: dict[str, InteractionHandle] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {None: []}
        self.command_puts: list[CommandPut] = []
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        #: Exceptions raised inside the double's own handlers (bugs in the double).
        self.internal_errors: list[str] = []
        self.failures: list[Failure] = []
        self.nonces: dict[str, tuple[float, RecordedMessage]] = {}
        # channel id -> [seconds, remaining]: messages stored at once, answered late.
        self.slow_answers: dict[int, list[float]] = {}
        self.default_guild = self.add_guild(guild_name)
        self.default_channel = self.default_guild.channels[0]

    # -- time ---------------------------------------------------------------------------
    def now(self) -> float:
        """The double's clock; ``advance`` moves it forward to test the 3 s / 15 min limits."""
        return self._clock() + self.time_offset

    def advance(self, seconds: float) -> None:
        self.time_offset += seconds
        self.notifier.notify()

    # -- recording ----------------------------------------------------------------------
    def violate(self, text: str) -> None:
        """Something Discord would have rejected (or that would break the user's experience)."""
        self.violations.append(text)
        self.notifier.notify()

    def record(self, request: RecordedRequest) -> None:
        self.requests.append(request)
        self.notifier.notify()

    # -- world building -----------------------------------------------------------------
    def add_guild(self, name: str, *, channel_name: str = "general") -> Guild:
        guild = Guild(
            id=self.ids.next(),
            name=name,
            owner_id=self.bot_user.id,
            admin_role_id=self.admin_role_id,
            member_ids=[self.bot_user.id],
        )
        self.guilds[guild.id] = guild
        self.commands[guild.id] = []
        self.add_channel(guild.id, channel_name)
        return guild

    def add_channel(self, guild_id: int, name: str) -> Channel:
        guild = self.guilds[guild_id]
        channel = Channel(
            id=self.ids.next(), name=name, guild_id=guild_id, position=len(guild.channels)
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
        guild_ids: list[int] | None = None,
    ) -> User:
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

    # -- lookups ------------------------------------------------------------------------
    def find_command(
        self, name: str, guild_id: int | None
    ) -> tuple[dict[str, Any], int | None] | None:
        """The synced command a user would invoke: the guild's own first, then global."""
        if guild_id is not None:
            for command in self.commands.get(guild_id, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command, guild_id
        for command in self.commands[None]:
            if command["name"] == name and command.get("type", 1) == 1:
                return command, None
        return None

    def add_message(self, message: RecordedMessage) -> RecordedMessage:
        self.messages[message.id] = message
        self.notifier.notify()
        return message

    def channel_messages(
        self, channel_id: int, *, include_interactions: bool = False
    ) -> list[RecordedMessage]:
        return [
            message
            for message in self.messages.values()
            if message.channel_id == channel_id
            and not message.deleted
            and (include_interactions or message.source == "channel")
        ]
