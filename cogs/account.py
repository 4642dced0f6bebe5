"""/account: your own account (profile, what it shows on Discord, password, export, delete,
blocks and mutes), and the user menu "Microblog profile".

Passwords only ever travel in forms. Nothing tells which Discord user is behind an account
unless they say so with /account link; the user menu "Microblog profile" shows only such
links.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.values import ChatUser
from bot.front.cards import PostPage, page_layout
from bot.front.client import MicroblogBot
from bot.front.components import (
    DeleteAccountForm,
    PasswordForm,
    ProfileForm,
    chat_user,
    export_file,
)
from bot.front.i18n import messages
from bot.front.rendering import COLOUR, cut, relative
from bot.front.tree import everywhere, reply
from bot.services.accounts import AccountService
from bot.services.links import LinkService
from bot.services.notifications import NotificationService
from bot.services.safety import SafetyService
from bot.services.social import SocialService


@everywhere
class AccountCog(commands.GroupCog, group_name="account", group_description="Your account"):
    def __init__(
        self,
        bot: MicroblogBot,
        accounts: AccountService,
        safety: SafetyService,
        social: SocialService,
        links: LinkService,
        notifications: NotificationService,
    ) -> None:
        super().__init__()
        self.bot = bot
        self.accounts = accounts
        self.safety = safety
        self.social = social
        self.links = links
        self.notifications = notifications
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

    @app_commands.command()
    @app_commands.describe(dm="on: a direct message now and then about what is new; off: none")
    async def notify(self, interaction: discord.Interaction, dm: Literal["on", "off"]) -> None:
        """Get your notifications by direct message, at most one now and then."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        # The DMs are written in the language of the client that asked for them.
        settings = await self.notifications.set_dm(
            chat_user(interaction), dm == "on", str(interaction.locale)
        )
        _ = messages(interaction)
        if settings.enabled:
            text = _(
                "Notification DMs are on: at most one every {minutes} minutes, about what you "
                "have not read yet, while you stay logged in here. /account notify dm:off stops "
                "them.",
                minutes=f"{settings.interval_minutes:g}",
            )
        else:
            text = _("Notification DMs are off. /notifications still lists everything.")
        await reply(interaction, text)

    @app_commands.command()
    async def password(self, interaction: discord.Interaction) -> None:
        """Change your password (a private form); your other sessions end."""
        await interaction.response.send_modal(PasswordForm(messages(interaction)))

    @app_commands.command()
    async def export(self, interaction: discord.Interaction) -> None:
        """Download everything the bot stores about your account (a JSON file only you see)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.accounts.export(chat_user(interaction))
        username = data["profile"]["username"]
        _ = messages(interaction)
        file = export_file(
            data, f"microblog-{username}.json", getattr(interaction, "filesize_limit", None), _
        )
        await interaction.followup.send(
            _(
                "Everything stored about **{username}**: profile, posts, blocks, mutes, reports "
                "you made and sessions.",
                username=username,
            ),
            file=file,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command()
    async def delete(self, interaction: discord.Interaction) -> None:
        """Delete your account and everything it holds, for good (a private form)."""
        await interaction.response.send_modal(DeleteAccountForm(messages(interaction)))

    @app_commands.command()
    async def blocked(self, interaction: discord.Interaction) -> None:
        """The accounts you blocked and muted."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        blocked, muted = await self.safety.relations(chat_user(interaction))
        _ = messages(interaction)
        embed = discord.Embed(title=_("Blocked and muted"), colour=COLOUR)
        for title, rows in ((_("Blocked"), blocked), (_("Muted"), muted)):
            lines = [
                _("**{username}** since {when}", username=row.username, when=relative(row.since))
                for row in rows
            ]
            embed.add_field(
                name=f"{title} ({len(rows)})",
                value=cut("\n".join(lines) or _("Nobody."), 1024),
                inline=False,
            )
        await reply(interaction, embed=embed)

    async def show_profile(
        self, interaction: discord.Interaction, user: discord.User | discord.Member
    ) -> None:
        """The microblog account this Discord user chose to show, if any."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        profile = await self.links.linked_profile(
            ChatUser("discord", str(user.id)),
            reader=chat_user(interaction),
            guild_id=interaction.guild_id,
        )
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
    services = bot.services
    await bot.add_cog(
        AccountCog(
            bot,
            services.accounts,
            services.safety,
            services.social,
            services.links,
            services.notifications,
        )
    )
