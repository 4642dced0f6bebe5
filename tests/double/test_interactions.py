"""Every interaction kind round-trips through the real discord.py client."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from discord_double import EPHEMERAL, DiscordDouble, User, choice_names

from .sample_bot import SampleBot


async def test_slash_command_gets_an_ephemeral_answer(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "ping")
    response = await it.response()
    assert response.type == 4
    assert response.elapsed < 3
    message = await it.message()
    assert message.content == "pong"
    assert message.ephemeral and message.flags & EPHEMERAL
    assert it.messages == [message]
    assert double.channel_messages() == []  # interaction answers are not channel posts
    assert double.violations == []


async def test_slash_command_in_a_direct_message(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "ping", dm=True)
    assert "member" not in it.payload and it.payload["user"]["id"] == str(alice.id)
    assert it.payload["context"] == 1
    assert (await it.message()).content == "pong"
    assert double.violations == []


async def test_defer_then_follow_up_fills_the_thinking_message(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "slow")
    assert (await it.response()).type == 5
    message = await it.message()
    assert message.content == "done slowly"
    assert not message.ephemeral and not message.loading
    assert it.original is message  # the first follow-up after a defer becomes the response
    assert double.violations == []


async def test_ephemeral_defer_edit_original_and_follow_up(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "edited")
    first, second = await it.wait_messages(2)
    assert (first.content, second.content) == ("edited original", "and a follow-up")
    assert first.ephemeral and second.ephemeral
    assert first.source == "interaction" and second.source == "followup"
    assert double.violations == []


async def test_modal_round_trip_with_rows_and_labels(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "login")
    assert (await it.response()).type == 9
    modal = await it.modal()
    assert modal.title == "Log in"
    assert [field.label for field in modal.inputs] == ["Username", "Password", "Bio"]
    assert modal.input("bio").in_label and not modal.input("bio").required
    assert modal.input("username").max_length == 32

    submit = await double.submit_modal(alice, modal, {"username": "alice", "password": "hunter22"})
    message = await submit.message()
    assert message.content == "welcome alice (8 chars, bio='')"
    assert message.ephemeral
    kinds = [component["type"] for component in submit.payload["data"]["components"]]
    assert kinds == [1, 1, 18]
    with pytest.raises(ValueError, match="at least 2"):
        await double.submit_modal(alice, modal, {"username": "a", "password": "x"})
    assert double.violations == []


async def test_button_click_updates_the_message_in_place(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "pager")
    message = await it.message()
    assert message.content == "page 1"
    assert message.buttons == [("Older", "pager:older", False)]

    click = await double.click_button(alice, message, message.button("Older"))
    assert (await click.response()).type == 7
    assert await click.message() is message
    assert message.content == "page 2"
    assert len(message.edits) == 1
    assert click.payload["message"]["id"] == str(message.id)

    again = await double.click_button(alice, message, "pager:older")
    await again.response()
    assert message.content == "page 3"
    with pytest.raises(AssertionError, match="no button labelled"):
        message.button("Newer")
    assert double.violations == []


async def test_autocomplete_returns_choices(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_autocomplete(alice, "edit", {"post": "a"}, focused="post")
    choices = await it.choices()
    assert choice_names(choices) == ["Post alpha", "Post beta", "Post gamma", "Post delta"]
    assert (await it.response()).type == 8

    narrow = await double.send_autocomplete(alice, "edit", {"post": "mm"}, focused="post")
    assert await narrow.choices() == [{"name": "Post gamma", "value": "gamma"}]
    assert double.violations == []


async def test_subcommand_options_nest_and_are_typed_from_the_sync(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "digest", {"interval": 60}, subcommand="subscribe")
    message = await it.message()
    assert message.content == "every 60 minutes (int, loud=False)"
    (sub,) = it.payload["data"]["options"]
    assert sub["type"] == 1 and sub["name"] == "subscribe"
    assert sub["options"] == [{"name": "interval", "type": 4, "value": 60}]
    digest = next(c for c in double.registered_commands() if c["name"] == "digest")
    assert it.payload["data"]["id"] == digest["id"]

    with pytest.raises(ValueError, match="no option"):
        await double.send_slash(alice, "digest", {"nope": 1}, subcommand="subscribe")
    with pytest.raises(ValueError, match="required"):
        await double.send_slash(alice, "digest", {}, subcommand="subscribe")


async def test_too_long_content_is_refused_and_recorded(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "long")
    rejected = await double.wait_for_request("POST", "/interactions/")
    assert rejected.status == 400
    assert any("content" in violation and "2000" in violation for violation in double.violations)
    error = await _bot_error(double, sample_bot)
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (400, 50035)
    assert it.initial is None


async def test_second_acknowledgement_gets_40060(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "twice")
    assert (await it.message()).content == "first"
    error = await _bot_error(double, sample_bot)
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (400, 40060)
    assert len(double.violations) == 1 and "second initial callback" in double.violations[0]


async def test_an_answer_after_three_seconds_is_unknown_interaction(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "wait")
    double.advance_time(3.5)
    sample_bot.release.set()
    error = await _bot_error(double, sample_bot)
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert it.initial is None and it.callbacks[0].elapsed > 3
    assert any("after 3.5" in violation for violation in double.violations)


async def test_follow_up_after_fifteen_minutes_is_refused(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "later")
    assert (await it.response()).type == 5
    double.advance_time(15 * 60 + 1)
    sample_bot.release.set()
    error = await _bot_error(double, sample_bot)
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (401, 50027)
    assert any("15 min" in violation for violation in double.violations)
    assert it.messages == []


async def test_guild_commands_are_used_for_guild_interactions(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    guild = discord.Object(double.guild_id)
    sample_bot.tree.copy_global_to(guild=guild)
    await sample_bot.tree.sync(guild=guild)
    assert [put.guild_id for put in double.command_puts] == [None, double.guild_id]
    guild_ping = next(c for c in double.registered_commands(double.guild_id) if c["name"] == "ping")
    it = await double.send_slash(alice, "ping")
    assert it.payload["data"]["id"] == guild_ping["id"]
    assert it.payload["data"]["guild_id"] == str(double.guild_id)
    assert (await it.message()).content == "pong"


async def test_follow_up_without_acknowledgement_is_refused(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    it = await double.send_slash(alice, "wait")
    url = f"{double.api_base_url}/webhooks/{double.application_id}/{it.token}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"content": "too early"}) as response,
    ):
        assert response.status == 404
        assert (await response.json())["code"] == 10015
    assert any("never acknowledged" in violation for violation in double.violations)
    sample_bot.release.set()
    await it.message()


async def test_hostile_payload_is_delivered_untouched(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    events: list[discord.Interaction] = []

    async def on_interaction(interaction: discord.Interaction) -> None:
        events.append(interaction)

    sample_bot.add_listener(on_interaction)
    raw = {
        "id": "1234",
        "application_id": str(double.application_id),
        "type": 3,
        "token": "hostile",
        "version": 1,
        "attachment_size_limit": 0,
        "user": {"id": "99", "username": "mallory", "discriminator": "0", "avatar": None},
        "channel": {"id": "5", "type": 1},
        "data": {"custom_id": "does-not-exist", "component_type": 2},
    }
    await double.send_interaction(raw)
    for _ in range(500):
        if events:
            break
        await asyncio.sleep(0.01)
    assert events[0].id == 1234


async def _bot_error(double: DiscordDouble, bot: SampleBot) -> BaseException:
    """Wait until the sample bot caught an exception from discord.py (bot-side state, so poll)."""
    for _ in range(500):
        if bot.errors:
            return bot.errors[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"the bot caught no HTTP error; violations: {double.violations}")
