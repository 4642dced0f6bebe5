"""Every route that carries a message refuses it alike: Discord's limits (400, 50035, the
``errors`` tree), then nothing to show (400, 50006), each recorded as a violation, nothing
stored. Sent over raw HTTP so the payloads are exactly these."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from discord_double import DiscordDouble, User

from .sample_bot import SampleBot

Wrap = Callable[[dict[str, Any]], dict[str, Any]]
TOO_LONG_ERRORS = {
    "content": {
        "_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]
    }
}


def _as_is(body: dict[str, Any]) -> dict[str, Any]:
    return body


def _as_callback(body: dict[str, Any]) -> dict[str, Any]:
    return {"type": 4, "data": body}


async def _route(
    double: DiscordDouble, alice: User, http: aiohttp.ClientSession, route: str
) -> tuple[str, str, Wrap]:
    """Method, URL and body wrapper of ``route``, with what it needs already in place."""
    api = double.api_base_url
    channel_url = f"{api}/channels/{double.channel_id}/messages"
    if route == "channel post":
        return "POST", channel_url, _as_is
    if route == "channel edit":
        async with http.post(channel_url, json={"content": "draft"}) as created:
            message_id = (await created.json())["id"]
        return "PATCH", f"{channel_url}/{message_id}", _as_is
    if route == "callback":
        it = await double.send_slash(alice, "wait")  # the bot holds its answer back
        return "POST", f"{api}/interactions/{it.id}/{it.token}/callback", _as_callback
    it = await double.send_slash(alice, "ping")
    await it.message()  # acknowledged: its webhook now takes follow-ups and edits
    webhook = f"{api}/webhooks/{double.application_id}/{it.token}"
    if route == "follow-up":
        return "POST", webhook, _as_is
    return "PATCH", f"{webhook}/messages/@original", _as_is


@pytest.mark.parametrize(
    "route", ["channel post", "channel edit", "callback", "follow-up", "webhook edit"]
)
async def test_every_message_route_refuses_alike(
    double: DiscordDouble, sample_bot: SampleBot, alice: User, route: str
) -> None:
    headers = {"Authorization": f"Bot {double.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        method, url, wrap = await _route(double, alice, http, route)
        messages_before = {m.id: dict(m.payload) for m in double.messages.values()}
        async with http.request(method, url, json=wrap({"content": "x" * 2001})) as too_long:
            assert too_long.status == 400
            body = await too_long.json()
            assert body["code"] == 50035
            assert body["errors"] == (
                {"data": TOO_LONG_ERRORS} if route == "callback" else TOO_LONG_ERRORS
            )
        async with http.request(method, url, json=wrap({"content": ""})) as empty:
            assert empty.status == 400
            assert (await empty.json())["code"] == 50006
    assert {m.id: m.payload for m in double.messages.values()} == messages_before
    too_long_violation, empty_violation = double.violations
    assert "content: Must be 2000 or fewer in length." in too_long_violation
    assert "no content, embeds, components or files" in empty_violation
    if route == "callback":
        # Refused callbacks acknowledge nothing: the bot's own answer still goes through.
        sample_bot.release.set()
        handle = double.interactions[-1]
        assert (await handle.message()).content == "finally"
        assert [c.status for c in handle.callbacks] == [400, 400, 200]


async def test_an_edit_is_judged_by_what_it_leaves(double: DiscordDouble) -> None:
    """Clearing the content of a message that keeps an embed leaves something to show."""
    headers = {"Authorization": f"Bot {double.token}"}
    url = f"{double.api_base_url}/channels/{double.channel_id}/messages"
    async with aiohttp.ClientSession(headers=headers) as http:
        body = {"content": "draft", "embeds": [{"title": "kept"}]}
        async with http.post(url, json=body) as created:
            message_id = (await created.json())["id"]
        async with http.patch(f"{url}/{message_id}", json={"content": ""}) as edited:
            assert edited.status == 200
            assert (await edited.json())["embeds"][0]["title"] == "kept"
        async with http.patch(f"{url}/{message_id}", json={"embeds": []}) as emptied:
            assert (emptied.status, (await emptied.json())["code"]) == (400, 50006)
    assert double.message(int(message_id)).embeds[0]["title"] == "kept"
