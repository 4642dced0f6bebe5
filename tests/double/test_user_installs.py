"""Apps people install for themselves: where the bot is absent, interactions carry a partial
guild and channel and the user alone as the authorizing owner, Discord offers only commands
whose installation types and contexts allow it, and a follow-up beyond the fifth is refused.
Also context menus, localized names, and command lists without localizations unless asked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands

from discord_double import DiscordDouble, running_bot

USER_INSTALL_ONLY = {"1"}


class InstallBot(discord.Client):
    """Commands synced globally: some usable everywhere, one only in servers."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
        self.tree = app_commands.CommandTree(self)
        self.seen: list[discord.Interaction] = []
        self.errors: list[discord.HTTPException] = []
        self.refused = asyncio.Event()
        add_commands(self)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(GermanNames())
        await self.tree.sync()


class GermanNames(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        names = {"where": "wo", "many": "viele", "count": "anzahl", "Who is this": "Wer ist das"}
        return names.get(string.message) if locale is discord.Locale.german else None


def add_commands(bot: InstallBot) -> None:
    everywhere = app_commands.allowed_installs(guilds=True, users=True)
    anywhere = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)

    @bot.tree.command(description="Says where it runs")
    @everywhere
    @anywhere
    async def where(interaction: discord.Interaction) -> None:
        bot.seen.append(interaction)
        await interaction.response.send_message("here", ephemeral=True)

    @bot.tree.command(description="Sends follow-ups")
    @app_commands.describe(count="How many")
    @everywhere
    @anywhere
    async def many(interaction: discord.Interaction, count: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        for n in range(count):
            try:
                await interaction.followup.send(f"follow-up {n + 1}", ephemeral=True)
            except discord.HTTPException as error:
                bot.errors.append(error)
                bot.refused.set()
                return

    @bot.tree.command(description="Server administration")
    @app_commands.guild_only()
    async def admin(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("admin", ephemeral=True)

    @bot.tree.context_menu(name="Who is this")
    @everywhere
    @anywhere
    async def who(interaction: discord.Interaction, user: discord.User) -> None:
        bot.seen.append(interaction)
        await interaction.response.send_message(f"that is {user.name}", ephemeral=True)

    @bot.tree.context_menu(name="Quote")
    @everywhere
    @anywhere
    async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"> {message.content}", ephemeral=True)


@pytest.fixture
async def install_bot(double: DiscordDouble) -> AsyncIterator[InstallBot]:
    bot = InstallBot()
    async with running_bot(bot, double):
        yield bot


async def test_in_a_server_without_the_bot_a_user_install_gets_a_partial_guild(
    double: DiscordDouble, install_bot: InstallBot
) -> None:
    elsewhere = double.add_guild("Elsewhere", with_bot=False)
    alice = double.add_user("alice")
    handle = await double.send_slash(alice, "where", channel_id=elsewhere.channels[0].id)
    assert (await handle.message()).content == "here"
    payload = handle.payload
    assert set(payload["authorizing_integration_owners"]) == USER_INSTALL_ONLY
    assert payload["authorizing_integration_owners"]["1"] == str(alice.id)
    assert payload["context"] == 0
    interaction = install_bot.seen[-1]
    assert interaction.guild_id == elsewhere.id
    assert install_bot.get_guild(elsewhere.id) is None  # never in its cache: no GUILD_CREATE
    assert interaction.is_user_integration() and not interaction.is_guild_integration()
    assert double.violations == []


async def test_dms_group_dms_and_what_discord_offers_where(
    double: DiscordDouble, install_bot: InstallBot
) -> None:
    alice, bob, carol = (double.add_user(n) for n in ("alice", "bob", "carol"))
    group = double.add_private_channel(alice, bob, carol)
    handle = await double.send_slash(alice, "where", channel_id=group.id)
    await handle.message()
    assert handle.payload["context"] == 2
    assert handle.payload["channel"]["type"] == 3
    bot_dm = await double.send_slash(alice, "where", dm=True)
    await bot_dm.message()
    assert bot_dm.payload["context"] == 1
    # /admin is a server command only: no client offers it in a DM or through a user install.
    with pytest.raises(ValueError, match="not offered in context 1"):
        await double.send_slash(alice, "admin", dm=True)
    with pytest.raises(ValueError, match="cannot be installed by a user"):
        await double.send_slash(alice, "admin", channel_id=group.id)
    elsewhere = double.add_guild("Elsewhere", with_bot=False)
    with pytest.raises(ValueError, match="cannot be installed by a user"):
        await double.send_slash(alice, "admin", channel_id=elsewhere.channels[0].id)
    with pytest.raises(ValueError, match="only a user install reaches it"):
        await double.send_slash(alice, "where", channel_id=group.id, install="guild")
    assert double.violations == []


async def test_a_user_install_where_the_bot_is_absent_gets_five_follow_ups(
    double: DiscordDouble, install_bot: InstallBot
) -> None:
    elsewhere = double.add_guild("Elsewhere", with_bot=False)
    alice = double.add_user("alice")
    handle = await double.send_slash(
        alice, "many", {"count": 7}, channel_id=elsewhere.channels[0].id
    )
    webhook = f"/webhooks/{double.application_id}/{handle.token}"
    refused = await double.wait_for_request("POST", webhook, count=6)
    assert refused.status == 400
    await asyncio.wait_for(install_bot.refused.wait(), timeout=5)
    assert [error.code for error in install_bot.errors] == [40094]
    assert [m.content for m in handle.messages] == [f"follow-up {n}" for n in range(1, 6)]
    assert double.violations == [
        f"interaction {handle.id}: follow-up number 6 from a user-installed app where the bot "
        "is absent (Discord allows 5)"
    ]
    # Where the bot is a member there is no such limit.
    double.violations.clear()
    install_bot.errors.clear()
    home = await double.send_slash(alice, "many", {"count": 7})
    await double.wait_for_request(
        "POST", f"/webhooks/{double.application_id}/{home.token}", count=7
    )
    await home.wait_messages(7)
    assert install_bot.errors == [] and double.violations == []


async def test_context_menus_on_users_and_messages(
    double: DiscordDouble, install_bot: InstallBot
) -> None:
    alice, bob = double.add_user("alice"), double.add_user("bob")
    who = await double.send_user_command(alice, "Who is this", bob)
    assert (await who.message()).content == "that is bob"
    assert who.payload["data"]["target_id"] == str(bob.id)
    said = await double.send_message(bob, "a message worth quoting")
    quote = await double.send_message_command(alice, "Quote", said)
    assert (await quote.message()).content == "> a message worth quoting"
    with pytest.raises(ValueError, match="no user command"):
        await double.send_user_command(alice, "Quote", bob)  # a message command
    assert double.violations == []


async def test_a_german_client_uses_the_localized_names(
    double: DiscordDouble, install_bot: InstallBot
) -> None:
    alice, bob = double.add_user("alice"), double.add_user("bob")
    handle = await double.send_slash(alice, "viele", {"anzahl": 1}, locale="de")
    await handle.wait_messages(1)
    assert handle.payload["data"]["name"] == "many"  # Discord sends the command's own names
    assert handle.payload["data"]["options"][0]["name"] == "count"
    menu = await double.send_user_command(alice, "Wer ist das", bob, locale="de")
    assert (await menu.message()).content == "that is bob"
    with pytest.raises(ValueError, match="no option 'anzahl'"):
        await double.send_slash(alice, "many", {"anzahl": 1})  # an English client


async def test_command_lists_carry_localizations_only_when_asked(
    double: DiscordDouble, install_bot: InstallBot
) -> None:
    route = discord.http.Route(
        "GET", "/applications/{application_id}/commands", application_id=double.application_id
    )
    plain: list[dict[str, Any]] = await install_bot.http.request(route)
    asked: list[dict[str, Any]] = await install_bot.http.request(
        route, params={"with_localizations": "true"}
    )
    many_plain = next(c for c in plain if c["name"] == "many")
    many_asked = next(c for c in asked if c["name"] == "many")
    assert "name_localizations" not in many_plain
    assert many_asked["name_localizations"] == {"de": "viele"}
    assert many_asked["options"][0]["name_localizations"] == {"de": "anzahl"}
    assert many_asked["integration_types"] == [0, 1]
    assert many_asked["contexts"] == [0, 1, 2]
