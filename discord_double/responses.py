"""HTTP answers in Discord's exact shape, and request-body parsing.

discord.py parses a body as JSON only when ``Content-Type`` is exactly ``application/json``
(aiohttp's ``json_response`` adds ``; charset=utf-8``, which discord.py then treats as text),
so every JSON answer here is built by hand.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .limits import Problem, form_errors

if TYPE_CHECKING:
    from .state import World

JSON = "application/json"

# Per-request storage filled by the server middleware (typed keys, as aiohttp asks).
BODY: web.RequestKey[Any] = web.RequestKey("body")
FILES: web.RequestKey[list[dict[str, Any]]] = web.RequestKey("files")
API_PATH: web.RequestKey[str] = web.RequestKey("api_path", str)
UNHANDLED: web.RequestKey[bool] = web.RequestKey("unhandled", bool)

# Discord JSON error codes used by the double.
UNKNOWN_APPLICATION = 10002
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_APPLICATION_COMMAND = 10063
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
MAX_FOLLOWUPS_REACHED = 40094
MISSING_ACCESS = 50001
CANNOT_MESSAGE_USER = 50007
CANNOT_SEND_EMPTY_MESSAGE = 50006
MISSING_PERMISSIONS = 50013
INVALID_WEBHOOK_TOKEN = 50027
INVALID_FORM_BODY = 50035

DEFAULT_MESSAGES = {
    MISSING_ACCESS: "Missing Access",
    MISSING_PERMISSIONS: "Missing Permissions",
    CANNOT_MESSAGE_USER: "Cannot send messages to this user",
    UNKNOWN_CHANNEL: "Unknown Channel",
    UNKNOWN_MESSAGE: "Unknown Message",
    UNKNOWN_WEBHOOK: "Unknown Webhook",
    UNKNOWN_INTERACTION: "Unknown interaction",
    ALREADY_ACKNOWLEDGED: "Interaction has already been acknowledged.",
    MAX_FOLLOWUPS_REACHED: "This interaction has hit the maximum number of follow up messages",
    CANNOT_SEND_EMPTY_MESSAGE: "Cannot send an empty message",
    INVALID_WEBHOOK_TOKEN: "Invalid Webhook Token",
    INVALID_FORM_BODY: "Invalid Form Body",
}


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(), status=status, content_type=JSON, headers=headers
    )


def no_content() -> web.Response:
    return web.Response(status=204)


def error(status: int, code: int, message: str | None = None, **extra: Any) -> web.Response:
    """Discord's error body: ``{"message": ..., "code": N}`` (plus ``errors`` for 50035)."""
    body = {"message": message or DEFAULT_MESSAGES.get(code, f"{status}"), "code": code, **extra}
    return ok(body, status=status)


def invalid_form_body(world: World, what: str, problems: Sequence[Problem]) -> web.Response:
    """Discord's 400 for a payload that breaks its rules; each problem is recorded as a
    violation of ``what`` ("channel 1 message", "command sync"...)."""
    for problem in problems:
        world.violate(f"{what}: {problem.describe()}")
    return error(400, INVALID_FORM_BODY, errors=form_errors(problems))


def not_found() -> web.Response:
    return error(404, 0, "404: Not Found")


def unauthorized() -> web.Response:
    return error(401, 0, "401: Unauthorized")


def rate_limited(retry_after: float, *, bucket: str = "double-bucket") -> web.Response:
    """A shared-scope 429 as Discord sends it; ``Via`` matters: without it discord.py assumes
    a Cloudflare ban and raises instead of sleeping and retrying."""
    reset = time.time() + retry_after
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{reset:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Scope": "shared",
        "Via": "1.1 google",
    }
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    return ok(body, status=429, headers=headers)


def server_error(status: int) -> web.Response:
    """5xx answers come from Discord's edge as text, not JSON."""
    reason = {500: "500: Internal Server Error", 502: "502 Bad Gateway"}.get(status, str(status))
    return web.Response(status=status, text=reason, content_type="text/plain")


async def read_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
    """The JSON payload and uploaded files: plain JSON, or multipart with ``payload_json``."""
    if not request.can_read_body:
        return None, []
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        payload: Any = None
        files: list[dict[str, Any]] = []
        for name, value in form.items():
            if name == "payload_json":
                payload = json.loads(str(value))
            elif isinstance(value, web.FileField):
                data = value.file.read()
                files.append(
                    {
                        "field": name,
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "data": data,
                    }
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode(errors="replace"), []
