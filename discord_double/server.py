"""The aiohttp application: REST under ``/api/v{n}``, the gateway at ``/`` and ``/resume``.

One middleware records every REST request (method, path, JSON body, status, time), applies
injected failures, and checks the bot token where Discord checks it (interaction callbacks and
interaction webhooks are authenticated by their token in the path, not by the bot token).
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Awaitable, Callable

from aiohttp import web

from .gateway import INTENT_DIRECT_MESSAGES, INTENT_GUILD_MESSAGES, Gateway
from .payloads import member_payload
from .records import RecordedMessage, RecordedRequest
from .responses import (
    API_PATH,
    BODY,
    FILES,
    UNHANDLED,
    error,
    not_found,
    rate_limited,
    read_body,
    server_error,
    unauthorized,
)
from .rest_core import CoreRoutes
from .rest_interactions import InteractionRoutes
from .state import World

log = logging.getLogger(__name__)

_API_PREFIX = re.compile(r"^/api/v\d+")
#: Routes authenticated by the interaction token in their path instead of the bot token.
_TOKEN_IN_PATH = ("/interactions/", "/webhooks/")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DoubleServer:
    """Owns the aiohttp app, its socket, the gateway and the REST handlers."""

    def __init__(
        self,
        world: World,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = 41_250,
        recommended_shards: int = 1,
    ) -> None:
        self.world = world
        self.host = host
        self.requested_port = port
        self.port = 0
        self.gateway = Gateway(world, heartbeat_interval_ms=heartbeat_interval_ms)
        self.core = CoreRoutes(
            world, lambda: self.gateway_url, self.dispatch_message, shards=recommended_shards
        )
        self.interactions = InteractionRoutes(world, self.dispatch_message)
        self.app = web.Application(middlewares=[self._middleware])
        self._add_routes()
        self._runner: web.AppRunner | None = None

    @property
    def api_base_url(self) -> str:
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def _add_routes(self) -> None:
        router = self.app.router
        gw = self.gateway.handle
        router.add_get("/", gw)
        router.add_get("/resume", gw)
        core, inter = self.core, self.interactions
        api = r"/api/v{version:\d+}"
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", core.me),
            ("GET", "/users/{user_id:\\d+}", core.user),
            ("POST", "/users/@me/channels", core.create_dm),
            ("GET", "/oauth2/applications/@me", core.application),
            ("GET", "/applications/@me", core.application),
            ("GET", "/gateway", core.gateway),
            ("GET", "/gateway/bot", core.gateway_bot),
            ("POST", "/interactions/{interaction_id:\\d+}/{token}/callback", inter.callback),
            ("POST", "/webhooks/{application_id:\\d+}/{token}", inter.followup),
            ("GET", "/channels/{channel_id:\\d+}", core.channel),
            ("GET", "/channels/{channel_id:\\d+}/messages", core.history),
            ("POST", "/channels/{channel_id:\\d+}/messages", core.post_message),
            ("POST", "/channels/{channel_id:\\d+}/typing", core.typing),
            ("GET", "/guilds/{guild_id:\\d+}", core.guild),
            ("GET", "/guilds/{guild_id:\\d+}/channels", core.guild_channels),
            ("GET", "/guilds/{guild_id:\\d+}/members/{user_id:\\d+}", core.guild_member),
        ]
        for method in ("GET", "PATCH", "DELETE"):
            routes += [
                (
                    method,
                    "/webhooks/{application_id:\\d+}/{token}/messages/{message_id}",
                    inter.webhook_message,
                ),
                (method, "/channels/{channel_id:\\d+}/messages/{message_id:\\d+}", core.message),
            ]
        for scope in ("", "/guilds/{guild_id:\\d+}"):
            base = "/applications/{application_id:\\d+}" + scope + "/commands"
            routes += [
                ("GET", base, core.list_commands),
                ("PUT", base, core.overwrite_commands),
                ("POST", base, core.upsert_command),
            ]
            for method in ("GET", "PATCH", "DELETE"):
                routes.append((method, base + "/{command_id:\\d+}", core.one_command))
        for method, path, handler in routes:
            router.add_route(method, api + path, handler)
        router.add_route("*", "/{tail:.*}", self._unknown)

    async def _unknown(self, request: web.Request) -> web.Response:
        log.debug("unhandled route %s %s", request.method, request.path)
        request[UNHANDLED] = True
        return not_found()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in ("/", "/resume") and request.method == "GET":
            return await handler(request)
        world = self.world
        api_path = _API_PREFIX.sub("", request.path)
        request[API_PATH] = api_path
        body, files = await read_body(request)
        request[BODY], request[FILES] = body, files
        response = self._injected(request.method, api_path)
        needs_bot_token = not api_path.startswith(_TOKEN_IN_PATH) and api_path != "/gateway"
        authorized = request.headers.get("Authorization") == f"Bot {world.token}"
        if response is None and needs_bot_token and not authorized:
            response = unauthorized()
        if response is None:
            try:
                response = await handler(request)
            except Exception as exc:
                # A bug in the double, not in the bot: keep it visible to the test.
                log.exception("discord double failed on %s %s", request.method, api_path)
                world.internal_errors.append(f"{request.method} {api_path}: {exc!r}")
                response = error(400, 0, "discord double internal error")
        world.record(
            RecordedRequest(
                method=request.method,
                path=api_path,
                query=dict(request.query),
                json=body,
                status=response.status,
                at=world.now(),
                files=tuple(str(f["filename"]) for f in files),
                route_known=not request.get(UNHANDLED, False),
            )
        )
        log.debug("%s %s -> %s", request.method, api_path, response.status)
        return response

    def _injected(self, method: str, path: str) -> web.Response | None:
        for failure in self.world.failures:
            if failure.matches(method, path):
                failure.remaining -= 1
                if failure.status == 429:
                    return rate_limited(failure.retry_after)
                if failure.status >= 500:
                    return server_error(failure.status)
                return error(failure.status, failure.code, failure.message)
        return None

    async def dispatch_message(
        self, message: RecordedMessage, *, created: bool, deleted: bool = False
    ) -> None:
        """MESSAGE_CREATE/UPDATE/DELETE for what the channel sees (never ephemeral/loading)."""
        if message.ephemeral or message.loading:
            return
        channel = self.world.channels.get(message.channel_id)
        if channel is None:
            return
        intent = INTENT_GUILD_MESSAGES if channel.guild_id is not None else INTENT_DIRECT_MESSAGES
        if deleted:
            data = {"id": str(message.id), "channel_id": str(channel.id)}
            if channel.guild_id is not None:
                data["guild_id"] = str(channel.guild_id)
            event = "MESSAGE_DELETE"
        else:
            data = dict(message.payload)
            if channel.guild_id is not None:
                data["member"] = member_payload(self.world.bot_user, with_user=False)
            event = "MESSAGE_CREATE" if created else "MESSAGE_UPDATE"
        await self.gateway.dispatch(event, data, guild_id=channel.guild_id, intent=intent)

    async def start(self) -> None:
        """Bind 127.0.0.1 (a free port unless one was asked for) and serve."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.requested_port))
        self.port = sock.getsockname()[1]
        self.gateway.url = self.gateway_url
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        try:
            await runner.setup()
            await web.SockSite(runner, sock).start()
        except BaseException:
            await runner.cleanup()
            sock.close()
            raise
        self._runner = runner

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
