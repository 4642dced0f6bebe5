"""The discord.py Bot subclass: holds the services, loads the cogs, registers components."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from bot.app import Services
from bot.front.components import BUTTONS, FORMS, ComponentRouter
from bot.front.dm_scheduler import NotificationDmScheduler
from bot.front.i18n import CommandTranslator, load_all
from bot.front.metering import OK, record_answer
from bot.front.scheduler import DigestScheduler
from bot.front.sync import sync_commands
from bot.front.tree import BotTree

_log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.auth",
    "cogs.account",
    "cogs.posts",
    "cogs.social",
    "cogs.conversations",
    "cogs.search",
    "cogs.digests",
    "cogs.safety",
    "cogs.moderation",
    "cogs.server",
    "cogs.meta",
)
# Slash commands and buttons need no privileged intent (no message content, no members).
INTENTS = discord.Intents(guilds=True)


class MicroblogBot(commands.AutoShardedBot):
    def __init__(
        self,
        services: Services,
        *,
        sync_on_start: bool | None = None,
        run_scheduler: bool = True,
        **client_options: Any,
    ) -> None:
        discord_settings = services.settings.discord
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=INTENTS,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotTree,
            shard_count=discord_settings.shard_count,
            shard_ids=list(discord_settings.shard_ids) if discord_settings.shard_ids else None,
            **client_options,
        )
        self.services = services
        self.components = ComponentRouter(BUTTONS, FORMS)
        self.sync_on_start = (
            discord_settings.sync == "auto" if sync_on_start is None else sync_on_start
        )
        self.run_scheduler = run_scheduler
        # Only configured shard ids narrow what this process serves; without them it runs
        # every shard itself and so every guild's summaries.
        shard_ids = discord_settings.shard_ids
        self.scheduler = DigestScheduler(
            self,
            services.digests,
            services.settings.digests,
            shard_count=discord_settings.shard_count if shard_ids else None,
            shard_ids=shard_ids,
        )
        # DMs are not tied to a guild: every process serves them, leases keep each one once.
        self.dm_scheduler = NotificationDmScheduler(
            self, services.notifications, services.settings.notifications
        )

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*BUTTONS)
        load_all()
        await self.tree.set_translator(CommandTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.sync_on_start:
            guild_id = self.services.settings.discord.dev_guild_id
            changed = await sync_commands(self, guild_id)
            _log.info("Slash commands %s", "synced" if changed else "already up to date")
        if self.run_scheduler:
            self.scheduler.start()  # REST works from here on; summaries need no gateway
            self.dm_scheduler.start()

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.dm_scheduler.stop()
        await super().close()

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: everything is a slash command."""

    async def on_app_command_completion(
        self, interaction: discord.Interaction, _command: object
    ) -> None:
        record_answer(interaction, OK)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Forms, and buttons no class will answer; DynamicItem buttons answer themselves."""
        if interaction.type in (
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ):
            await self.components.dispatch(interaction)
