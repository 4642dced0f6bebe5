"""Buttons and forms: one class each, answered from the custom_id alone (restart-safe).

A new button or form is added to ``BUTTONS`` or ``FORMS``; the client registers both.
"""

from __future__ import annotations

from bot.front.cards import StaticLayout
from bot.front.components.account import DeleteAccountForm, PasswordForm, export_file
from bot.front.components.auth import LoginForm, RegisterForm
from bot.front.components.base import ComponentRouter, Form, StaticView, chat_user, custom_id
from bot.front.components.feed import FeedPageButton, feed_layout
from bot.front.components.notifications import (
    NotificationsPageButton,
    dm_off_text,
    dm_text,
    notifications_layout,
    unread_text,
)
from bot.front.components.posts import (
    ConfirmDeleteButton,
    DeletePostButton,
    EditForm,
    EditPostButton,
    PostForm,
    ReplyButton,
    ReplyForm,
    edit,
    post_buttons,
    publish,
    publish_reply,
)
from bot.front.components.reactions import ReactionButton, reaction_sentence
from bot.front.components.safety import (
    ModPageButton,
    ReportActionButton,
    ReportButton,
    ReportForm,
    SuspendForm,
    log_message,
    reports_message,
)
from bot.front.components.search import SearchPageButton, search_layout, trending_layout
from bot.front.components.social import (
    FollowButton,
    HomePageButton,
    PeoplePageButton,
    ProfileForm,
    home_layout,
    name,
    people_layout,
    profile_layout,
)
from bot.front.components.threads import ThreadPageButton, thread_layout

BUTTONS = (
    FeedPageButton,
    EditPostButton,
    DeletePostButton,
    ConfirmDeleteButton,
    HomePageButton,
    PeoplePageButton,
    FollowButton,
    ReportButton,
    ReportActionButton,
    ModPageButton,
    ReplyButton,
    ReactionButton,
    ThreadPageButton,
    NotificationsPageButton,
    SearchPageButton,
)
FORMS: tuple[type[Form], ...] = (
    RegisterForm,
    LoginForm,
    PostForm,
    EditForm,
    ProfileForm,
    ReportForm,
    SuspendForm,
    PasswordForm,
    DeleteAccountForm,
    ReplyForm,
)

__all__ = [
    "BUTTONS",
    "FORMS",
    "ComponentRouter",
    "ConfirmDeleteButton",
    "DeleteAccountForm",
    "DeletePostButton",
    "EditForm",
    "EditPostButton",
    "FeedPageButton",
    "FollowButton",
    "Form",
    "HomePageButton",
    "LoginForm",
    "ModPageButton",
    "NotificationsPageButton",
    "PasswordForm",
    "PeoplePageButton",
    "PostForm",
    "ProfileForm",
    "ReactionButton",
    "RegisterForm",
    "ReplyButton",
    "ReplyForm",
    "ReportActionButton",
    "ReportButton",
    "ReportForm",
    "SearchPageButton",
    "StaticLayout",
    "StaticView",
    "SuspendForm",
    "ThreadPageButton",
    "chat_user",
    "custom_id",
    "dm_off_text",
    "dm_text",
    "edit",
    "export_file",
    "feed_layout",
    "home_layout",
    "log_message",
    "name",
    "notifications_layout",
    "people_layout",
    "post_buttons",
    "profile_layout",
    "publish",
    "publish_reply",
    "reaction_sentence",
    "reports_message",
    "search_layout",
    "thread_layout",
    "trending_layout",
    "unread_text",
]
