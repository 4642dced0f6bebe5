"""``DiscordDouble``: the test-side API over the loopback Discord.

Everything the bot sees goes over real HTTP and websockets, so the bot may run in the test's
event loop or in another process; the methods here only drive and read the double.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from .gateway import (
    HEARTBEAT,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    RECONNECT,
    GatewayEvent,
)
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionHandle,
    base_payload,
    build_command_data,
    build_modal_submit_data,
)
from .payloads import channel_payload, guild_create_payload, member_payload, message_payload
from .records import (
    DEFAULT_MEMBER_PERMISSIONS,
    Channel,
    CommandPut,
    Guild,
    IdentifyRecord,
    RecordedMessage,
    RecordedModal,
    RecordedRequest,
    User,
)
from .responses import DEFAULT_MESSAGES
from .server import DoubleServer
from .state import Failure, World

_STATUS_CODES = {403: 50013, 404: 10003, 429: 0, 500: 0, 502: 0}


class DiscordDouble:
    """A loopback Discord for the unchanged discord.py client.

    ``async with DiscordDouble() as double:`` binds 127.0.0.1 on a free port with one guild
    holding one text channel. Point discord.py at ``api_base_url`` / ``gateway_url`` (see
    ``discord_double.client``) and start it with ``double.token``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = 41_250,
        recommended_shards: int = 1,
        clock: Callable[[], float] = time.monotonic,
        bot_name: str = "Microblog",
        guild_name: str = "Double Guild",
    ) -> None:
        self.world = World(clock=clock, bot_name=bot_name, guild_name=guild_name)
        self.server = DoubleServer(
            self.world,
            host=host,
            port=port,
            heartbeat_interval_ms=heartbeat_interval_ms,
            recommended_shards=recommended_shards,
        )
        self.gateway = self.server.gateway

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> Self:
        await self.server.start()
        return self

    async def close(self) -> None:
        await self.server.close()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- identity ------------------------------------------------------------------------
    @property
    def api_base_url(self) -> str:
        return self.server.api_base_url

    @property
    def gateway_url(self) -> str:
        return self.server.gateway_url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot_user(self) -> User:
        return self.world.bot_user

    @property
    def guild_id(self) -> int:
        return self.world.default_guild.id

    @property
    def channel_id(self) -> int:
        return self.world.default_channel.id

    # -- world building ------------------------------------------------------------------
    def add_guild(self, name: str, *, channel_name: str = "general") -> Guild:
        """A new guild with one text channel; the bot is in it (and in its next READY)."""
        return self.world.add_guild(name, channel_name=channel_name)

    def add_channel(self, name: str, *, guild_id: int | None = None) -> Channel:
        """A text channel; connected clients learn of it from ``announce_channel``."""
        return self.world.add_channel(guild_id or self.guild_id, name)

    async def join_guild(self, name: str, *, channel_name: str = "general") -> Guild:
        """The bot is added to a new guild while connected: GUILD_CREATE to the owning shard."""
        guild = self.world.add_guild(name, channel_name=channel_name)
        payload = guild_create_payload(guild, self.world.members_of(guild), self.world.bot_user)
        await self.gateway.dispatch("GUILD_CREATE", payload, guild_id=guild.id)
        return guild

    async def announce_channel(self, channel: Channel) -> None:
        """CHANNEL_CREATE for a channel added after READY."""
        await self.gateway.dispatch(
            "CHANNEL_CREATE", channel_payload(channel), guild_id=channel.guild_id
        )

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
        return self.world.add_user(
            username,
            global_name=global_name,
            permissions=permissions,
            admin=admin,
            guild_ids=list(guild_ids) if guild_ids is not None else None,
        )

    def add_admin(self, username: str, **kwargs: Any) -> User:
        """A member with the Administrator role (every permission bit)."""
        return self.add_user(username, admin=True, **kwargs)

    def channel(self, channel_id: int | None = None) -> Channel:
        return self.world.channels[channel_id or self.channel_id]

    # -- recorded state ------------------------------------------------------------------
    @property
    def violations(self) -> list[str]:
        """Everything Discord would have rejected (or that users would have seen fail)."""
        return self.world.violations

    @property
    def internal_errors(self) -> list[str]:
        """Exceptions inside the double's handlers; a test run should end with none."""
        return self.world.internal_errors

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.world.requests

    @property
    def unhandled_requests(self) -> list[RecordedRequest]:
        """Requests to routes the double does not implement (answered 404, code 0)."""
        return [r for r in self.world.requests if not r.route_known]

    @property
    def command_puts(self) -> list[CommandPut]:
        """Every bulk overwrite (``tree.sync``); ``len()`` is the number of syncs."""
        return self.world.command_puts

    def registered_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        return list(self.world.commands.get(guild_id, []))

    @property
    def identifies(self) -> list[IdentifyRecord]:
        return self.gateway.identifies

    @property
    def gateway_log(self) -> list[GatewayEvent]:
        return self.gateway.log

    @property
    def interactions(self) -> list[InteractionHandle]:
        return list(self.world.interactions.values())

    def channel_messages(
        self, channel_id: int | None = None, *, include_interactions: bool = False
    ) -> list[RecordedMessage]:
        """Messages the bot posted with POST /channels/{id}/messages (not deleted), in order.
        ``include_interactions`` adds interaction responses and follow-ups shown there."""
        return self.world.channel_messages(
            channel_id or self.channel_id, include_interactions=include_interactions
        )

    def message(self, message_id: int) -> RecordedMessage:
        return self.world.messages[message_id]

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        """What downloading an attachment of a recorded message would give."""
        return self.world.attachment_data[str(attachment["id"])]

    def advance_time(self, seconds: float) -> None:
        """Move the double's clock (3 s initial-response and 15 min token limits)."""
        self.world.advance(seconds)

    # -- failure injection ---------------------------------------------------------------
    def fail_channel(
        self,
        channel_id: int | None = None,
        *,
        status: int = 403,
        code: int | None = None,
        times: int = 1,
        retry_after: float = 0.05,
        method: str | None = None,
        message: str | None = None,
    ) -> Failure:
        """The next ``times`` requests under ``/channels/{id}`` answer with this error:
        403 (50001 Missing Access / 50013 Missing Permissions), 404 (10003 Unknown Channel),
        429 (``retry_after`` seconds, shared scope), 500/502."""
        return self.fail_route(
            f"/channels/{channel_id or self.channel_id}",
            status=status,
            code=code,
            times=times,
            retry_after=retry_after,
            method=method,
            message=message,
        )

    def slow_channel(
        self, channel_id: int | None = None, *, seconds: float, times: int = 1
    ) -> None:
        """The next ``times`` messages posted to the channel are stored at once, but the
        answer takes ``seconds``: a bot that dies meanwhile never learns they arrived."""
        self.world.slow_answers[channel_id or self.channel_id] = [seconds, times]

    def fail_route(
        self,
        path_prefix: str,
        *,
        status: int,
        code: int | None = None,
        times: int = 1,
        retry_after: float = 0.05,
        method: str | None = None,
        message: str | None = None,
    ) -> Failure:
        """Like ``fail_channel`` for any API path (without the ``/api/v10`` prefix)."""
        resolved = code if code is not None else _STATUS_CODES.get(status, 0)
        failure = Failure(
            path_prefix=path_prefix,
            method=method,
            status=status,
            code=resolved,
            message=message or DEFAULT_MESSAGES.get(resolved, f"{status}"),
            remaining=times,
            retry_after=retry_after,
        )
        self.world.failures.append(failure)
        return failure

    # -- waiting -------------------------------------------------------------------------
    def _describe(self) -> str:
        lines = [f"gateway: {[f'{e.kind}{e.detail}' for e in self.gateway.log[-10:]]}"]
        lines.append(f"requests: {[str(r) for r in self.world.requests[-10:]]}")
        lines += [f"violation: {v}" for v in self.world.violations]
        return "\n".join(lines)

    async def wait_for_ready(self, timeout: float = 10.0) -> None:
        """A client identified and READY plus every GUILD_CREATE went out on its socket."""
        await self.wait_for_shards(1, timeout=timeout)

    async def wait_for_shards(self, count: int, timeout: float = 10.0) -> set[int]:
        """``count`` distinct shards have live, ready sessions."""
        return await self.world.notifier.wait_for(
            lambda: shards if len(shards := self.gateway.ready_shards()) >= count else None,
            timeout=timeout,
            what=f"{count} ready shard(s)",
            describe=self._describe,
        )

    async def wait_for_gateway(
        self, kind: str, count: int = 1, timeout: float = 10.0
    ) -> GatewayEvent:
        """The ``count``-th gateway log event of ``kind`` (IDENTIFY, RESUME, RESUMED, ...)."""

        def found() -> GatewayEvent | None:
            events = self.gateway.events(kind)
            return events[count - 1] if len(events) >= count else None

        return await self.world.notifier.wait_for(
            found, timeout=timeout, what=f"gateway event {kind} #{count}", describe=self._describe
        )

    async def wait_for_request(
        self, method: str, path_prefix: str, *, count: int = 1, timeout: float = 5.0
    ) -> RecordedRequest:
        """The ``count``-th request with this method whose path starts with ``path_prefix``."""

        def found() -> RecordedRequest | None:
            matching = [
                r
                for r in self.world.requests
                if r.method == method and r.path.startswith(path_prefix)
            ]
            return matching[count - 1] if len(matching) >= count else None

        return await self.world.notifier.wait_for(
            found, timeout=timeout, what=f"{method} {path_prefix}", describe=self._describe
        )

    async def wait_for_channel_message(
        self, channel_id: int | None = None, *, count: int = 1, timeout: float = 5.0
    ) -> RecordedMessage:
        """The ``count``-th message posted to the channel."""

        def found() -> RecordedMessage | None:
            messages = self.channel_messages(channel_id)
            return messages[count - 1] if len(messages) >= count else None

        return await self.world.notifier.wait_for(
            found, timeout=timeout, what=f"channel message #{count}", describe=self._describe
        )

    # -- gateway controls ----------------------------------------------------------------
    async def drop_gateway(
        self, *, shard_id: int | None = None, close_code: int | None = None
    ) -> int:
        """Cut the socket(s) with no close frame (or with ``close_code``); discord.py resumes.
        Events dispatched from now on are buffered and replayed on RESUME."""
        return await self.gateway.drop(shard_id=shard_id, close_code=close_code)

    async def send_reconnect(self, *, shard_id: int | None = None) -> int:
        """op 7 RECONNECT: the client closes and resumes on ``resume_gateway_url``."""
        return await self.gateway.send_op(RECONNECT, None, shard_id=shard_id)

    async def invalidate_session(
        self, *, resumable: bool = False, shard_id: int | None = None
    ) -> int:
        """op 9 INVALID SESSION; not resumable forces a fresh IDENTIFY."""
        return await self.gateway.invalidate(resumable=resumable, shard_id=shard_id)

    async def request_heartbeat(self, *, shard_id: int | None = None) -> int:
        """op 1 from the server: the client must heartbeat at once."""
        return await self.gateway.send_op(HEARTBEAT, None, shard_id=shard_id)

    # -- interactions --------------------------------------------------------------------
    def _channel_for(self, guild_id: int | None, channel_id: int | None) -> Channel:
        if channel_id is not None:
            return self.world.channels[channel_id]
        if guild_id is not None:
            return self.world.guilds[guild_id].channels[0]
        return self.world.default_channel

    async def send_interaction(self, payload: dict[str, Any]) -> InteractionHandle:
        """Dispatch an INTERACTION_CREATE exactly as given (hostile payloads included)."""
        handle = (
            InteractionHandle(self.world, payload)
            if "id" in payload and "token" in payload
            else None
        )
        if handle is None:
            handle = InteractionHandle(
                self.world, {"id": "0", "token": "", "type": payload.get("type", 0)}
            )
        return await self._dispatch_interaction(handle, payload)

    async def _dispatch_interaction(
        self, handle: InteractionHandle, payload: dict[str, Any]
    ) -> InteractionHandle:
        self.world.interactions[handle.id] = handle
        self.world.interactions_by_token[handle.token] = handle
        guild_id = payload.get("guild_id")
        targets = await self.gateway.dispatch(
            "INTERACTION_CREATE", payload, guild_id=int(guild_id) if guild_id else None
        )
        if not targets:
            raise AssertionError(
                "no live gateway session to deliver the interaction to; is the bot connected?\n"
                + self._describe()
            )
        return handle

    async def send_slash(
        self,
        user: User,
        name: str,
        options: Mapping[str, object] | None = None,
        *,
        subcommand: str | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A user runs ``/name [subcommand] options`` (typed from the synced definition)."""
        channel = self.world.dm_channel(user) if dm else self._channel_for(guild_id, channel_id)
        data = build_command_data(
            self.world,
            name=name,
            options=options or {},
            subcommand=subcommand,
            guild_id=channel.guild_id,
        )
        payload = base_payload(
            self.world,
            interaction_type=APPLICATION_COMMAND,
            user=user,
            channel=channel,
            data=data,
            locale=locale,
        )
        return await self._dispatch_interaction(InteractionHandle(self.world, payload), payload)

    async def send_autocomplete(
        self,
        user: User,
        name: str,
        options: Mapping[str, object],
        *,
        focused: str,
        subcommand: str | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """The user typed into option ``focused``; the bot must answer type 8 with choices."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be one of the options given")
        channel = self._channel_for(guild_id, channel_id)
        data = build_command_data(
            self.world,
            name=name,
            options=options,
            subcommand=subcommand,
            guild_id=channel.guild_id,
            focused=focused,
        )
        payload = base_payload(
            self.world,
            interaction_type=AUTOCOMPLETE,
            user=user,
            channel=channel,
            data=data,
            locale=locale,
        )
        return await self._dispatch_interaction(InteractionHandle(self.world, payload), payload)

    def _component_check(self, message: RecordedMessage, custom_id: str) -> dict[str, Any]:
        current = self.world.messages.get(message.id, message)
        if current.deleted:
            raise AssertionError(f"message {message.id} was deleted; nobody can click on it")
        component = current.component(custom_id)
        if component.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled; Discord won't send a click")
        return component

    async def click_button(
        self, user: User, message: RecordedMessage, custom_id: str, *, locale: str = "en-US"
    ) -> InteractionHandle:
        """The user presses a button on a message the bot sent (its current state)."""
        component = self._component_check(message, custom_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if component.get("id") is not None:
            data["id"] = component["id"]
        return await self._component_interaction(user, message, data, locale)

    async def select_option(
        self,
        user: User,
        message: RecordedMessage,
        custom_id: str,
        values: Sequence[str],
        *,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """The user picks ``values`` in a select menu on a message the bot sent."""
        component = self._component_check(message, custom_id)
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": int(component.get("type", 3)),
            "values": list(values),
        }
        return await self._component_interaction(user, message, data, locale)

    async def _component_interaction(
        self, user: User, message: RecordedMessage, data: dict[str, Any], locale: str
    ) -> InteractionHandle:
        channel = self.world.channels[message.channel_id]
        payload = base_payload(
            self.world,
            interaction_type=MESSAGE_COMPONENT,
            user=user,
            channel=channel,
            data=data,
            locale=locale,
            message=dict(message.payload),
        )
        handle = InteractionHandle(self.world, payload)
        handle.source_message = message
        return await self._dispatch_interaction(handle, payload)

    async def submit_modal(
        self,
        user: User,
        modal: RecordedModal,
        values: Mapping[str, object],
        *,
        enforce_client_rules: bool = True,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """The user fills in ``values`` (keys: field label, snake_case label or custom_id) and
        submits; unfilled fields are sent empty, as Discord does."""
        origin = self.world.interactions[modal.interaction_id]
        channel = self.world.channels[origin.channel_id or self.channel_id]
        data = build_modal_submit_data(modal, values, enforce_client_rules=enforce_client_rules)
        source = self.world.messages.get(modal.message_id) if modal.message_id else None
        payload = base_payload(
            self.world,
            interaction_type=MODAL_SUBMIT,
            user=user,
            channel=channel,
            data=data,
            locale=locale,
            message=dict(source.payload) if source is not None else None,
        )
        handle = InteractionHandle(self.world, payload)
        handle.source_message = source
        return await self._dispatch_interaction(handle, payload)

    async def send_message(
        self, user: User, content: str, *, channel_id: int | None = None
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE; content hidden without the intent)."""
        channel = self.world.channels[channel_id or self.channel_id]
        payload = message_payload(
            message_id=self.world.ids.next(),
            channel=channel,
            author=user,
            body={"content": content},
        )
        if channel.guild_id is not None:
            member = member_payload(user)
            member.pop("user")
            payload["member"] = member
        await self.gateway.dispatch(
            "MESSAGE_CREATE",
            payload,
            guild_id=channel.guild_id,
            intent=INTENT_GUILD_MESSAGES if channel.guild_id else INTENT_DIRECT_MESSAGES,
            redact=f"<@{self.world.bot_user.id}>" not in content,
        )
        return payload
