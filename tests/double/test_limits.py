"""Discord's validation rules, checked directly (the HTTP paths are covered elsewhere)."""

from __future__ import annotations

from discord_double.limits import (
    form_errors,
    is_empty_message,
    validate_choices,
    validate_components,
    validate_embeds,
    validate_message,
    validate_modal,
)


def _row(*buttons: dict) -> dict:
    return {"type": 1, "components": list(buttons)}


def _button(custom_id: str, label: str = "ok") -> dict:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label}


def test_content_limit_and_error_tree() -> None:
    assert validate_message({"content": "x" * 2000}) == []
    (problem,) = validate_message({"content": "x" * 2001})
    assert problem.path == ("content",)
    assert form_errors([problem]) == {
        "content": {
            "_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
            ]
        }
    }


def test_embed_limits() -> None:
    assert validate_embeds([{"title": "t"}] * 11)[0].path == ("embeds",)
    field = {"name": "n" * 257, "value": "v" * 1025}
    paths = {p.path for p in validate_embeds([{"fields": [field] * 26}])}
    assert ("embeds", 0, "fields") in paths
    assert ("embeds", 0, "fields", 0, "name") in paths
    assert ("embeds", 0, "fields", 0, "value") in paths
    big = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    assert [p.code for p in validate_embeds(big)] == ["MAX_EMBED_SIZE_EXCEEDED"]
    long_footer = [{"footer": {"text": "f" * 2049}, "author": {"name": "a" * 257}}]
    assert len(validate_embeds(long_footer)) == 2


def test_component_limits() -> None:
    assert validate_components([_row(_button("a"))]) == []
    six = _row(*[_button(str(i)) for i in range(6)])
    assert validate_components([six])
    assert validate_components([_row(_button(str(i))) for i in range(6)])
    assert validate_components([_row(_button(""))])
    assert validate_components([_row(_button("x" * 101))])
    assert validate_components([_row(_button("a", label="l" * 81))])
    duplicated = validate_components([_row(_button("a"), _button("a"))])
    assert [p.code for p in duplicated] == ["COMPONENT_CUSTOM_ID_DUPLICATED"]


def test_modal_limits() -> None:
    text = {"type": 4, "custom_id": "a", "style": 1, "label": "Name"}
    assert validate_modal({"title": "T", "custom_id": "m", "components": [_row(text)]}) == []
    label = {"type": 18, "label": "Bio", "component": {**text, "label": None, "max_length": 4000}}
    assert validate_modal({"title": "T", "custom_id": "m", "components": [label]}) == []
    assert validate_modal({"title": "T" * 46, "custom_id": "m", "components": [_row(text)]})
    assert validate_modal({"title": "T", "custom_id": "m", "components": [_row(text)] * 6})
    assert validate_modal({"title": "T", "custom_id": "m", "components": []})
    too_long = {**text, "label": "L" * 46, "max_length": 4001, "value": "v" * 4001}
    problems = validate_modal({"title": "T", "custom_id": "m", "components": [_row(too_long)]})
    assert {p.path[-1] for p in problems} == {"label", "max_length", "value"}


def test_autocomplete_limits() -> None:
    ok = {"choices": [{"name": "n", "value": "v"}] * 25}
    assert validate_choices(ok) == []
    assert validate_choices({"choices": [{"name": "n", "value": "v"}] * 26})
    assert validate_choices({"choices": [{"name": "", "value": "v"}]})
    assert validate_choices({"choices": [{"name": "n", "value": "v" * 101}]})
    assert validate_choices({"choices": [{"name": "n", "value": 10**9}]}) == []


def test_empty_message() -> None:
    assert is_empty_message({"content": ""})
    assert is_empty_message({"content": None, "embeds": []})
    assert not is_empty_message({"embeds": [{"title": "t"}]})
