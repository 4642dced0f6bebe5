"""``DiscordDouble``: the world (``state.World``) served over HTTP and websockets, plus the
controls a test drives it with: users acting, gateway drops, injected failures, waiting.

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
    GUILD_INSTALL,
    INSTALLS,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionHandle,
    base_payload,
    build_command_data,
    build_context_menu_data,
    build_modal_submit_data,
)
from .payloads import channel_payload, guild_create_payload, member_payload, message_payload
from .records import (
    Channel,
    Guild,
    IdentifyRecord,
    RecordedMessage,
    RecordedModal,
    RecordedRequest,
    User,
)
from .responses import DEFAULT_MESSAGES
from .server import DoubleServer
from .state import DEFAULT_HISTORY, Failure, World

_STATUS_CODES = {403: 50013, 404: 10003, 429: 0, 500: 0, 502: 0}


class DiscordDouble(World):
    """A loopback Discord for the unchanged discord.py client.

    ``async with DiscordDouble() as double:`` binds 127.0.0.1 on a free port with one guild
    holding one text channel. Point discord.py at ``api_base_url`` / ``gateway_url`` (see
    ``discord_double.client``) and start it with ``double.token``. The world it serves
    (users, guilds, and everything recorded) is this object itself: see ``World``, and its
    ``history`` for how many records of each kind are kept (the newest 10,000 by default).
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
        history: int | None = DEFAULT_HISTORY,
    ) -> None:
        super().__init__(clock=clock, bot_name=bot_name, guild_name=guild_name, history=history)
        self.server = DoubleServer(
            self,
            host=host,
            port=port,
            heartbeat_interval_ms=heartbeat_interval_ms,
            recommended_shards=recommended_shards,
        )
        self.gateway = self.server.gateway

    @property
    def world(self) -> World:
        """The state, for code written when it was a separate object (it is the double now)."""
        return self

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

    @property
    def api_base_url(self) -> str:
        return self.server.api_base_url

    @property
    def gateway_url(self) -> str:
        return self.server.gateway_url

    @property
    def port(self) -> int:
        return self.server.port

    def bot_settings(self) -> dict[str, Any]:
        """What a bot's ``[discord]`` config needs to use this double: the token, both
        endpoints, and the guild to sync commands to (instantly, as a dev guild)."""
        return {
            "token": self.token,
            "api_base_url": self.api_base_url,
            "gateway_url": self.gateway_url,
            "dev_guild_id": self.guild_id,
        }

    # -- the world, announced over the gateway -------------------------------------------
    async def join_guild(self, name: str, *, channel_name: str = "general") -> Guild:
        """The bot is added to a new guild while connected: GUILD_CREATE to the owning shard."""
        guild = self.add_guild(name, channel_name=channel_name)
        payload = guild_create_payload(guild, self.members_of(guild), self.bot_user)
        await self.gateway.dispatch("GUILD_CREATE", payload, guild_id=guild.id)
        return guild

    async def announce_channel(self, channel: Channel) -> None:
        """CHANNEL_CREATE for a channel added after READY."""
        await self.gateway.dispatch(
            "CHANNEL_CREATE", channel_payload(channel), guild_id=channel.guild_id
        )

    @property
    def identifies(self) -> list[IdentifyRecord]:
        return self.gateway.identifies

    @property
    def gateway_log(self) -> list[GatewayEvent]:
        return list(self.gateway.log)

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

    def close_dms(self, user: User, *, closed: bool = True) -> None:
        """``user`` takes no DMs from the bot (closed DMs, or blocked it): every message to
        their DM channel answers 403 with code 50007, as Discord does, until reopened."""
        if closed:
            self.world.closed_dms.add(user.id)
        else:
            self.world.closed_dms.discard(user.id)

    def slow_channel(
        self, channel_id: int | None = None, *, seconds: float, times: int = 1
    ) -> None:
        """The next ``times`` messages posted to the channel are stored at once, but the
        answer takes ``seconds``: a bot that dies meanwhile never learns they arrived."""
        self.slow_answers[channel_id or self.channel_id] = [seconds, times]

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
        self.failures.append(failure)
        return failure

    # -- waiting -------------------------------------------------------------------------
    def _describe(self) -> str:
        lines = [f"gateway: {[f'{e.kind}{e.detail}' for e in self.gateway_log[-10:]]}"]
        lines.append(f"requests: {[str(r) for r in self.requests[-10:]]}")
        lines += [f"violation: {v}" for v in self.violations]
        return "\n".join(lines)

    async def wait_for_ready(self, timeout: float = 10.0) -> None:
        """A client identified and READY plus every GUILD_CREATE went out on its socket."""
        await self.wait_for_shards(1, timeout=timeout)

    async def wait_for_shards(self, count: int, timeout: float = 10.0) -> set[int]:
        """``count`` distinct shards have live, ready sessions."""
        return await self.notifier.wait_for(
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

        return await self.notifier.wait_for(
            found, timeout=timeout, what=f"gateway event {kind} #{count}", describe=self._describe
        )

    async def wait_for_request(
        self, method: str, path_prefix: str, *, count: int = 1, timeout: float = 5.0
    ) -> RecordedRequest:
        """The ``count``-th request with this method whose path starts with ``path_prefix``."""

        def found() -> RecordedRequest | None:
            matching = [
                r for r in self.requests if r.method == method and r.path.startswith(path_prefix)
            ]
            return matching[count - 1] if len(matching) >= count else None

        return await self.notifier.wait_for(
            found, timeout=timeout, what=f"{method} {path_prefix}", describe=self._describe
        )

    async def wait_for_channel_message(
        self, channel_id: int | None = None, *, count: int = 1, timeout: float = 5.0
    ) -> RecordedMessage:
        """The ``count``-th message posted to the channel."""

        def found() -> RecordedMessage | None:
            messages = self.channel_messages(channel_id)
            return messages[count - 1] if len(messages) >= count else None

        return await self.notifier.wait_for(
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
            return self.channels[channel_id]
        if guild_id is not None:
            return self.guilds[guild_id].channels[0]
        return self.default_channel

    async def send_interaction(self, payload: dict[str, Any]) -> InteractionHandle:
        """Dispatch an INTERACTION_CREATE exactly as given (hostile payloads included)."""
        handle = (
            InteractionHandle(self, payload) if "id" in payload and "token" in payload else None
        )
        if handle is None:
            handle = InteractionHandle(
                self, {"id": "0", "token": "", "type": payload.get("type", 0)}
            )
        return await self._dispatch_interaction(handle, payload)

    async def _interact(
        self,
        kind: int,
        user: User,
        channel: Channel,
        data: dict[str, Any],
        locale: str,
        source: RecordedMessage | None = None,
        install: str | None = None,
    ) -> InteractionHandle:
        """``user`` sends an interaction of ``kind``; ``source`` is the message acted on.

        ``install``: "guild" or "user"; by default "guild" where the bot is, else "user".
        """
        payload = base_payload(
            self,
            interaction_type=kind,
            user=user,
            channel=channel,
            data=data,
            locale=locale,
            message=dict(source.payload) if source is not None else None,
            install=install or ("guild" if self.bot_is_in(channel) else "user"),
        )
        handle = InteractionHandle(self, payload)
        handle.source_message = source
        return await self._dispatch_interaction(handle, payload)

    async def _dispatch_interaction(
        self, handle: InteractionHandle, payload: dict[str, Any]
    ) -> InteractionHandle:
        self.add_interaction(handle)
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
        install: str | None = None,
    ) -> InteractionHandle:
        """A user runs ``/name [subcommand] options`` (typed from the synced definition).

        Names may be given as a client in ``locale`` shows them. ``install="user"``: through
        the app the user installed for themselves (the default where the bot is absent); the
        command must be one Discord would offer there (ValueError otherwise).
        """
        channel = self.dm_channel(user) if dm else self._channel_for(guild_id, channel_id)
        data = build_command_data(
            self,
            name=name,
            options=options or {},
            subcommand=subcommand,
            guild_id=channel.guild_id,
            locale=locale,
        )
        install = self._offered(data, channel, install)
        return await self._interact(
            APPLICATION_COMMAND, user, channel, data, locale, install=install
        )

    def _offered(self, data: dict[str, Any], channel: Channel, install: str | None) -> str:
        """How the user reaches the command (``install``), if Discord's client would offer it
        in ``channel`` at all: its installation types and contexts allow it."""
        install = install or ("guild" if self.bot_is_in(channel) else "user")
        found = self.find_command(
            str(data["name"]), channel.guild_id, kind=int(data.get("type", 1))
        )
        if found is None:
            if install == "user":
                raise ValueError(f"/{data['name']} is not synced globally: no user install has it")
            return install  # never synced: a hostile invocation, sent as asked
        definition, scope = found
        if install == "user" and scope is not None:
            raise ValueError(
                f"/{data['name']} is a server command: user installs only get global ones"
            )
        kinds = definition.get("integration_types") or [GUILD_INSTALL]
        if INSTALLS[install] not in kinds:
            raise ValueError(f"/{data['name']} cannot be installed by a {install} ({kinds})")
        contexts = definition.get("contexts")
        if contexts is not None and self.context_of(channel) not in contexts:
            raise ValueError(
                f"/{data['name']} is not offered in context {self.context_of(channel)} ({contexts})"
            )
        return install

    async def send_user_command(
        self,
        user: User,
        name: str,
        target: User,
        *,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
        install: str | None = None,
    ) -> InteractionHandle:
        """``user`` picks Apps → ``name`` on ``target``'s profile (a user context menu)."""
        channel = self.dm_channel(user) if dm else self._channel_for(None, channel_id)
        data = build_context_menu_data(
            self, name=name, kind=2, target=target, guild_id=channel.guild_id, locale=locale
        )
        install = self._offered(data, channel, install)
        return await self._interact(
            APPLICATION_COMMAND, user, channel, data, locale, install=install
        )

    async def send_message_command(
        self,
        user: User,
        name: str,
        target: dict[str, Any],
        *,
        locale: str = "en-US",
        install: str | None = None,
    ) -> InteractionHandle:
        """``user`` picks Apps → ``name`` on a message (``target``: its payload, e.g. what
        ``send_message`` returned), in the message's channel."""
        channel = self.channels[int(target["channel_id"])]
        data = build_context_menu_data(
            self, name=name, kind=3, target=target, guild_id=channel.guild_id, locale=locale
        )
        install = self._offered(data, channel, install)
        return await self._interact(
            APPLICATION_COMMAND, user, channel, data, locale, install=install
        )

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
            self,
            name=name,
            options=options,
            subcommand=subcommand,
            guild_id=channel.guild_id,
            focused=focused,
            locale=locale,
        )
        return await self._interact(AUTOCOMPLETE, user, channel, data, locale)

    def _component_check(self, message: RecordedMessage, custom_id: str) -> dict[str, Any]:
        current = self.messages.get(message.id, message)
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
        channel = self.channels[message.channel_id]
        return await self._interact(MESSAGE_COMPONENT, user, channel, data, locale, message)

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
        channel = self.channels[message.channel_id]
        return await self._interact(MESSAGE_COMPONENT, user, channel, data, locale, message)

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
        origin = self.interactions_by_id[modal.interaction_id]
        channel = self.channels[origin.channel_id or self.channel_id]
        data = build_modal_submit_data(modal, values, enforce_client_rules=enforce_client_rules)
        source = self.messages.get(modal.message_id) if modal.message_id else None
        return await self._interact(MODAL_SUBMIT, user, channel, data, locale, source)

    async def send_message(
        self, user: User, content: str, *, channel_id: int | None = None
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE; content hidden without the intent)."""
        channel = self.channels[channel_id or self.channel_id]
        payload = message_payload(
            message_id=self.ids.next(),
            channel=channel,
            author=user,
            body={"content": content},
        )
        if channel.guild_id is not None:
            payload["member"] = member_payload(user, with_user=False)
        await self.gateway.dispatch(
            "MESSAGE_CREATE",
            payload,
            guild_id=channel.guild_id,
            intent=INTENT_GUILD_MESSAGES if channel.guild_id else INTENT_DIRECT_MESSAGES,
            redact=f"<@{self.bot_user.id}>" not in content,
        )
        return payload
