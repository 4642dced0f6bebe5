"""/post, /feed, /edit, /delete: the microblog itself."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import ValidationError
from bot.domain.values import FeedPage
from bot.front.client import MicroblogBot
from bot.front.rendering import FEED_ROUTE, NO_CURSOR, FeedButtons, cut, feed_embed, post_embed
from bot.front.routing import RoutedModal, chat_user, modal_values
from bot.front.tree import reply
from bot.services.posts import PostService

POST_ROUTE = "post"
EDIT_ROUTE = "edit"
# Discord-side ceiling for typed content; the configured limit ([posts] max_length) is
# enforced by the service with a message that names it.
CONTENT_MAX = 4000


def _content_input(default: str | None = None) -> discord.ui.TextInput:  # type: ignore[type-arg]
    return discord.ui.TextInput(
        label="Your post",
        custom_id="content",
        style=discord.TextStyle.paragraph,
        min_length=1,
        max_length=CONTENT_MAX,
        default=default,
    )


class PostModal(RoutedModal):
    def __init__(self) -> None:
        super().__init__("New post", POST_ROUTE)
        self.add_item(_content_input())


class EditModal(RoutedModal):
    def __init__(self, post_id: int, body: str) -> None:
        super().__init__(f"Edit post #{post_id}", EDIT_ROUTE, post_id)
        self.add_item(_content_input(default=body[:CONTENT_MAX]))


def _post_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationError("post", "That is not a post number.")
    return int(raw)


class PostsCog(commands.Cog):
    def __init__(self, bot: MicroblogBot, posts: PostService) -> None:
        self.bot = bot
        self.posts = posts
        for route, handler in (
            (POST_ROUTE, self.on_post_submit),
            (EDIT_ROUTE, self.on_edit_submit),
            (FEED_ROUTE, self.on_feed_button),
        ):
            bot.router.add(route, handler)

    async def cog_unload(self) -> None:
        for route in (POST_ROUTE, EDIT_ROUTE, FEED_ROUTE):
            self.bot.router.remove(route)

    @app_commands.command()
    @app_commands.describe(content="What you want to say (leave empty to write in a larger box)")
    async def post(
        self,
        interaction: discord.Interaction,
        content: app_commands.Range[str, 1, CONTENT_MAX] | None = None,
    ) -> None:
        """Publish a short post."""
        if content is None:
            await interaction.response.send_modal(PostModal())
            return
        await self._publish(interaction, content)

    @app_commands.command()
    @app_commands.describe(
        user="Only this user's posts (their microblog username)",
        share="Show the page to everyone in the channel (default: only you)",
    )
    async def feed(
        self,
        interaction: discord.Interaction,
        user: app_commands.Range[str, 1, 32] | None = None,
        share: bool = False,
    ) -> None:
        """Read the newest posts, from everyone or from one user."""
        await interaction.response.defer(ephemeral=not share, thinking=True)
        page = await self.posts.feed(author=user)
        await reply(interaction, **_feed_message(page), ephemeral=not share)

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
            current = await self.posts.own_post(chat_user(interaction), post)
            await interaction.response.send_modal(EditModal(current.id, current.body))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        edited = await self.posts.edit_post(chat_user(interaction), post, content)
        await reply(interaction, "Post updated:", embed=post_embed(edited))

    @app_commands.command()
    @app_commands.describe(post="The post to delete")
    async def delete(
        self, interaction: discord.Interaction, post: app_commands.Range[int, 1]
    ) -> None:
        """Delete one of your posts."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        deleted = await self.posts.delete_post(chat_user(interaction), post)
        await reply(interaction, f"Deleted post #{deleted.id}.")

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

    async def on_post_submit(self, interaction: discord.Interaction, _args: list[str]) -> None:
        await self._publish(interaction, modal_values(interaction).get("content", ""))

    async def on_edit_submit(self, interaction: discord.Interaction, args: list[str]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        post_id = _post_id(args[0] if args else "")
        content = modal_values(interaction).get("content", "")
        edited = await self.posts.edit_post(chat_user(interaction), post_id, content)
        await reply(interaction, "Post updated:", embed=post_embed(edited))

    async def on_feed_button(self, interaction: discord.Interaction, args: list[str]) -> None:
        cursor = args[0] if len(args) == 1 else ""
        if not cursor or cursor.startswith(NO_CURSOR):
            raise ValidationError("cursor", "There is nothing more in that direction.")
        message = interaction.message
        in_place = message is not None and message.flags.ephemeral
        if in_place:
            await interaction.response.defer()  # then edit the page in place
        else:
            # A shared page stays as it is for everyone; the clicker pages privately.
            await interaction.response.defer(ephemeral=True, thinking=True)
        page = await self.posts.feed(cursor)
        if in_place:
            await interaction.edit_original_response(
                **_feed_message(page), allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await reply(interaction, **_feed_message(page))

    async def _publish(self, interaction: discord.Interaction, content: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        created = await self.posts.create_post(chat_user(interaction), content)
        await reply(interaction, "Posted! This is how others see it:", embed=post_embed(created))


def _feed_message(page: FeedPage) -> dict[str, object]:
    title = f"Posts by {page.author}" if page.author else "Latest posts"
    return {"embed": feed_embed(page, title), "view": FeedButtons(page)}


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(PostsCog(bot, bot.services.posts))
