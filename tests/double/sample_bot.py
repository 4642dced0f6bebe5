"""A tiny discord.py bot exercising every interaction kind the double must carry.

Nothing here is mocked: it is ordinary discord.py 2.7 code, the kind the real bot's cogs use.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

CHOICES = ["alpha", "beta", "gamma", "delta"]


class LoginModal(discord.ui.Modal, title="Log in"):
    """Classic action-row text inputs plus a newer Label (type 18) wrapped input."""

    username = discord.ui.TextInput(label="Username", min_length=2, max_length=32)
    password = discord.ui.TextInput(label="Password", max_length=128)
    bio = discord.ui.Label(
        text="Bio",
        description="Optional",
        component=discord.ui.TextInput(style=discord.TextStyle.long, required=False),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bio = self.bio.component
        assert isinstance(bio, discord.ui.TextInput)
        await interaction.response.send_message(
            f"welcome {self.username.value} ({len(self.password.value)} chars, bio={bio.value!r})",
            ephemeral=True,
        )


class Pager(discord.ui.View):
    """A button answered with a type-7 update of the message it sits on."""

    def __init__(self, page: int = 1) -> None:
        super().__init__(timeout=60)
        self.page = page

    @discord.ui.button(label="Older", custom_id="pager:older")
    async def older(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.page += 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)


class SampleBot(commands.Bot):
    """Records what happened so tests can assert on the client side as well."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("intents", discord.Intents.default())
        options.setdefault("guild_ready_timeout", 0.05)
        super().__init__(command_prefix=commands.when_mentioned, help_command=None, **options)
        self.errors: list[BaseException] = []
        self.events: list[str] = []
        self.release = asyncio.Event()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every non-initial IDENTIFY; nothing to pace here."""

    async def on_resumed(self) -> None:
        self.events.append("resumed")

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.events.append(f"resumed:{shard_id}")

    async def setup_hook(self) -> None:
        add_commands(self)
        await self.tree.sync()


def add_commands(bot: SampleBot) -> None:
    tree = bot.tree

    @tree.command(description="Answers pong, privately")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    @tree.command(description="Defers, then follows up")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done slowly")

    @tree.command(description="Defers ephemerally, then edits the original response")
    async def edited(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        await interaction.edit_original_response(content="edited original")
        await interaction.followup.send("and a follow-up", ephemeral=True)

    @tree.command(description="Opens the login modal")
    async def login(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(LoginModal())

    @tree.command(description="A message with a button")
    async def pager(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("page 1", view=Pager())

    @tree.command(description="Edit a post")
    @app_commands.describe(post="The post to edit")
    async def edit(interaction: discord.Interaction, post: str) -> None:
        await interaction.response.send_message(f"editing {post}", ephemeral=True)

    @edit.autocomplete("post")
    async def edit_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=f"Post {name}", value=name)
            for name in CHOICES
            if current.lower() in name
        ]

    @tree.command(description="Posts text to this channel")
    async def announce(interaction: discord.Interaction, text: str) -> None:
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        try:
            message = await channel.send(text)
        except discord.HTTPException as exc:
            bot.errors.append(exc)
            await interaction.response.send_message(f"failed: {exc.code}", ephemeral=True)
        else:
            await interaction.response.send_message(f"posted {message.id}", ephemeral=True)

    @tree.command(description="Sends a message that is one character too long")
    async def long(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("x" * 2001)
        except discord.HTTPException as exc:
            bot.errors.append(exc)

    @tree.command(description="Acknowledges twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        try:
            # A second InteractionResponse object skips discord.py's local guard, the way two
            # handlers answering the same interaction do.
            await discord.InteractionResponse(interaction).send_message("second")
        except discord.HTTPException as exc:
            bot.errors.append(exc)

    @tree.command(description="Answers only when the test says so")
    async def wait(interaction: discord.Interaction) -> None:
        await bot.release.wait()
        try:
            await interaction.response.send_message("finally")
        except discord.HTTPException as exc:
            bot.errors.append(exc)

    @tree.command(description="Defers, then follows up when the test says so")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await bot.release.wait()
        try:
            await interaction.followup.send("much later")
        except discord.HTTPException as exc:
            bot.errors.append(exc)

    digest = app_commands.Group(name="digest", description="Digest settings")

    @digest.command(description="Subscribe to a digest")
    @app_commands.describe(interval="Minutes between digests", loud="Ping me")
    async def subscribe(
        interaction: discord.Interaction, interval: int, loud: bool = False
    ) -> None:
        kind = type(interval).__name__
        await interaction.response.send_message(
            f"every {interval} minutes ({kind}, loud={loud})", ephemeral=True
        )

    tree.add_command(digest)
