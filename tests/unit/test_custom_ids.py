"""Every button and form owns its custom_id: built within Discord's limit, parsed back by its
own template and by no other class's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import discord
import pytest

from bot.domain.cursors import NEWER, OLDER, Cursor
from bot.domain.values import Position
from bot.front.components import (
    BUTTONS,
    FORMS,
    ConfirmDeleteButton,
    DeletePostButton,
    EditForm,
    EditPostButton,
    FeedPageButton,
    LoginForm,
    PostForm,
    RegisterForm,
)
from bot.front.components.base import MAX_CUSTOM_ID, custom_id
from bot.front.i18n import messages_in

EN = messages_in("en")

LATEST = Position(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 2**63 - 1)


def _patterns() -> list[tuple[str, object]]:
    return [(b.__name__, b.__discord_ui_compiled_template__) for b in BUTTONS] + [
        (f.__name__, f.pattern) for f in FORMS
    ]


def _matching(value: str) -> list[str]:
    return [name for name, pattern in _patterns() if pattern.fullmatch(value)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("direction", [OLDER, NEWER])
@pytest.mark.parametrize("author_id", [None, 2**63 - 1])
async def test_page_buttons_carry_the_largest_cursor_and_parse_it_back(
    direction: str, author_id: int | None
) -> None:
    cursor = Cursor(direction, LATEST, author_id).encode()
    button = FeedPageButton("Older", cursor, direction)
    assert len(button.custom_id) <= MAX_CUSTOM_ID
    assert _matching(button.custom_id) == ["FeedPageButton"]
    match = FeedPageButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)
    assert match is not None
    parsed = await FeedPageButton.from_custom_id(None, button.item, match)  # type: ignore[arg-type]
    assert parsed.cursor == cursor
    assert parsed.item.label == "Older"


async def test_a_disabled_page_button_has_its_own_id_and_no_cursor() -> None:
    # Labels in any language: the direction, not the label, tells the two apart.
    older, newer = FeedPageButton("Ältere", None, OLDER), FeedPageButton("Neuere", None, NEWER)
    assert older.item.disabled and newer.item.disabled
    assert older.custom_id != newer.custom_id  # Discord wants unique ids in one message
    match = FeedPageButton.__discord_ui_compiled_template__.fullmatch(older.custom_id)
    assert match is not None
    parsed = await FeedPageButton.from_custom_id(None, older.item, match)  # type: ignore[arg-type]
    assert parsed.cursor is None


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: RegisterForm(EN), "RegisterForm"),
        (lambda: LoginForm(EN), "LoginForm"),
        (lambda: PostForm(EN, 500), "PostForm"),
        (lambda: EditForm(EN, 2**53, "body", 500), "EditForm"),
    ],
)
async def test_each_form_is_answered_by_its_own_class_only(
    make: Callable[[], discord.ui.Modal], expected: str
) -> None:
    form = make()  # inside the event loop, as the bot builds them
    assert len(form.custom_id) <= MAX_CUSTOM_ID
    assert _matching(form.custom_id) == [expected]
    assert form.is_finished()  # discord.py keeps no copy of a finished modal


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        (EditPostButton, "EditPostButton"),
        (DeletePostButton, "DeletePostButton"),
        (ConfirmDeleteButton, "ConfirmDeleteButton"),
    ],
)
async def test_post_buttons_carry_the_largest_post_id_and_parse_it_back(
    button: type[EditPostButton | DeletePostButton | ConfirmDeleteButton], expected: str
) -> None:
    largest = 2**63 - 1  # a PostgreSQL bigint
    made = button(largest, "Label")
    assert len(made.custom_id) <= MAX_CUSTOM_ID
    assert _matching(made.custom_id) == [expected]
    match = button.__discord_ui_compiled_template__.fullmatch(made.custom_id)
    assert match is not None
    parsed = await button.from_custom_id(None, made.item, match)  # type: ignore[arg-type]
    assert (parsed.post_id, parsed.item.label) == (largest, "Label")


def test_custom_ids_over_discords_limit_are_refused_when_built() -> None:
    with pytest.raises(ValueError, match="longer than 100"):
        custom_id("feed", "x" * 100)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "mb",
        "mb:",
        "mb:feed",
        "mb:feed:",
        "x" * 150,
        "mb:nope:1",
        "mb:post-edit:",
        "mb:post-edit:1x",
        "mb:post-delete:-1",
        "mb:post-delete-yes:" + "9" * 20,
    ],
)
def test_nothing_of_ours_answers_what_we_never_sent(value: str) -> None:
    assert _matching(value) == []
