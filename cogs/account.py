"""/account: your own account (its profile, what it shows on Discord), and the user menu
"Microblog profile". Later issues add more subcommands to this group.

Nothing tells which Discord user is behind an account unless they say so with
/account link; the user menu "Microblog profile" shows only such links.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.values import ChatUser
from bot.front.cards import PostPage, page_layout
from bot.front.client import MicroblogBot
from bot.front.components import ProfileForm, chat_user
from bot.front.i18n import messages
from bot.front.rendering import relative
from bot.front.tree import everywhere, reply
from bot.services.links import LinkService
from bot.services.social import SocialService


@everywhere
class AccountCog(
    commands.GroupCog, group_name="account", group_description="Your microblog account"
):
    def __init__(self, bot: MicroblogBot, social: SocialService, links: LinkService) -> None:
        super().__init__()
        self.bot = bot
        self.social = social
        self.links = links
        # discord.py cannot take context menus from cog methods: they are built here and
        # added to (and removed from) the tree with the cog.
        self.profile_menu = everywhere(
            app_commands.ContextMenu(name="Microblog profile", callback=self.show_profile)
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.profile_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.profile_menu.name, type=self.profile_menu.type)

    @app_commands.command()
    async def profile(self, interaction: discord.Interaction) -> None:
        """Change your display name and bio (opens a private form)."""
        # A modal must be the first response: this only reads (WAL readers never wait).
        current = await self.social.profile(chat_user(interaction), touch=False)
        await interaction.response.send_modal(
            ProfileForm(messages(interaction), current.display_name, current.bio)
        )

    @app_commands.command()
    @app_commands.describe(avatar="Also show your Discord avatar on your posts (default: no)")
    async def link(self, interaction: discord.Interaction, avatar: bool = False) -> None:
        """Show your microblog account on your Discord profile menu."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        # The CDN address of the avatar, never a copy: it changes when they change it.
        avatar_url = interaction.user.display_avatar.url if avatar else None
        linked = await self.links.link(chat_user(interaction), avatar_url)
        _ = messages(interaction)
        text = _(
            "Your Discord profile now shows **{username}**: anyone can open it with "
            "Apps → Microblog profile.",
            username=linked.username,
        )
        if linked.shows_avatar:
            text += " " + _("Your posts show your Discord avatar.")
        await reply(interaction, text)

    @app_commands.command()
    async def unlink(self, interaction: discord.Interaction) -> None:
        """Stop showing your microblog account on your Discord profile."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        username = await self.links.unlink(chat_user(interaction))
        _ = messages(interaction)
        await reply(
            interaction,
            _(
                "Your Discord profile no longer shows **{username}**, and its posts no longer "
                "show your avatar.",
                username=username,
            ),
        )

    async def show_profile(
        self, interaction: discord.Interaction, user: discord.User | discord.Member
    ) -> None:
        """The microblog account this Discord user chose to show, if any."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        profile = await self.links.linked_profile(ChatUser("discord", str(user.id)))
        _ = messages(interaction)
        name = discord.utils.escape_markdown(user.display_name)
        if profile is None:
            await reply(interaction, _("{name} shows no microblog account.", name=name))
            return
        page = PostPage(
            title=profile.account.username,
            header=_.ngettext(
                "{name} on Discord · joined {when} · {count} post",
                "{name} on Discord · joined {when} · {count} posts",
                profile.post_count,
                name=name,
                when=relative(profile.account.created_at),
            ),
            posts=profile.recent_posts,
            empty=_("No posts yet."),
        )
        await reply(
            interaction,
            view=page_layout(page, _, buttons=lambda post: (), paging=lambda shown: ()),
        )


async def setup(bot: MicroblogBot) -> None:
    await bot.add_cog(AccountCog(bot, bot.services.social, bot.services.links))
