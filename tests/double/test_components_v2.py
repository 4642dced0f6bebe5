"""Components V2 as Discord checks it: where each component may sit, 40 components with the
nested ones, 4,000 characters of text displays, and no content or embeds beside them (the
IS_COMPONENTS_V2 flag, which an edit cannot take away). Checked directly, then over HTTP."""

from __future__ import annotations

from typing import Any

import aiohttp

from discord_double import DiscordDouble
from discord_double.limits import IS_COMPONENTS_V2, legacy_field_problems, validate_message

V2 = IS_COMPONENTS_V2


def text(content: str) -> dict[str, Any]:
    return {"type": 10, "content": content}


def container(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": 17, "components": list(children)}


def button(custom_id: str) -> dict[str, Any]:
    return {"type": 2, "style": 2, "label": "ok", "custom_id": custom_id}


def codes(body: dict[str, Any]) -> list[str]:
    return [problem.code for problem in validate_message(body)]


def test_a_card_layout_is_accepted() -> None:
    section = {
        "type": 9,
        "components": [text("**alice** · #1\nhello")],
        "accessory": {"type": 11, "media": {"url": "https://cdn.discordapp.com/a.png"}},
    }
    row = {"type": 1, "components": [button("a"), button("b")]}
    card = container(text("## Latest"), {"type": 14}, section, row)
    assert (
        codes({"flags": V2, "components": [card, {"type": 1, "components": [button("c")]}]}) == []
    )


def test_forty_components_counting_nested_ones_and_no_more() -> None:
    forty = [container(*[text(str(n)) for n in range(39)])]
    assert codes({"flags": V2, "components": forty}) == []
    forty_one = [container(*[text(str(n)) for n in range(40)])]
    assert codes({"flags": V2, "components": forty_one}) == ["BASE_TYPE_MAX_LENGTH"]


def test_four_thousand_characters_across_all_text_displays() -> None:
    fits = [text("x" * 2000), container(text("y" * 2000))]
    assert codes({"flags": V2, "components": fits}) == []
    over = [text("x" * 2000), container(text("y" * 2001))]
    assert codes({"flags": V2, "components": over}) == [
        "COMPONENT_TEXT_DISPLAY_TOTAL_LENGTH_EXCEEDED"
    ]
    assert codes({"flags": V2, "components": [text("")]}) == ["BASE_TYPE_BAD_LENGTH"]


def test_components_only_where_discord_takes_them() -> None:
    thumbnail = {"type": 11, "media": {"url": "https://cdn.discordapp.com/a.png"}}
    nested = container(container(text("a")))
    no_accessory = {"type": 9, "components": [text("a")]}
    four_texts = {"type": 9, "components": [text("a")] * 4, "accessory": thumbnail}
    for layout in ([thumbnail], [nested], [no_accessory], [four_texts]):
        assert codes({"flags": V2, "components": layout}), layout
    # Without the flag only action rows may be at the top.
    assert codes({"components": [text("a")]}) == ["UNION_TYPE_CHOICES"]


def test_no_content_or_embeds_beside_components_v2() -> None:
    shown = {"content": "hi", "embeds": [{"title": "t"}], "components": [text("a")]}
    assert [p.path for p in legacy_field_problems(shown, V2)] == [("content",), ("embeds",)]
    assert legacy_field_problems({"content": "", "embeds": []}, V2) == []
    assert legacy_field_problems(shown, 0) == []


async def test_over_http_content_beside_v2_is_refused_and_the_flag_stays(
    double: DiscordDouble,
) -> None:
    url = f"{double.api_base_url}/channels/{double.channel_id}/messages"
    headers = {"Authorization": f"Bot {double.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(
            url, json={"flags": V2, "content": "hi", "components": [text("a")]}
        ) as refused:
            assert refused.status == 400
            assert "MESSAGE_CANNOT_USE_LEGACY_FIELDS" in str(await refused.json())
        async with http.post(url, json={"flags": V2, "components": [text("a")]}) as created:
            assert created.status == 200
            message_id = (await created.json())["id"]
        # Editing in content, or dropping the flag, is refused; a V2 edit is fine.
        for body in ({"content": "now text"}, {"flags": 0, "components": [text("b")]}):
            async with http.patch(f"{url}/{message_id}", json=body) as edit:
                assert edit.status == 400, body
        async with http.patch(f"{url}/{message_id}", json={"components": [text("b")]}) as edit:
            assert edit.status == 200
    assert double.message(int(message_id)).texts == ["b"]
    assert len(double.violations) == 3
