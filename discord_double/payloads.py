"""Discord JSON objects (user, member, role, channel, guild, message) built from the records.

Fields are the ones discord.py reads with ``data['...']`` (a missing key there is a KeyError
deep in the client), plus the common optional ones so the payloads look like Discord's.
"""

from __future__ import annotations

from typing import Any

from .records import (
    ADMINISTRATOR,
    BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    Channel,
    Guild,
    User,
)
from .snowflake import iso_of


def user_payload(user: User) -> dict[str, Any]:
    """A user object (discord.py needs username, id, discriminator and avatar)."""
    return {
        "id": str(user.id),
        "username": user.username,
        "global_name": user.global_name,
        "discriminator": "0",
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def member_payload(
    user: User, *, with_permissions: bool = False, with_user: bool = True
) -> dict[str, Any]:
    """A guild member; ``permissions`` only appears in interaction payloads, as on Discord, and
    ``user`` is left out where the user object stands beside it (message authors, resolved)."""
    payload: dict[str, Any] = {
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [str(role_id) for role_id in user.role_ids],
        "joined_at": user.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        payload["user"] = user_payload(user)
    if with_permissions:
        payload["permissions"] = str(user.permissions)
    return payload


def role_payload(role_id: int, name: str, permissions: int, position: int, **extra: Any) -> dict:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
        **extra,
    }


def guild_roles(guild: Guild, bot_user: User) -> list[dict[str, Any]]:
    """@everyone (id == guild id) with normal member rights, the bot's managed role, admins."""
    roles = [role_payload(guild.id, "@everyone", DEFAULT_MEMBER_PERMISSIONS, 0)]
    for role_id in bot_user.role_ids:
        roles.append(
            role_payload(
                role_id,
                bot_user.username,
                BOT_PERMISSIONS,
                1,
                managed=True,
                tags={"bot_id": str(bot_user.id)},
            )
        )
    if guild.admin_role_id is not None:
        roles.append(role_payload(guild.admin_role_id, "Admin", ADMINISTRATOR, 2))
    return roles


def channel_payload(channel: Channel, *, recipients: list[User] | None = None) -> dict[str, Any]:
    """A text channel (all fields TextChannel._update reads) or a DM channel."""
    if channel.type in (1, 3):
        payload: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user_payload(user) for user in recipients or []],
        }
        if channel.type == 3:
            payload |= {"name": channel.name, "icon": None, "owner_id": None}
        return payload
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
        "default_thread_rate_limit_per_user": 0,
    }


def guild_create_payload(guild: Guild, members: list[User], bot_user: User) -> dict[str, Any]:
    """A GUILD_CREATE: the full guild with channels, roles and members."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": guild.locale,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "widget_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "application_id": None,
        "features": list(guild.features),
        "roles": guild_roles(guild, bot_user),
        "emojis": [],
        "stickers": [],
        "soundboard_sounds": [],
        "large": len(members) >= 250,
        "unavailable": False,
        "lazy": True,
        "member_count": len(members),
        "joined_at": bot_user.joined_at,
        "voice_states": [],
        "members": [member_payload(user) for user in members],
        "channels": [channel_payload(channel) for channel in guild.channels],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "embedded_activities": [],
        "incidents_data": None,
    }


def message_payload(
    *,
    message_id: int,
    channel: Channel,
    author: User,
    body: dict[str, Any],
    webhook_id: int | None = None,
    application_id: int | None = None,
    interaction_metadata: dict[str, Any] | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """The message object Discord returns (and dispatches) for a bot's create payload."""
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel.id),
        "author": user_payload(author),
        "content": body.get("content") or "",
        "timestamp": iso_of(message_id),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": list(body.get("attachments") or []),
        "embeds": [_embed_as_stored(embed) for embed in body.get("embeds") or []],
        "reactions": [],
        "pinned": False,
        "type": 20 if interaction_metadata and interaction_metadata.get("type") == 2 else 0,
        "flags": int(body.get("flags") or 0),
        "components": list(body.get("components") or []),
    }
    if channel.guild_id is not None:
        payload["guild_id"] = str(channel.guild_id)
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    if application_id is not None:
        payload["application_id"] = str(application_id)
    if interaction_metadata is not None:
        payload["interaction_metadata"] = interaction_metadata
    if nonce is not None:
        payload["nonce"] = nonce
    if body.get("poll") is not None:
        payload["poll"] = body["poll"]
    return payload


def _embed_as_stored(embed: dict[str, Any]) -> dict[str, Any]:
    """Discord echoes embeds with ``type: rich`` and no client-side ``flags`` noise."""
    stored = dict(embed)
    stored.setdefault("type", "rich")
    stored.pop("flags", None)
    return stored
