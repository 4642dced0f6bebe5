"""Login, READY and command sync against the real discord.py client."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import discord
import pytest

from discord_double import PRIVILEGED_INTENTS, DiscordDouble, point_discord_at

from .sample_bot import SampleBot

REPO_ROOT = str(Path(__file__).resolve().parents[2])


async def test_bot_logs_in_and_sees_the_guild(double: DiscordDouble, sample_bot: SampleBot) -> None:
    assert sample_bot.is_ready()
    assert sample_bot.user is not None and sample_bot.user.id == double.application_id
    guild = sample_bot.get_guild(double.guild_id)
    assert guild is not None
    assert guild.get_channel(double.channel_id) is not None
    assert guild.default_role.id == double.guild_id
    assert guild.me is not None
    paths = [request.path for request in double.requests[:2]]
    assert paths == ["/users/@me", "/oauth2/applications/@me"]
    assert [record.shard for record in double.identifies] == [(0, 1)]
    assert double.identifies[0].intents == discord.Intents.default().value
    assert double.identifies[0].privileged_intents & PRIVILEGED_INTENTS == 0
    assert double.violations == []


async def test_commands_are_synced_once_and_retrievable(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    assert len(double.command_puts) == 1
    put = double.command_puts[0]
    assert put.guild_id is None
    assert {"ping", "login", "pager", "digest"} <= set(put.names)
    registered = double.registered_commands()
    assert all(command["id"].isdigit() for command in registered)
    fetched = await sample_bot.tree.fetch_commands()
    assert {command.name for command in fetched} == set(put.names)
    assert {command.id for command in fetched} == {int(c["id"]) for c in registered}

    # A second sync of the same commands keeps the ids, as Discord does.
    again = await sample_bot.tree.sync()
    assert {command.id for command in again} == {int(c["id"]) for c in registered}
    assert len(double.command_puts) == 2


async def test_wrong_token_is_refused_like_discord(double: DiscordDouble) -> None:
    client = discord.Client(intents=discord.Intents.default())
    with point_discord_at(double.api_base_url, double.gateway_url):
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
        await client.close()
    assert double.requests[-1].status == 401


async def test_rest_answers_are_exact_json_and_unknown_routes_404(double: DiscordDouble) -> None:
    headers = {"Authorization": f"Bot {double.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{double.api_base_url}/users/@me", headers=headers) as response:
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["bot"] is True
        async with session.get(f"{double.api_base_url}/nowhere", headers=headers) as response:
            assert response.status == 404
            assert await response.json() == {"message": "404: Not Found", "code": 0}
        async with session.get(f"{double.api_base_url}/gateway/bot", headers=headers) as response:
            body = await response.json()
            assert body["url"] == double.gateway_url
            assert body["session_start_limit"]["max_concurrency"] == 1
    assert [r.path for r in double.unhandled_requests] == ["/nowhere"]


async def test_single_command_create_edit_delete(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    http, app_id = sample_bot.http, double.application_id
    created = await http.upsert_global_command(
        app_id, {"name": "extra", "description": "An extra command", "type": 1}
    )
    assert created["id"].isdigit()
    fetched = await sample_bot.tree.fetch_command(int(created["id"]))
    assert fetched.name == "extra"
    edited = await http.edit_global_command(app_id, created["id"], {"description": "Changed"})
    assert edited["description"] == "Changed"
    await http.delete_global_command(app_id, created["id"])
    assert "extra" not in {c["name"] for c in double.registered_commands()}
    with pytest.raises(discord.NotFound):
        await http.get_global_command(app_id, created["id"])


async def test_standalone_entry_point_serves() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "discord_double",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    try:
        assert process.stdout is not None
        info: dict[str, str] = {}
        while "channel_id" not in info:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=10)).decode()
            assert line, "the double exited early"
            key, _, value = line.strip().partition("=")
            info[key] = value
        assert info["gateway_url"].startswith("ws://127.0.0.1:")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{info['api_base_url']}/gateway") as response,
        ):
            assert (await response.json())["url"] == info["gateway_url"]
    finally:
        process.terminate()
        await process.wait()
