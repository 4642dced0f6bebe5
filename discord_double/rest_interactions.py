"""Interaction callbacks and their webhook (follow-ups, ``@original``), with Discord's rules.

Rules enforced (each broken one is answered like Discord and recorded as a violation):
the initial callback within 3 s, once; a callback type the interaction type allows; message,
modal and autocomplete limits; follow-ups and edits only after an acknowledgement and within
15 minutes of the interaction.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    PING,
    InteractionHandle,
    parse_modal,
)
from .limits import EPHEMERAL, LOADING, Problem, validate_choices, validate_modal
from .messages import MessageDispatcher, apply_edit, create_message, message_refusal
from .records import RecordedMessage, RecordedResponse
from .responses import (
    ALREADY_ACKNOWLEDGED,
    API_PATH,
    BODY,
    FILES,
    INVALID_WEBHOOK_TOKEN,
    MAX_FOLLOWUPS_REACHED,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    error,
    invalid_form_body,
    no_content,
    ok,
)
from .state import World

log = logging.getLogger(__name__)

INITIAL_RESPONSE_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0

PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9

#: Which callback types Discord accepts for which interaction types.
ALLOWED_CALLBACKS: dict[int, set[int]] = {
    PING: {PONG},
    APPLICATION_COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}
#: Callback types after which the interaction has a message to follow up on / edit.
MESSAGE_BEARING = {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE}


#: Follow-ups per interaction for a user-installed app where the bot is absent.
MAX_USER_APP_FOLLOWUPS = 5


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


class InteractionRoutes:
    """aiohttp handlers for ``/interactions/...`` and ``/webhooks/{app}/{token}...``."""

    def __init__(self, world: World, dispatcher: MessageDispatcher) -> None:
        self.world = world
        #: Called with a message the channel sees (non-ephemeral) to dispatch MESSAGE_CREATE.
        self.dispatcher = dispatcher

    def _callback_reject(
        self, handle: InteractionHandle | None, kind: int, data: dict[str, Any], status: int
    ) -> None:
        if handle is not None:
            elapsed = self.world.now() - handle.created_at
            handle.callbacks.append(RecordedResponse(kind, data, elapsed, status, self.world.now()))

    async def callback(self, request: web.Request) -> web.Response:
        world = self.world
        body = request[BODY] if isinstance(request[BODY], dict) else {}
        kind = int(body.get("type") or 0)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        handle = world.interactions_by_id.get(int(request.match_info["interaction_id"]))
        if handle is None or handle.token != request.match_info["token"]:
            world.violate(
                f"callback for an unknown interaction {request.match_info['interaction_id']}"
            )
            return error(404, UNKNOWN_INTERACTION)
        elapsed = world.now() - handle.created_at
        if handle.initial is not None:
            self._callback_reject(handle, kind, data, 400)
            world.violate(
                f"interaction {handle.id}: second initial callback (type {kind}) after type "
                f"{handle.initial.type}"
            )
            return error(400, ALREADY_ACKNOWLEDGED)
        if elapsed > INITIAL_RESPONSE_DEADLINE:
            self._callback_reject(handle, kind, data, 404)
            world.violate(
                f"interaction {handle.id}: initial callback after {elapsed:.2f}s "
                f"(> {INITIAL_RESPONSE_DEADLINE:g}s: 'The application did not respond')"
            )
            return error(404, UNKNOWN_INTERACTION)
        refusal = self._callback_refusal(handle, kind, data, request[FILES])
        if refusal is not None:
            self._callback_reject(handle, kind, data, 400)
            return refusal
        resource = await self._apply_callback(handle, kind, data, request[FILES])
        response = RecordedResponse(kind, data, elapsed, 200, world.now())
        handle.initial = response
        handle.callbacks.append(response)
        world.notifier.notify()
        if not _truthy(request.query.get("with_response")):
            return no_content()
        return ok(self._callback_body(handle, kind, resource))

    def _callback_refusal(
        self,
        handle: InteractionHandle,
        kind: int,
        data: dict[str, Any],
        files: list[dict[str, Any]],
    ) -> web.Response | None:
        """Discord's 400 for a callback it refuses (recorded as violations), else None."""
        what = f"interaction {handle.id} callback type {kind}"
        allowed = set(ALLOWED_CALLBACKS.get(handle.type, set()))
        if handle.type == MODAL_SUBMIT and handle.source_message is None:
            # A modal opened by a command has no message to update; a type-6 acknowledgement
            # (discord.py's plain ``defer()``) is still accepted.
            allowed.discard(UPDATE_MESSAGE)
        if kind not in allowed:
            problem = Problem(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Callback type {kind} is not valid for interaction type {handle.type}",
            )
            return invalid_form_body(self.world, what, [problem])
        if kind in (MESSAGE, UPDATE_MESSAGE):
            editing = handle.source_message if kind == UPDATE_MESSAGE else None
            return message_refusal(
                self.world, data, what, files=files, editing=editing, base=("data",)
            )
        problems: list[Problem] = []
        if kind == MODAL:
            problems = validate_modal(data)
        elif kind == AUTOCOMPLETE_RESULT:
            problems = validate_choices(data)
        return invalid_form_body(self.world, what, problems) if problems else None

    async def _apply_callback(
        self,
        handle: InteractionHandle,
        kind: int,
        data: dict[str, Any],
        files: list[dict[str, Any]],
    ) -> RecordedMessage | None:
        world = self.world
        channel = world.channels.get(handle.channel_id or 0)
        if kind in (MESSAGE, DEFERRED_MESSAGE) and channel is not None:
            body = data if kind == MESSAGE else {"content": ""}
            extra = 0 if kind == MESSAGE else LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = create_message(
                world,
                channel=channel,
                body=body,
                files=files if kind == MESSAGE else [],
                source="interaction",
                handle=handle,
                extra_flags=extra,
            )
            handle.original = message
            handle.original_shown = kind == MESSAGE
            if kind == MESSAGE:
                await self.dispatcher(message, created=True)
            return message
        if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE) and handle.source_message is not None:
            handle.original = handle.source_message
            if kind == UPDATE_MESSAGE:
                apply_edit(world, handle.source_message, data, files)
                handle.original_shown = True
                await self.dispatcher(handle.source_message, created=False)
            return handle.source_message
        if kind == MODAL:
            source_id = handle.source_message.id if handle.source_message else None
            handle.recorded_modal = parse_modal(data, handle.id, source_id)
        elif kind == AUTOCOMPLETE_RESULT:
            handle.recorded_choices = list(data.get("choices") or [])
        return None

    def _callback_body(
        self, handle: InteractionHandle, kind: int, resource: RecordedMessage | None
    ) -> dict[str, Any]:
        """The ``?with_response=1`` answer discord.py 2.5+ always asks for."""
        interaction: dict[str, Any] = {"id": str(handle.id), "type": handle.type}
        if resource is not None:
            interaction["response_message_id"] = str(resource.id)
            interaction["response_message_loading"] = resource.loading
            interaction["response_message_ephemeral"] = resource.ephemeral
        body: dict[str, Any] = {"interaction": interaction}
        if resource is not None and kind != DEFERRED_UPDATE:
            body["resource"] = {"type": kind, "message": resource.payload}
        return body

    # -- webhook side --------------------------------------------------------------------
    def _webhook_handle(self, request: web.Request) -> InteractionHandle | web.Response:
        world = self.world
        handle = world.interactions_by_token.get(request.match_info["token"])
        what = f"{request.method} {request[API_PATH]}"
        if handle is None or request.match_info["application_id"] != str(world.application_id):
            world.violate(f"{what}: unknown webhook (bad token or application id)")
            return error(404, UNKNOWN_WEBHOOK)
        age = world.now() - handle.created_at
        if age > TOKEN_LIFETIME:
            world.violate(
                f"interaction {handle.id}: {what} {age:.0f}s after the interaction (> 15 min)"
            )
            return error(401, INVALID_WEBHOOK_TOKEN)
        if handle.initial is None or handle.initial.type not in MESSAGE_BEARING:
            state = (
                "never acknowledged"
                if handle.initial is None
                else f"answered {handle.initial.type}"
            )
            world.violate(f"interaction {handle.id}: {what} but the interaction was {state}")
            return error(404, UNKNOWN_WEBHOOK)
        return handle

    def _target(self, handle: InteractionHandle, message_id: str) -> RecordedMessage | None:
        if message_id == "@original":
            return handle.original
        for message in [handle.original, *handle.followups]:
            if message is not None and str(message.id) == message_id:
                return message
        return None

    async def followup(self, request: web.Request) -> web.Response:
        world = self.world
        handle = self._webhook_handle(request)
        if isinstance(handle, web.Response):
            return handle
        body = request[BODY]
        if handle.followup_posts >= MAX_USER_APP_FOLLOWUPS and handle.user_app_only:
            world.violate(
                f"interaction {handle.id}: follow-up number {handle.followup_posts + 1} from a "
                f"user-installed app where the bot is absent (Discord allows "
                f"{MAX_USER_APP_FOLLOWUPS})"
            )
            return error(400, MAX_FOLLOWUPS_REACHED)
        refusal = message_refusal(
            world, body, f"interaction {handle.id} follow-up", files=request[FILES]
        )
        if refusal is not None:
            return refusal
        handle.followup_posts += 1
        original = handle.original
        if (
            original is not None
            and original.loading
            and original.id != getattr(handle.source_message, "id", None)
        ):
            # Discord turns the first follow-up after a "thinking..." defer into the response.
            apply_edit(world, original, body, request[FILES], fill_loading=True)
            handle.original_shown = True
            message = original
            await self.dispatcher(message, created=True)
        else:
            channel = world.channels[handle.channel_id or 0]
            message = create_message(
                world,
                channel=channel,
                body=body,
                files=request[FILES],
                source="followup",
                handle=handle,
            )
            handle.followups.append(message)
            await self.dispatcher(message, created=True)
        world.notifier.notify()
        if request.query.get("wait") is not None and not _truthy(request.query.get("wait")):
            return no_content()
        return ok(message.payload)

    async def webhook_message(self, request: web.Request) -> web.Response:
        world = self.world
        handle = self._webhook_handle(request)
        if isinstance(handle, web.Response):
            return handle
        message_id = request.match_info["message_id"]
        message = self._target(handle, message_id)
        if message is None or message.deleted:
            world.violate(f"interaction {handle.id}: {request.method} unknown message {message_id}")
            return error(404, UNKNOWN_MESSAGE)
        if request.method == "GET":
            return ok(message.payload)
        if request.method == "DELETE":
            message.deleted = True
            world.notifier.notify()
            return no_content()
        body = request[BODY]
        refusal = message_refusal(
            world,
            body,
            f"interaction {handle.id} edit of message {message.id}",
            files=request[FILES],
            editing=message,
        )
        if refusal is not None:
            return refusal
        filling = message.loading
        apply_edit(world, message, body, request[FILES], fill_loading=filling)
        if message is handle.original:
            handle.original_shown = True
        await self.dispatcher(message, created=filling)
        return ok(message.payload)
