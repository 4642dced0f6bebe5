"""Deciding whether Discord's copy of the commands differs from the code's."""

from __future__ import annotations

from typing import Any

import pytest

from bot.front.sync import commands_differ

LOCAL: dict[str, Any] = {
    "name": "digest",
    "description": "Feed summaries",
    "type": 1,
    "nsfw": False,
    "dm_permission": False,
    "default_member_permissions": 16,
    "contexts": [0],
    "integration_types": [0],
    "name_localizations": {"de": "zusammenfassung"},
    "description_localizations": {},
    "options": [
        {
            "type": 4,
            "name": "min_posts",
            "description": "d",
            "required": False,
            "min_value": 0,
            "name_localizations": {"de": "min_beiträge"},
        },
    ],
}
# What Discord answers for the same command: ids, strings for permissions, extras.
REMOTE: dict[str, Any] = {
    "id": "123",
    "application_id": "9",
    "version": "77",
    "name": "digest",
    "description": "Feed summaries",
    "type": 1,
    "default_member_permissions": "16",
    "contexts": [0],
    "integration_types": [0],
    "name_localizations": {"de": "zusammenfassung"},
    "description_localizations": None,
    "options": [
        {
            "type": 4,
            "name": "min_posts",
            "description": "d",
            "min_value": 0,
            "name_localizations": {"de": "min_beiträge"},
        }
    ],
}


def test_same_commands_as_discord_returns_them() -> None:
    assert not commands_differ([LOCAL], [REMOTE])


@pytest.mark.parametrize(
    "change",
    [
        {"description": "Other"},
        {"default_member_permissions": "32"},
        {"default_member_permissions": None},
        {"contexts": [0, 1]},
        {"integration_types": [0, 1]},
        {"name_localizations": {}},
        {"name_localizations": {"de": "digest"}},
        {"description_localizations": {"de": "Zusammenfassungen"}},
        {"options": [{"type": 4, "name": "min_posts", "description": "d", "min_value": 0}]},
        {"options": [{"type": 4, "name": "min_posts", "description": "d"}]},  # min 0 dropped
        {"options": []},
        {"name": "digests"},
    ],
)
def test_any_user_visible_change_is_a_difference(change: dict[str, Any]) -> None:
    assert commands_differ([LOCAL], [{**REMOTE, **change}])


def test_missing_or_extra_commands_differ() -> None:
    assert commands_differ([LOCAL], [])
    assert commands_differ([LOCAL], [REMOTE, {**REMOTE, "name": "other"}])


def test_contexts_discord_fills_in_do_not_count() -> None:
    local = {k: v for k, v in LOCAL.items() if k != "contexts"}
    assert not commands_differ([local], [{**REMOTE, "contexts": [0, 1, 2]}])


def test_install_types_discord_fills_in_do_not_count() -> None:
    local = {k: v for k, v in LOCAL.items() if k != "integration_types"}
    assert not commands_differ([local], [{**REMOTE, "integration_types": [0, 1]}])


def test_a_context_menu_has_no_description_and_discord_echoes_an_empty_one() -> None:
    menu = {"name": "Microblog profile", "type": 2, "contexts": [0, 1, 2]}
    assert not commands_differ([menu], [{**menu, "id": "5", "description": ""}])
