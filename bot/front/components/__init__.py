"""Buttons and forms: one class each, answered from the custom_id alone (restart-safe).

A new button or form is added to ``BUTTONS`` or ``FORMS``; the client registers both.
"""

from __future__ import annotations

from bot.front.cards import StaticLayout
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
)
FORMS: tuple[type[Form], ...] = (RegisterForm, LoginForm, PostForm, EditForm, ProfileForm)

__all__ = [
    "BUTTONS",
    "FORMS",
    "ComponentRouter",
    "ConfirmDeleteButton",
    "DeletePostButton",
    "EditForm",
    "EditPostButton",
    "FeedPageButton",
    "FollowButton",
    "Form",
    "HomePageButton",
    "LoginForm",
    "PeoplePageButton",
    "PostForm",
    "ProfileForm",
    "RegisterForm",
    "StaticLayout",
    "StaticView",
    "chat_user",
    "custom_id",
    "edit",
    "feed_layout",
    "home_layout",
    "name",
    "people_layout",
    "post_buttons",
    "profile_layout",
    "publish",
]
