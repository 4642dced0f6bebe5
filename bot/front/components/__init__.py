"""Buttons and forms: one class each, answered from the custom_id alone (restart-safe).

A new button or form is added to ``BUTTONS`` or ``FORMS``; the client registers both.
"""

from __future__ import annotations

from bot.front.components.auth import LoginForm, RegisterForm
from bot.front.components.base import ComponentRouter, Form, StaticView, chat_user, custom_id
from bot.front.components.feed import FeedPageButton, feed_message
from bot.front.components.posts import EditForm, PostForm, edit, publish
from bot.front.components.search import SearchPageButton, search_message

BUTTONS = (FeedPageButton, SearchPageButton)
FORMS: tuple[type[Form], ...] = (RegisterForm, LoginForm, PostForm, EditForm)

__all__ = [
    "BUTTONS",
    "FORMS",
    "ComponentRouter",
    "EditForm",
    "FeedPageButton",
    "Form",
    "LoginForm",
    "PostForm",
    "RegisterForm",
    "SearchPageButton",
    "StaticView",
    "chat_user",
    "custom_id",
    "edit",
    "feed_message",
    "publish",
    "search_message",
]
