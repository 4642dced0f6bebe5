"""/post, /feed, /edit, /delete: the microblog itself."""

from __future__ import annotations

import dataclasses

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import PostSettings
from bot.domain.errors import UserError
from bot.front.client import MicroblogBot
from bot.front.components import EditForm, PostForm, chat_user, edit, feed_layout, publish
from bot.front.i18n import messages
from bot.front.rendering import cut
from bot.front.tree import everywhere, reply
from bot.services.posts import PostService
from cogs.safety import usernames

# Discord's ceiling for a text option or input; each cog instance lowers it to the
# configured [posts] max_length, so Discord refuses what the service would refuse.
CONTENT_MAX = 4000


class PostsCog(commands.Cog):
    def __init__(self, bot: MicroblogBot, posts: PostService, settings: PostSettings) -> None:
        self.bot = bot
        self.posts = posts
        self.max_length = settings.max_length
        for command in (self.post, self.edit):
            parameter = command._params["content"]
            command._params["content"] = dataclasses.replace(
                parameter, max_value=settings.max_length
            )
        # discord.py cannot take context menus from cog methods: built here, added to
        # (and removed from) the tree with the cog.
        self.post_menu = everywhere(
            app_commands.ContextMenu(name="Post to microblog", callback=self.post_message)
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.post_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.post_menu.name, type=self.post_menu.type)

    async def post_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Opens the post form with the text of one of your own Discord messages."""
        if message.author.id != interaction.user.id:
            raise UserError("You can only post your own messages.")
        if not message.content.strip():
            raise UserError("That message has no text to post.")
        await interaction.response.send_modal(
            PostForm(messages(interaction), self.max_length, default=message.content)
        )

    @everywhere
    @app_commands.command()
    @app_commands.describe(content="What you want to say (leave empty to write in a larger box)")
    async def post(
        self,
        interaction: discord.Interaction,
        content: app_commands.Range[str, 1, CONTENT_MAX] | None = None,
    ) -> None:
        """Publish a short post."""
        if content is None:
            await interaction.response.send_modal(PostForm(messages(interaction), self.max_length))
            return
        await publish(interaction, content)

    @everywhere
    @app_commands.command()
    @app_commands.describe(
        user="Only this user's posts (their microblog username)",
        share="Show the page to everyone in the channel (default: only you)",
    )
    @app_commands.autocomplete(user=usernames)
    async def feed(
        self,
        interaction: discord.Interaction,
        user: app_commands.Range[str, 1, 32] | None = None,
        share: bool = False,
    ) -> None:
        """Read the newest posts, from everyone or from one user."""
        await interaction.response.defer(ephemeral=not share, thinking=True)
        page = await self.posts.feed(
            author=user, reader=chat_user(interaction), guild_id=interaction.guild_id
        )
        await reply(interaction, view=feed_layout(page, messages(interaction)), ephemeral=not share)

    @everywhere
    @app_commands.command()
    @app_commands.describe(post="The post to edit", content="The new text (empty: edit in a box)")
    async def edit(
        self,
        interaction: discord.Interaction,
        post: app_commands.Range[int, 1],
        content: app_commands.Range[str, 1, CONTENT_MAX] | None = None,
    ) -> None:
        """Edit one of your posts."""
        if content is None:
            # A modal must be the first response, so it cannot hide behind a defer: this
            # check only reads (WAL readers never wait for writers).
            current = await self.posts.post_to_edit(chat_user(interaction), post)
            await interaction.response.send_modal(
                EditForm(messages(interaction), current.id, current.body, self.max_length)
            )
            return
        await edit(interaction, post, content)

    @everywhere
    @app_commands.command()
    @app_commands.describe(post="The post to delete")
    async def delete(
        self, interaction: discord.Interaction, post: app_commands.Range[int, 1]
    ) -> None:
        """Delete one of your posts."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        deleted = await self.posts.delete_post(chat_user(interaction), post)
        _ = messages(interaction)
        await reply(interaction, _("Deleted post #{post_id}.", post_id=deleted.id))

    @edit.autocomplete("post")
    @delete.autocomplete("post")
    async def _my_posts(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        try:
            mine = await self.posts.my_recent_posts(chat_user(interaction), str(current))
        except Exception:  # autocomplete cannot show errors; an empty list says enough
            return []
        return [
            app_commands.Choice(name=cut(f"#{p.id} · {' '.join(p.body.split())}", 100), value=p.id)
            for p in mine
        ]


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(PostsCog(bot, bot.services.posts, bot.services.settings.posts))
