"""Creating and editing messages the way Discord stores them.

Channel posts, interaction responses and follow-ups all become ``RecordedMessage`` objects in
one store, so "the message the user sees" is the same object whichever route later edits it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from .limits import (
    EPHEMERAL,
    IS_COMPONENTS_V2,
    LOADING,
    Problem,
    is_empty_message,
    legacy_field_problems,
    validate_message,
)
from .payloads import message_payload
from .records import Channel, RecordedMessage
from .responses import CANNOT_SEND_EMPTY_MESSAGE, error, invalid_form_body
from .snowflake import iso_now

if TYPE_CHECKING:
    from .interactions import InteractionHandle
    from .state import World


class MessageDispatcher(Protocol):
    """Announces a message over the gateway (MESSAGE_CREATE / UPDATE / DELETE)."""

    def __call__(
        self, message: RecordedMessage, *, created: bool, deleted: bool = False
    ) -> Awaitable[None]: ...


#: Discord's upload limit per message without boosts (what interactions announce as
#: attachment_size_limit); larger requests fail with 413, code 40005.
UPLOAD_LIMIT = 10 * 1024 * 1024
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
#: Flags a bot may set when creating a message; Discord ignores the rest.
CREATE_FLAGS = SUPPRESS_EMBEDS | EPHEMERAL | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
#: Flags an edit may change.
EDIT_FLAGS = SUPPRESS_EMBEDS | IS_COMPONENTS_V2


def message_refusal(
    world: World,
    body: object,
    what: str,
    *,
    files: Sequence[object] = (),
    editing: RecordedMessage | None = None,
    base: tuple[str | int, ...] = (),
) -> web.Response | None:
    """Discord's 400 for a message create or edit it refuses, or None when it takes it.

    The one check for every route that carries a message (channel posts and edits, interaction
    callbacks, follow-ups, webhook edits): Discord's limits (50035), then something left to
    show (50006; ``editing`` is the message an edit applies to). Each reason is recorded as a
    violation of ``what``.
    """
    if not isinstance(body, dict):
        problem = Problem(base, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return invalid_form_body(world, what, [problem])
    raw_flags = body.get("flags")
    asked = raw_flags if isinstance(raw_flags, int) else 0
    was_v2 = editing is not None and bool(editing.flags & IS_COMPONENTS_V2)
    flags = asked | (IS_COMPONENTS_V2 if was_v2 else 0)
    shown = merged_view(editing, body) if editing is not None else body
    problems = validate_message(body, base, flags=flags)
    problems += legacy_field_problems(shown, flags, base)
    if was_v2 and isinstance(raw_flags, int) and not raw_flags & IS_COMPONENTS_V2:
        problems.append(
            Problem(
                (*base, "flags"),
                "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG",
                "The IS_COMPONENTS_V2 flag cannot be removed once set",
            )
        )
    if problems:
        return invalid_form_body(world, what, problems)
    if is_empty_message(shown) and not files:
        reason = "the edit would leave it empty" if editing is not None else "nothing to show"
        world.violate(f"{what}: {reason} (no content, embeds, components or files)")
        return error(400, CANNOT_SEND_EMPTY_MESSAGE)
    return None


def attachments_from(
    world: World, body: dict[str, Any], files: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Attachment objects for uploaded files (``files[n]`` fields), as Discord returns them."""
    described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
    kept = [a for a in body.get("attachments") or [] if isinstance(a, dict) and "url" in a]
    result = list(kept)
    total = sum(len(upload["data"]) for upload in files)
    if total > UPLOAD_LIMIT:
        world.violate(f"uploaded {total} bytes; Discord refuses more than {UPLOAD_LIMIT} (40005)")
    for index, upload in enumerate(files):
        attachment_id = world.ids.next()
        meta = described.get(str(index), {})
        filename = meta.get("filename") or upload["filename"]
        url = f"https://cdn.discordapp.com/attachments/0/{attachment_id}/{filename}"
        world.add_attachment_data(str(attachment_id), upload["data"])
        result.append(
            {
                "id": str(attachment_id),
                "filename": filename,
                "description": meta.get("description"),
                "content_type": upload.get("content_type"),
                "size": len(upload["data"]),
                "url": url,
                "proxy_url": url,
                "ephemeral": False,
            }
        )
    return result


def interaction_metadata(
    handle: InteractionHandle, *, original_message_id: int | None = None
) -> dict[str, Any]:
    """``interaction_metadata`` of a message an interaction produced."""
    payload = handle.payload
    user = payload.get("member", {}).get("user") or payload.get("user")
    metadata: dict[str, Any] = {
        "id": str(handle.id),
        "type": handle.type,
        "user": user,
        "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
    }
    data = payload.get("data") or {}
    if handle.type == 2:
        metadata["name"] = data.get("name")
        metadata["command_type"] = data.get("type", 1)
    if handle.source_message is not None:
        metadata["interacted_message_id"] = str(handle.source_message.id)
    if original_message_id is not None:
        metadata["original_response_message_id"] = str(original_message_id)
    return metadata


def create_message(
    world: World,
    *,
    channel: Channel,
    body: dict[str, Any],
    files: list[dict[str, Any]],
    source: str,
    handle: InteractionHandle | None = None,
    extra_flags: int = 0,
    nonce: str | None = None,
) -> RecordedMessage:
    """Store a new message and return it (not yet dispatched over the gateway)."""
    message_id = world.ids.next()
    stored = dict(body)
    stored["flags"] = (int(body.get("flags") or 0) & CREATE_FLAGS) | extra_flags
    stored["attachments"] = attachments_from(world, body, files)
    metadata = None
    if handle is not None:
        original_id = handle.original.id if source == "followup" and handle.original else None
        metadata = interaction_metadata(handle, original_message_id=original_id)
    payload = message_payload(
        message_id=message_id,
        channel=channel,
        author=world.bot_user,
        body=stored,
        webhook_id=world.application_id if handle is not None else None,
        application_id=world.application_id if handle is not None else None,
        interaction_metadata=metadata,
        nonce=nonce,
    )
    message = RecordedMessage(
        id=message_id,
        channel_id=channel.id,
        payload=payload,
        created_at=world.now(),
        source=source,
        interaction_id=handle.id if handle is not None else None,
        allowed_mentions=body.get("allowed_mentions"),
        nonce=nonce,
    )
    return world.add_message(message)


def apply_edit(
    world: World,
    message: RecordedMessage,
    body: dict[str, Any],
    files: list[dict[str, Any]],
    *,
    fill_loading: bool = False,
) -> None:
    """Apply a PATCH (or a type-7 update) in place; keep the previous state in ``edits``."""
    message.edits.append(dict(message.payload))
    payload = dict(message.payload)
    if "content" in body:
        payload["content"] = body["content"] or ""
    if "embeds" in body:
        payload["embeds"] = [dict(e, type=e.get("type", "rich")) for e in body["embeds"] or []]
    if "components" in body:
        payload["components"] = list(body["components"] or [])
    if "attachments" in body or files:
        payload["attachments"] = attachments_from(world, body, files)
    flags = int(payload.get("flags") or 0)
    if "flags" in body and body["flags"] is not None:
        flags = (flags & ~EDIT_FLAGS) | (int(body["flags"]) & EDIT_FLAGS)
    if fill_loading:
        flags &= ~LOADING
    payload["flags"] = flags
    if "allowed_mentions" in body:
        message.allowed_mentions = body["allowed_mentions"]
    if not fill_loading:
        payload["edited_timestamp"] = iso_now()
    message.payload = payload
    world.notifier.notify()


def merged_view(message: RecordedMessage, body: dict[str, Any]) -> dict[str, Any]:
    """What the message would look like after an edit (to refuse edits that empty it)."""
    merged = dict(message.payload)
    for key in ("content", "embeds", "components", "attachments", "poll", "sticker_ids"):
        if key in body:
            merged[key] = body[key]
    return merged
