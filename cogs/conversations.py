"""/reply, /thread, /like, /unlike, /repost, /unrepost, /notifications: talking to each other."""

from __future__ import annotations

import dataclasses

import discord
from discord import app_commands
from discord.ext import commands

from bot.front.answering import answer
from bot.front.cards import StaticLayout
from bot.front.client import MicroblogBot
from bot.front.components import (
    ReplyForm,
    chat_user,
    notifications_layout,
    publish_reply,
    reaction_sentence,
    thread_layout,
)
from bot.front.i18n import messages
from bot.front.tree import everywhere
from bot.services.conversations import ConversationService
from bot.services.notifications import NotificationService
from bot.services.posts import PostService

# Discord's ceiling for a text option; lowered to [posts] max_length per cog instance.
CONTENT_MAX = 4000
PostId = app_commands.Range[int, 1]


class ConversationsCog(commands.Cog):
    def __init__(
        self,
        posts: PostService,
        conversations: ConversationService,
        notifications: NotificationService,
        max_length: int,
    ) -> None:
        self.posts = posts
        self.conversations = conversations
        self.notifications = notifications
        self.max_length = max_length
        # Discord refuses what the service would refuse, before a draft is lost.
        parameter = self.reply._params["content"]
        self.reply._params["content"] = dataclasses.replace(parameter, max_value=max_length)

    @everywhere
    @app_commands.command()
    @app_commands.describe(
        post="The number of the post you answer (#12 on its card)",
        content="Your reply (leave empty to write in a larger box)",
    )
    async def reply(
        self,
        interaction: discord.Interaction,
        post: PostId,
        content: app_commands.Range[str, 1, CONTENT_MAX] | None = None,
    ) -> None:
        """Reply to a post."""
        if content is None:
            # A form must be the first answer; a post that cannot be answered is refused
            # before anyone types (this only reads: fast enough for the 3 seconds).
            await self.posts.check_reply(chat_user(interaction), post)
            await interaction.response.send_modal(
                ReplyForm(messages(interaction), post, self.max_length)
            )
            return
        await publish_reply(interaction, post, content)

    @everywhere
    @app_commands.command()
    @app_commands.describe(
        post="Any post of the conversation (#12 on its card)",
        share="Show the page to everyone in the channel (default: only you)",
    )
    async def thread(
        self, interaction: discord.Interaction, post: PostId, share: bool = False
    ) -> None:
        """A conversation: the first post and its replies, in order."""

        async def page() -> StaticLayout:
            found = await self.conversations.thread(
                chat_user(interaction), post, guild_id=interaction.guild_id
            )
            return thread_layout(found, messages(interaction))

        await answer(interaction, page(), ephemeral=not share)

    async def _react(
        self, interaction: discord.Interaction, kind: str, post: int, on: bool
    ) -> None:
        async def reacted() -> str:
            result = await self.conversations.react(chat_user(interaction), kind, post, on=on)
            return reaction_sentence(kind, result, messages(interaction))

        await answer(interaction, reacted())

    @everywhere
    @app_commands.command()
    @app_commands.describe(post="The post to like (#12 on its card)")
    async def like(self, interaction: discord.Interaction, post: PostId) -> None:
        """Like a post. Liking twice changes nothing."""
        await self._react(interaction, "like", post, True)

    @everywhere
    @app_commands.command()
    @app_commands.describe(post="The post to stop liking")
    async def unlike(self, interaction: discord.Interaction, post: PostId) -> None:
        """Take back your like."""
        await self._react(interaction, "like", post, False)

    @everywhere
    @app_commands.command()
    @app_commands.describe(post="The post to pass on to your followers (#12 on its card)")
    async def repost(self, interaction: discord.Interaction, post: PostId) -> None:
        """Repost: the post appears in your followers' /home, marked as reposted by you."""
        await self._react(interaction, "repost", post, True)

    @everywhere
    @app_commands.command()
    @app_commands.describe(post="The post whose repost you take back")
    async def unrepost(self, interaction: discord.Interaction, post: PostId) -> None:
        """Take back your repost."""
        await self._react(interaction, "repost", post, False)

    @everywhere
    @app_commands.command()
    async def notifications(self, interaction: discord.Interaction) -> None:
        """Replies, mentions, likes, reposts and new followers, newest first."""

        async def page() -> StaticLayout:
            found = await self.notifications.notifications(chat_user(interaction))
            return notifications_layout(found, messages(interaction))

        await answer(interaction, page())


async def setup(bot: MicroblogBot) -> None:
    services = bot.services
    await bot.add_cog(
        ConversationsCog(
            services.posts,
            services.conversations,
            services.notifications,
            services.settings.posts.max_length,
        )
    )
