"""Discord's validation rules for what a bot sends.

Discord answers a payload that breaks these rules with HTTP 400 "Invalid Form Body" (code
50035) and a nested ``errors`` object; the double does the same so the bot's error paths run,
and records each problem as a violation so a test can demand that there are none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_V2_COMPONENTS = 40
MAX_V2_TEXT = 4000  # across every text display of one message
MAX_SECTION_TEXTS = 3
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_MODAL_TITLE = 45
MAX_MODAL_COMPONENTS = 5
MAX_TEXT_INPUT_LABEL = 45
MAX_TEXT_INPUT_LENGTH = 4000
MAX_LABEL_DESCRIPTION = 100
MAX_PLACEHOLDER = 100
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_CHOICE_VALUE = 100
MAX_COMMAND_OPTIONS = 25
MAX_COMMAND_DESCRIPTION = 100
MAX_STRING_OPTION_LENGTH = 6000

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

Sized = Sequence[Any] | Mapping[str, Any]
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
_SELECT_TYPES = {3, 5, 6, 7, 8}
_TEXT_INPUT = 4


@dataclass(frozen=True)
class Problem:
    """One rule a payload broke, located by its JSON path like Discord's ``errors`` tree."""

    path: tuple[str | int, ...]
    code: str
    message: str

    def describe(self) -> str:
        """``embeds.0.title: Must be 256 or fewer in length.``"""
        where = ".".join(str(part) for part in self.path) or "<body>"
        return f"{where}: {self.message}"


def form_errors(problems: Iterable[Problem]) -> dict[str, Any]:
    """Nest problems the way Discord's 50035 body does: ``{"content": {"_errors": [...]}}``."""
    tree: dict[str, Any] = {}
    for problem in problems:
        node = tree
        for part in problem.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return tree


def _too_long(path: tuple[str | int, ...], value: object, limit: int) -> Iterator[Problem]:
    if isinstance(value, str) and len(value) > limit:
        yield Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_length(
    path: tuple[str | int, ...], value: object, low: int, high: int, *, required: bool = True
) -> Iterator[Problem]:
    if value is None:
        if required:
            yield Problem(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if not isinstance(value, str):
        yield Problem(path, "STRING_TYPE_CONVERT", "Could not interpret value as string.")
        return
    if not low <= len(value) <= high:
        yield Problem(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _too_many(path: tuple[str | int, ...], items: Sized, limit: int) -> Iterator[Problem]:
    if len(items) > limit:
        yield Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_count(path: tuple[str | int, ...], items: Sized, low: int, high: int) -> Iterator[Problem]:
    if not low <= len(items) <= high:
        yield Problem(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def validate_embeds(embeds: object, base: tuple[str | int, ...] = ("embeds",)) -> list[Problem]:
    """Per-field limits, the 10-per-message cap and the 6000-character total across embeds."""
    if not isinstance(embeds, list):
        return []
    problems = list(_too_many(base, embeds, MAX_EMBEDS))
    total = 0
    for index, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        path = (*base, index)
        title, description = embed.get("title"), embed.get("description")
        problems += _too_long((*path, "title"), title, MAX_EMBED_TITLE)
        problems += _too_long((*path, "description"), description, MAX_EMBED_DESCRIPTION)
        total += len(_text(title)) + len(_text(description))
        fields = embed.get("fields") or []
        problems += _too_many((*path, "fields"), fields, MAX_EMBED_FIELDS)
        for number, field in enumerate(fields):
            field_path = (*path, "fields", number)
            name, value = field.get("name"), field.get("value")
            problems += _bad_length((*field_path, "name"), name, 1, MAX_FIELD_NAME)
            problems += _bad_length((*field_path, "value"), value, 1, MAX_FIELD_VALUE)
            total += len(_text(name)) + len(_text(value))
        footer = embed.get("footer") or {}
        problems += _too_long((*path, "footer", "text"), footer.get("text"), MAX_FOOTER)
        author = embed.get("author") or {}
        problems += _too_long((*path, "author", "name"), author.get("name"), MAX_AUTHOR_NAME)
        total += len(_text(footer.get("text"))) + len(_text(author.get("name")))
    if total > MAX_EMBED_TOTAL:
        problems.append(
            Problem(
                base,
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL} ({total} characters)",
            )
        )
    return problems


def walk_components(components: object) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every component with its path, descending into rows, sections, containers and labels."""
    if not isinstance(components, list):
        return
    stack: list[tuple[tuple[str | int, ...], Any]] = [
        (("components", index), item) for index, item in enumerate(components)
    ]
    stack.reverse()
    while stack:
        path, component = stack.pop()
        if not isinstance(component, dict):
            continue
        yield path, component
        children: list[tuple[tuple[str | int, ...], Any]] = []
        for index, child in enumerate(component.get("components") or []):
            children.append(((*path, "components", index), child))
        if isinstance(component.get("component"), dict):
            children.append(((*path, "component"), component["component"]))
        if isinstance(component.get("accessory"), dict):
            children.append(((*path, "accessory"), component["accessory"]))
        stack.extend(reversed(children))


def _validate_button(path: tuple[str | int, ...], button: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = list(
        _too_long((*path, "label"), button.get("label"), MAX_BUTTON_LABEL)
    )
    style = button.get("style")
    if style == 5:
        if not button.get("url"):
            problems.append(Problem((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required"))
        if button.get("custom_id") is not None:
            problems.append(
                Problem(
                    (*path, "custom_id"),
                    "COMPONENT_LINK_BUTTON_CUSTOM_ID",
                    "Link buttons cannot have a custom_id",
                )
            )
    elif style != 6:
        problems += _bad_length((*path, "custom_id"), button.get("custom_id"), 1, MAX_CUSTOM_ID)
    if style not in (1, 2, 3, 4, 5, 6):
        problems.append(Problem((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of 1-6."))
    if not button.get("label") and not button.get("emoji") and style != 6:
        problems.append(
            Problem(
                path, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required"
            )
        )
    return problems


def _validate_select(path: tuple[str | int, ...], select: Mapping[str, Any]) -> list[Problem]:
    problems = list(_bad_length((*path, "custom_id"), select.get("custom_id"), 1, MAX_CUSTOM_ID))
    problems += _too_long((*path, "placeholder"), select.get("placeholder"), 150)
    if select.get("type") == 3:
        options = select.get("options") or []
        problems += _bad_count((*path, "options"), options, 1, MAX_SELECT_OPTIONS)
        for number, option in enumerate(options):
            option_path = (*path, "options", number)
            problems += _bad_length((*option_path, "label"), option.get("label"), 1, 100)
            problems += _bad_length((*option_path, "value"), option.get("value"), 1, 100)
            problems += _too_long((*option_path, "description"), option.get("description"), 100)
    return problems


def validate_components(components: object, *, flags: int = 0) -> list[Problem]:
    """Action-row layout (or the components-v2 total), custom_id rules and duplicates."""
    if not isinstance(components, list):
        return []
    problems: list[Problem] = []
    if flags & IS_COMPONENTS_V2:
        problems += _validate_v2(components)
    else:
        problems += _too_many(("components",), components, MAX_ACTION_ROWS)
        for index, row in enumerate(components):
            problems += _validate_row(("components", index), row)
    seen: set[str] = set()
    for path, component in walk_components(components):
        kind = component.get("type")
        if kind == 2:
            problems += _validate_button(path, component)
        elif kind in _SELECT_TYPES:
            problems += _validate_select(path, component)
        custom_id = component.get("custom_id")
        if isinstance(custom_id, str) and kind != 1:
            if custom_id in seen:
                problems.append(
                    Problem(
                        (*path, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                )
            seen.add(custom_id)
    return problems


# Components V2 types (https://discord.com/developers/docs/components/reference).
ACTION_ROW, BUTTON, SECTION, TEXT_DISPLAY, THUMBNAIL = 1, 2, 9, 10, 11
MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER = 12, 13, 14, 17
_V2_TOP_LEVEL = {ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER}
_V2_IN_CONTAINER = _V2_TOP_LEVEL - {CONTAINER}


def _validate_v2(components: list[Any]) -> list[Problem]:
    """A Components V2 layout: where each type may sit, 40 components in all (nested ones
    count), and 4,000 characters across the text displays."""
    problems: list[Problem] = []
    count = sum(1 for _ in walk_components(components))
    if count > MAX_V2_COMPONENTS:
        problems.append(
            Problem(
                ("components",),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_V2_COMPONENTS} or fewer in length.",
            )
        )
    for index, component in enumerate(components):
        if isinstance(component, dict) and component.get("type") not in _V2_TOP_LEVEL:
            problems.append(_not_here(("components", index), component))
    text = 0
    for path, component in walk_components(components):
        kind = component.get("type")
        children = component.get("components") or []
        if kind == TEXT_DISPLAY:
            content = component.get("content")
            problems += _bad_length((*path, "content"), content, 1, MAX_V2_TEXT)
            text += len(_text(content))
        elif kind == SECTION:
            if not 1 <= len(children) <= MAX_SECTION_TEXTS:
                problems.append(
                    Problem(
                        (*path, "components"),
                        "BASE_TYPE_BAD_LENGTH",
                        f"Must be between 1 and {MAX_SECTION_TEXTS} in length.",
                    )
                )
            for number, child in enumerate(children):
                if isinstance(child, dict) and child.get("type") != TEXT_DISPLAY:
                    problems.append(_not_here((*path, "components", number), child))
            accessory = component.get("accessory")
            if not isinstance(accessory, dict):
                problems.append(
                    Problem((*path, "accessory"), "BASE_TYPE_REQUIRED", "This field is required")
                )
            elif accessory.get("type") not in (BUTTON, THUMBNAIL):
                problems.append(_not_here((*path, "accessory"), accessory))
        elif kind == THUMBNAIL:
            media = component.get("media")
            if not isinstance(media, dict) or not media.get("url"):
                problems.append(
                    Problem((*path, "media", "url"), "BASE_TYPE_REQUIRED", "This field is required")
                )
        elif kind == CONTAINER:
            for number, child in enumerate(children):
                if isinstance(child, dict) and child.get("type") not in _V2_IN_CONTAINER:
                    problems.append(_not_here((*path, "components", number), child))
        elif kind == ACTION_ROW:
            problems += _validate_row(path, component)
    if text > MAX_V2_TEXT:
        problems.append(
            Problem(
                ("components",),
                "COMPONENT_TEXT_DISPLAY_TOTAL_LENGTH_EXCEEDED",
                f"Text displays may hold {MAX_V2_TEXT} characters in all; these hold {text}.",
            )
        )
    return problems


def _not_here(path: tuple[str | int, ...], component: Mapping[str, Any]) -> Problem:
    return Problem(
        (*path, "type"),
        "UNION_TYPE_CHOICES",
        f"Component type {component.get('type')} is not allowed here",
    )


def legacy_field_problems(
    message: Mapping[str, Any], flags: int, base: tuple[str | int, ...] = ()
) -> list[Problem]:
    """A Components V2 message carries no content, embeds, poll or stickers beside its
    components (``message`` is the message as it would be after the create or edit)."""
    if not flags & IS_COMPONENTS_V2:
        return []
    return [
        Problem(
            (*base, field),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            f"The '{field}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        )
        for field in ("content", "embeds", "poll", "sticker_ids")
        if message.get(field)
    ]


def _validate_row(path: tuple[str | int, ...], row: object) -> list[Problem]:
    if not isinstance(row, dict) or row.get("type") != 1:
        return [Problem((*path, "type"), "UNION_TYPE_CHOICES", "Top-level components must be rows")]
    children = row.get("components") or []
    if not children:
        return [Problem((*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be 1 to 5 items.")]
    buttons = [child for child in children if child.get("type") == 2]
    selects = [child for child in children if child.get("type") in _SELECT_TYPES]
    problems: list[Problem] = []
    if len(buttons) > MAX_ROW_BUTTONS:
        problems.append(
            Problem(
                (*path, "components"),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_ROW_BUTTONS} or fewer in length.",
            )
        )
    if selects and len(children) > 1:
        problems.append(
            Problem(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        )
    return problems


def validate_message(
    body: Mapping[str, Any], base: tuple[str | int, ...] = (), *, flags: int | None = None
) -> list[Problem]:
    """Content, embeds and components of a message create/edit payload.

    ``flags``: the message's flags after the change, when they are not all in ``body`` (an
    edit of a Components V2 message need not repeat the flag, and cannot remove it).
    """
    problems = list(_too_long((*base, "content"), body.get("content"), MAX_CONTENT))
    problems += [
        Problem((*base, *p.path), p.code, p.message) for p in validate_embeds(body.get("embeds"))
    ]
    if flags is None:
        raw = body.get("flags") or 0
        flags = raw if isinstance(raw, int) else 0
    problems += [
        Problem((*base, *p.path), p.code, p.message)
        for p in validate_components(body.get("components"), flags=flags)
    ]
    return problems


def is_empty_message(message: Mapping[str, Any]) -> bool:
    """Discord refuses (50006) a message with nothing to show."""
    return not (
        message.get("content")
        or message.get("embeds")
        or message.get("components")
        or message.get("attachments")
        or message.get("sticker_ids")
        or message.get("poll")
    )


def validate_modal(
    data: Mapping[str, Any], base: tuple[str | int, ...] = ("data",)
) -> list[Problem]:
    """A type-9 callback's modal: title, 1-5 components, text inputs in rows or labels."""
    problems = list(_bad_length((*base, "title"), data.get("title"), 1, MAX_MODAL_TITLE))
    problems += _bad_length((*base, "custom_id"), data.get("custom_id"), 1, MAX_CUSTOM_ID)
    components = data.get("components") or []
    problems += _bad_count((*base, "components"), components, 1, MAX_MODAL_COMPONENTS)
    for index, component in enumerate(components):
        path = (*base, "components", index)
        kind = component.get("type")
        if kind == 1:
            children = component.get("components") or []
            if len(children) != 1:
                problems.append(
                    Problem((*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be 1 in length.")
                )
            for number, child in enumerate(children):
                problems += _validate_text_input((*path, "components", number), child, True)
        elif kind == 18:
            problems += _bad_length((*path, "label"), component.get("label"), 1, 45)
            problems += _too_long(
                (*path, "description"), component.get("description"), MAX_LABEL_DESCRIPTION
            )
            child = component.get("component")
            if not isinstance(child, dict):
                problems.append(
                    Problem((*path, "component"), "BASE_TYPE_REQUIRED", "This field is required")
                )
            elif child.get("type") == _TEXT_INPUT:
                problems += _validate_text_input((*path, "component"), child, False)
            elif child.get("type") in _SELECT_TYPES:
                problems += _validate_select((*path, "component"), child)
        elif kind != 10:
            problems.append(
                Problem((*path, "type"), "UNION_TYPE_CHOICES", f"Component type {kind} not allowed")
            )
    return problems


def _validate_text_input(
    path: tuple[str | int, ...], text_input: Mapping[str, Any], needs_label: bool
) -> list[Problem]:
    problems: list[Problem] = []
    if text_input.get("type") != _TEXT_INPUT:
        return [Problem((*path, "type"), "UNION_TYPE_CHOICES", "Only text inputs go in rows here")]
    problems += _bad_length((*path, "custom_id"), text_input.get("custom_id"), 1, MAX_CUSTOM_ID)
    label = text_input.get("label")
    if needs_label:
        problems += _bad_length((*path, "label"), label, 1, MAX_TEXT_INPUT_LABEL)
    else:
        problems += _too_long((*path, "label"), label, MAX_TEXT_INPUT_LABEL)
    if text_input.get("style") not in (1, 2):
        problems.append(Problem((*path, "style"), "BASE_TYPE_CHOICES", "Value must be 1 or 2."))
    low, high = text_input.get("min_length"), text_input.get("max_length")
    if low is not None and not 0 <= low <= MAX_TEXT_INPUT_LENGTH:
        problems.append(
            Problem((*path, "min_length"), "NUMBER_TYPE_MAX", "Must be between 0 and 4000.")
        )
    if high is not None and not 1 <= high <= MAX_TEXT_INPUT_LENGTH:
        problems.append(
            Problem((*path, "max_length"), "NUMBER_TYPE_MAX", "Must be between 1 and 4000.")
        )
    if low is not None and high is not None and low > high:
        problems.append(
            Problem((*path, "min_length"), "NUMBER_TYPE_MAX", "min_length exceeds max_length.")
        )
    problems += _too_long((*path, "value"), text_input.get("value"), MAX_TEXT_INPUT_LENGTH)
    problems += _too_long((*path, "placeholder"), text_input.get("placeholder"), MAX_PLACEHOLDER)
    return problems


def validate_choices(
    data: Mapping[str, Any], base: tuple[str | int, ...] = ("data",)
) -> list[Problem]:
    """A type-8 autocomplete result: at most 25 choices, names 1-100, string values <= 100."""
    choices = data.get("choices")
    if not isinstance(choices, list):
        return [Problem((*base, "choices"), "BASE_TYPE_REQUIRED", "This field is required")]
    problems = list(_too_many((*base, "choices"), choices, MAX_CHOICES))
    for index, choice in enumerate(choices):
        path = (*base, "choices", index)
        problems += _bad_length((*path, "name"), choice.get("name"), 1, MAX_CHOICE_NAME)
        value = choice.get("value")
        if isinstance(value, str):
            problems += _too_long((*path, "value"), value, MAX_CHOICE_VALUE)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            problems.append(Problem((*path, "value"), "BASE_TYPE_REQUIRED", "Invalid choice value"))
    return problems


def validate_command(command: Mapping[str, Any], base: tuple[str | int, ...] = ()) -> list[Problem]:
    """An application command definition as a bulk overwrite carries it."""
    problems: list[Problem] = []
    name = command.get("name")
    kind = command.get("type", 1)
    if kind == 1 and (
        not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower()
    ):
        problems.append(
            Problem((*base, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}")
        )
    if kind == 1:
        problems += _bad_length(
            (*base, "description"), command.get("description"), 1, MAX_COMMAND_DESCRIPTION
        )
    problems += _validate_localizations(command, base, slash_name=kind == 1)
    problems += _validate_options(command.get("options") or [], (*base, "options"))
    return problems


def _valid_slash_name(name: str) -> bool:
    return bool(_COMMAND_NAME.match(name)) and name == name.lower()


#: The locales Discord accepts as localization keys.
# fmt: off
LOCALES = frozenset([
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
])
# fmt: on


def _validate_localizations(
    item: Mapping[str, Any], base: tuple[str | int, ...], *, slash_name: bool
) -> list[Problem]:
    """``name_localizations`` and ``description_localizations``: known locales, and each
    value valid where the name or description itself would be."""
    problems: list[Problem] = []
    for key, limit in (("name_localizations", 32), ("description_localizations", 100)):
        values = item.get(key) or {}
        if not isinstance(values, dict):
            problems.append(Problem((*base, key), "DICT_TYPE_CONVERT", "Not an object"))
            continue
        for locale, value in values.items():
            path = (*base, key, locale)
            if locale not in LOCALES:
                problems.append(Problem(path, "ENUM_TYPE_COERCE", f"Unknown locale {locale!r}"))
            problems += _bad_length(path, value, 1, limit)
            is_slash_name = key == "name_localizations" and slash_name
            if is_slash_name and isinstance(value, str) and not _valid_slash_name(value):
                problems.append(
                    Problem(path, "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {value!r}")
                )
    return problems


def _validate_options(options: list[dict[str, Any]], base: tuple[str | int, ...]) -> list[Problem]:
    problems = list(_too_many(base, options, MAX_COMMAND_OPTIONS))
    seen_optional = False
    for index, option in enumerate(options):
        path = (*base, index)
        name = option.get("name")
        if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
            problems.append(
                Problem(
                    (*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}"
                )
            )
        problems += _validate_localizations(option, path, slash_name=True)
        problems += _bad_length(
            (*path, "description"), option.get("description"), 1, MAX_COMMAND_DESCRIPTION
        )
        problems += _too_many((*path, "choices"), option.get("choices") or [], MAX_CHOICES)
        max_length = option.get("max_length")
        if isinstance(max_length, int) and max_length > MAX_STRING_OPTION_LENGTH:
            problems.append(
                Problem((*path, "max_length"), "NUMBER_TYPE_MAX", "Must be 6000 or less.")
            )
        if option.get("type") in (1, 2):
            problems += _validate_options(option.get("options") or [], (*path, "options"))
        elif option.get("required"):
            if seen_optional:
                problems.append(
                    Problem(
                        path,
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True
    return problems
