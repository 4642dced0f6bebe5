"""Channel posts: success, injected errors as discord.py exceptions, 429 retry, nonce dedupe."""

from __future__ import annotations

import asyncio
import contextlib
import io

import discord
import pytest

from discord_double import DiscordDouble, User

from .sample_bot import SampleBot


async def _announce(double: DiscordDouble, user: User, text: str) -> str:
    it = await double.send_slash(user, "announce", {"text": text})
    return (await it.message()).content


async def test_post_reaches_the_channel_and_the_gateway(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    seen: list[discord.Message] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    sample_bot.add_listener(on_message)
    answer = await _announce(double, alice, "hello world")
    (posted,) = double.channel_messages()
    assert answer == f"posted {posted.id}"
    assert posted.content == "hello world"
    assert posted.payload["author"]["id"] == str(double.application_id)
    for _ in range(200):  # MESSAGE_CREATE travels over the gateway, separately from REST
        if seen:
            break
        await asyncio.sleep(0.01)
    assert [message.id for message in seen] == [posted.id]
    assert double.violations == []


@pytest.mark.parametrize(
    ("status", "code", "exception"),
    [
        (403, 50013, discord.Forbidden),
        (403, 50001, discord.Forbidden),
        (404, 10003, discord.NotFound),
    ],
)
async def test_injected_errors_become_discord_exceptions(
    double: DiscordDouble,
    sample_bot: SampleBot,
    alice: User,
    status: int,
    code: int,
    exception: type[discord.HTTPException],
) -> None:
    double.fail_channel(status=status, code=code)
    assert await _announce(double, alice, "blocked") == f"failed: {code}"
    (error,) = sample_bot.errors
    assert isinstance(error, exception)
    assert (error.status, error.code) == (status, code)
    assert double.channel_messages() == []
    assert (await _announce(double, alice, "works again")).startswith("posted")


async def test_rate_limit_is_slept_off_by_discord_py(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    double.fail_channel(status=429, retry_after=0.05, times=1)
    assert (await _announce(double, alice, "patient")).startswith("posted")
    posts = [r for r in double.requests if r.method == "POST" and r.path.startswith("/channels/")]
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.05
    assert [m.content for m in double.channel_messages()] == ["patient"]


async def test_server_errors_are_retried(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    double.fail_channel(status=502, times=1)
    assert (await _announce(double, alice, "eventually")).startswith("posted")
    assert len(double.channel_messages()) == 1


async def test_nonce_deduplicates_a_repeated_post(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    channel = sample_bot.get_channel(double.channel_id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("once", nonce=424242)
    second = await channel.send("once", nonce=424242)
    assert first.id == second.id
    assert [m.content for m in double.channel_messages()] == ["once"]
    third = await channel.send("twice")
    assert third.id != first.id


async def test_edit_and_delete_a_channel_message(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    channel = sample_bot.get_channel(double.channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("draft", embed=discord.Embed(title="T", description="D"))
    edited = await sent.edit(content="final")
    recorded = double.message(sent.id)
    assert recorded.content == edited.content == "final"
    assert recorded.embeds[0]["title"] == "T"
    fetched = await channel.fetch_message(sent.id)
    assert fetched.content == "final"
    await sent.delete()
    assert double.channel_messages() == []
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(sent.id)


async def test_embed_limits_are_enforced(double: DiscordDouble, sample_bot: SampleBot) -> None:
    channel = sample_bot.get_channel(double.channel_id)
    assert isinstance(channel, discord.TextChannel)
    embed = discord.Embed(title="t" * 257, description="ok")
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send(embed=embed)
    assert caught.value.code == 50035
    assert any("embeds.0.title" in violation for violation in double.violations)
    with pytest.raises(discord.HTTPException) as empty:
        await channel.send(content="")
    assert empty.value.code == 50006


async def test_file_upload_is_recorded_as_an_attachment(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    channel = sample_bot.get_channel(double.channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("with a file", file=discord.File(io.BytesIO(b"hello"), "note.txt"))
    assert [a.filename for a in sent.attachments] == ["note.txt"]
    (recorded,) = double.channel_messages()
    assert recorded.attachments[0]["size"] == 5
    assert double.requests[-1].files == ("note.txt",)


async def test_slow_channel_stores_at_once_and_answers_late(
    double: DiscordDouble, sample_bot: SampleBot
) -> None:
    double.slow_channel(double.channel_id, seconds=5, times=1)
    channel = sample_bot.get_partial_messageable(double.channel_id)
    sending = asyncio.create_task(channel.send("in flight", nonce=777))
    stored = await double.wait_for_channel_message(double.channel_id, timeout=2)
    assert stored.content == "in flight"
    assert not sending.done()  # the bot has no answer yet
    sending.cancel()  # as if it died here
    with contextlib.suppress(asyncio.CancelledError):
        await sending
    again = await channel.send("in flight", nonce=777)  # the retry, same nonce
    assert again.id == stored.id
    assert len(double.channel_messages(double.channel_id)) == 1


async def test_a_user_with_closed_dms_answers_50007_until_reopened(
    double: DiscordDouble, sample_bot: SampleBot, alice: User
) -> None:
    opened = await sample_bot.http.start_private_message(alice.id)  # POST /users/@me/channels
    assert int(opened["id"]) == double.world.dm_channel(alice).id
    channel = sample_bot.get_partial_messageable(
        int(opened["id"]), type=discord.ChannelType.private
    )
    await channel.send("hello")
    double.close_dms(alice)
    with pytest.raises(discord.Forbidden) as refused:
        await channel.send("are you there?")
    assert (refused.value.status, refused.value.code) == (403, 50007)
    double.close_dms(alice, closed=False)
    await channel.send("again")
    assert [m.content for m in double.channel_messages(int(opened["id"]))] == ["hello", "again"]
    assert double.violations == []
