"""Buttons and forms: one class each, answered from the custom_id alone (restart-safe).

A new button or form is added to ``BUTTONS`` or ``FORMS``; the client registers both.
"""

from __future__ import annotations

from bot.front.cards import StaticLayout
from bot.front.components.account import DeleteAccountForm, PasswordForm, export_file
from bot.front.components.auth import LoginForm, RegisterForm
from bot.front.components.base import ComponentRouter, Form, StaticView, chat_user, custom_id
from bot.front.components.feed import FeedPageButton, feed_layout
from bot.front.components.posts import (
    ConfirmDeleteButton,
    DeletePostButton,
    EditForm,
    EditPostButton,
    PostForm,
    edit,
    post_buttons,
    publish,
)
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
    "PasswordForm",
    "PeoplePageButton",
    "PostForm",
    "ProfileForm",
    "RegisterForm",
    "ReportActionButton",
    "ReportButton",
    "ReportForm",
    "SearchPageButton",
    "StaticLayout",
    "StaticView",
    "SuspendForm",
    "chat_user",
    "custom_id",
    "edit",
    "export_file",
    "feed_layout",
    "home_layout",
    "log_message",
    "name",
    "people_layout",
    "post_buttons",
    "profile_layout",
    "publish",
    "reports_message",
    "search_layout",
    "trending_layout",
]
