"""Bot-authenticated REST routes: login, gateway discovery, commands, channels, guilds."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .limits import EPHEMERAL, Problem, validate_command
from .messages import MessageDispatcher, apply_edit, create_message, message_refusal
from .payloads import channel_payload, guild_create_payload, member_payload, user_payload
from .records import CommandPut, RecordedMessage
from .responses import (
    BODY,
    CANNOT_MESSAGE_USER,
    FILES,
    UNKNOWN_APPLICATION,
    UNKNOWN_APPLICATION_COMMAND,
    UNKNOWN_CHANNEL,
    UNKNOWN_GUILD,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    error,
    invalid_form_body,
    no_content,
    ok,
)
from .state import World, take_slow_answer

#: Discord caps global (and per-guild) chat-input commands at 100.
MAX_COMMANDS = 100


class CoreRoutes:
    """Handlers for everything a bot calls with its ``Authorization: Bot`` token."""

    def __init__(
        self,
        world: World,
        gateway_url: Callable[[], str],
        dispatcher: MessageDispatcher,
        *,
        shards: int = 1,
    ) -> None:
        self.world = world
        self.shards = shards
        self._gateway_url = gateway_url  # callable returning the bound ws URL
        self.dispatcher = dispatcher

    # -- identity ------------------------------------------------------------------------
    async def me(self, request: web.Request) -> web.Response:
        bot = self.world.bot_user
        return ok(user_payload(bot) | {"verified": True, "mfa_enabled": False, "flags": 0})

    async def user(self, request: web.Request) -> web.Response:
        user = self.world.users.get(int(request.match_info["user_id"]))
        return ok(user_payload(user)) if user else error(404, UNKNOWN_USER, "Unknown User")

    async def application(self, request: web.Request) -> web.Response:
        world = self.world
        return ok(
            {
                "id": str(world.application_id),
                "name": world.bot_user.username,
                "icon": None,
                "description": "A loopback Discord double",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 1 << 23,
                "owner": user_payload(world.bot_user) | {"username": "owner"},
                "team": None,
                "bot": user_payload(world.bot_user),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(world.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def gateway(self, request: web.Request) -> web.Response:
        return ok({"url": self._gateway_url()})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        shards = self.shards
        return ok(
            {
                "url": self._gateway_url(),
                "shards": shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def create_dm(self, request: web.Request) -> web.Response:
        body = request[BODY] if isinstance(request[BODY], dict) else {}
        user = self.world.users.get(int(body.get("recipient_id") or 0))
        if user is None:
            return error(400, 50035, "Invalid Form Body")
        return ok(channel_payload(self.world.dm_channel(user), recipients=[user]))

    # -- commands ------------------------------------------------------------------------
    def _scope(self, request: web.Request) -> int | web.Response | None:
        if request.match_info["application_id"] != str(self.world.application_id):
            return error(404, UNKNOWN_APPLICATION, "Unknown Application")
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return None
        if int(guild_id) not in self.world.guilds:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        return int(guild_id)

    def _stored_command(
        self, raw: dict[str, Any], guild_id: int | None, existing: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The command as Discord echoes it: id kept when name and type match an old one."""
        kind = raw.get("type", 1)
        previous = next(
            (c for c in existing if c["name"] == raw.get("name") and c.get("type", 1) == kind),
            None,
        )
        command = copy.deepcopy(raw)
        command.setdefault("type", kind)
        command.setdefault("description", "")
        command.setdefault("options", [])
        command.setdefault("default_member_permissions", None)
        command.setdefault("nsfw", False)
        command.setdefault("contexts", None)
        command.setdefault("integration_types", [0])
        command["id"] = previous["id"] if previous else str(self.world.ids.next())
        command["application_id"] = str(self.world.application_id)
        command["version"] = str(self.world.ids.next())
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        for option in command["options"]:
            option.setdefault("description", "")
        return command

    def _command_problems(self, commands: list[Any]) -> list[Problem]:
        problems: list[Problem] = []
        if len(commands) > MAX_COMMANDS:
            problems.append(Problem((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."))
        names: set[tuple[str, int]] = set()
        for index, command in enumerate(commands):
            if not isinstance(command, dict):
                problems.append(Problem((index,), "DICT_TYPE_CONVERT", "Not an object"))
                continue
            problems += validate_command(command, (index,))
            key = (str(command.get("name")), int(command.get("type", 1)))
            if key in names:
                problems.append(
                    Problem(
                        (index, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name"
                    )
                )
            names.add(key)
        return problems

    async def list_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        commands = self.world.commands.get(scope, [])
        if request.query.get("with_localizations", "").lower() != "true":
            # As Discord does: the dictionaries only when asked for.
            commands = [_without_localizations(command) for command in commands]
        return ok(commands)

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        world = self.world
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        body = request[BODY] if isinstance(request[BODY], list) else []
        problems = self._command_problems(body)
        if problems:
            return invalid_form_body(world, "command sync", problems)
        existing = world.commands.get(scope, [])
        world.commands[scope] = [self._stored_command(raw, scope, existing) for raw in body]
        world.command_puts.append(
            CommandPut(scope, tuple(str(c.get("name")) for c in body), world.now())
        )
        world.notifier.notify()
        return ok(world.commands[scope])

    async def upsert_command(self, request: web.Request) -> web.Response:
        world = self.world
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        raw = request[BODY] if isinstance(request[BODY], dict) else {}
        problems = validate_command(raw)
        if problems:
            return invalid_form_body(world, "command create", problems)
        existing = world.commands.setdefault(scope, [])
        command = self._stored_command(raw, scope, existing)
        replaced = [c for c in existing if c["id"] != command["id"]]
        world.commands[scope] = [*replaced, command]
        return ok(command, status=200 if len(replaced) < len(existing) else 201)

    async def one_command(self, request: web.Request) -> web.Response:
        world = self.world
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        existing = world.commands.get(scope, [])
        command_id = request.match_info["command_id"]
        command = next((c for c in existing if c["id"] == command_id), None)
        if command is None:
            return error(404, UNKNOWN_APPLICATION_COMMAND, "Unknown application command")
        if request.method == "GET":
            return ok(command)
        if request.method == "DELETE":
            world.commands[scope] = [c for c in existing if c["id"] != command_id]
            return no_content()
        patch = request[BODY] if isinstance(request[BODY], dict) else {}
        updated = copy.deepcopy(command) | copy.deepcopy(patch)
        problems = validate_command(updated)
        if problems:
            return invalid_form_body(world, "command edit", problems)
        world.commands[scope] = [updated if c["id"] == command_id else c for c in existing]
        return ok(updated)

    # -- channels and messages -----------------------------------------------------------
    async def channel(self, request: web.Request) -> web.Response:
        channel = self.world.channels.get(int(request.match_info["channel_id"]))
        if channel is None:
            return error(404, UNKNOWN_CHANNEL)
        recipients = [self.world.users[channel.recipient_id]] if channel.recipient_id else None
        return ok(channel_payload(channel, recipients=recipients))

    async def post_message(self, request: web.Request) -> web.Response:
        world = self.world
        channel = world.channels.get(int(request.match_info["channel_id"]))
        if channel is None:
            world.violate(f"POST to unknown channel {request.match_info['channel_id']}")
            return error(404, UNKNOWN_CHANNEL)
        if channel.recipient_id is not None and channel.recipient_id in world.closed_dms:
            # Discord's answer when a user blocked the bot or closed DMs from server members.
            return error(403, CANNOT_MESSAGE_USER)
        body = request[BODY]
        refusal = message_refusal(
            world, body, f"channel {channel.id} message", files=request[FILES]
        )
        if refusal is not None:
            return refusal
        nonce = body.get("nonce")
        nonce = str(nonce) if nonce is not None else None
        if nonce is not None and body.get("enforce_nonce"):
            seen = world.nonce_message(nonce)
            if seen is not None:
                return ok(seen.payload)
        if int(body.get("flags") or 0) & EPHEMERAL:
            # Discord ignores it and posts publicly: a privacy bug in the bot, so flag it.
            world.violate(f"channel {channel.id}: ephemeral flag on a channel message (ignored)")
            body = dict(body, flags=int(body["flags"]) & ~EPHEMERAL)
        message = create_message(
            world, channel=channel, body=body, files=request[FILES], source="channel", nonce=nonce
        )
        if nonce is not None:
            world.add_nonce(nonce, message)
        await self.dispatcher(message, created=True)
        delay = take_slow_answer(world, channel.id)
        if delay:
            await asyncio.sleep(delay)  # stored already: the answer is what is late
        return ok(message.payload)

    def _channel_message(self, request: web.Request) -> RecordedMessage | web.Response:
        channel_id = int(request.match_info["channel_id"])
        if channel_id not in self.world.channels:
            return error(404, UNKNOWN_CHANNEL)
        message = self.world.messages.get(int(request.match_info["message_id"]))
        if (
            message is None
            or message.deleted
            or message.channel_id != channel_id
            or message.ephemeral
        ):
            return error(404, UNKNOWN_MESSAGE)
        return message

    async def message(self, request: web.Request) -> web.Response:
        world = self.world
        message = self._channel_message(request)
        if isinstance(message, web.Response):
            return message
        if request.method == "GET":
            return ok(message.payload)
        if request.method == "DELETE":
            message.deleted = True
            world.notifier.notify()
            await self.dispatcher(message, created=False, deleted=True)
            return no_content()
        body = request[BODY]
        refusal = message_refusal(
            world, body, f"message {message.id} edit", files=request[FILES], editing=message
        )
        if refusal is not None:
            return refusal
        apply_edit(world, message, body, request[FILES])
        await self.dispatcher(message, created=False)
        return ok(message.payload)

    async def history(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        if channel_id not in self.world.channels:
            return error(404, UNKNOWN_CHANNEL)
        limit = min(int(request.query.get("limit", "50")), 100)
        before = int(request.query.get("before", "0")) or None
        after = int(request.query.get("after", "0")) or None
        messages = [
            m
            for m in self.world.channel_messages(channel_id, include_interactions=True)
            if not m.ephemeral
            and (before is None or m.id < before)
            and (after is None or m.id > after)
        ]
        messages.sort(key=lambda m: m.id, reverse=True)
        return ok([m.payload for m in messages[:limit]])

    async def typing(self, request: web.Request) -> web.Response:
        if int(request.match_info["channel_id"]) not in self.world.channels:
            return error(404, UNKNOWN_CHANNEL)
        return no_content()

    # -- guilds --------------------------------------------------------------------------
    async def guild(self, request: web.Request) -> web.Response:
        guild = self.world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        payload = guild_create_payload(guild, self.world.members_of(guild), self.world.bot_user)
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            payload.pop(key, None)
        return ok(payload)

    async def guild_channels(self, request: web.Request) -> web.Response:
        guild = self.world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        return ok([channel_payload(channel) for channel in guild.channels])

    async def guild_member(self, request: web.Request) -> web.Response:
        guild = self.world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            return error(404, UNKNOWN_GUILD, "Unknown Guild")
        user_id = int(request.match_info["user_id"])
        if user_id not in guild.member_ids:
            return error(404, 10007, "Unknown Member")
        return ok(member_payload(self.world.users[user_id]))


def _without_localizations(item: dict[str, Any]) -> dict[str, Any]:
    """A command or option without its name and description localization dictionaries."""
    trimmed = {
        key: value
        for key, value in item.items()
        if key not in ("name_localizations", "description_localizations")
    }
    if isinstance(item.get("options"), list):
        trimmed["options"] = [_without_localizations(o) for o in item["options"]]
    return trimmed
