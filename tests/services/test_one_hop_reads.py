"""Page reads run in one hop (``Database.run_read``) and still count as activity: reading
every 6 days keeps a session alive, an expired session is refused, a suspended one too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.domain.errors import NotLoggedIn
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.conversations import ConversationService
from bot.services.notifications import NotificationService
from bot.services.posts import PostService
from bot.services.social import SocialService
from tests.conftest import STRONG_PASSWORD, FakeClock

Read = Callable[[ChatUser, int], Awaitable[Any]]


@pytest.fixture
def reads(
    social: SocialService,
    conversations: ConversationService,
    notifications: NotificationService,
) -> dict[str, Read]:
    return {
        "home": lambda chat, _: social.home(chat),
        "profile": lambda chat, _: social.profile(chat),
        "following": lambda chat, _: social.following(chat),
        "thread": lambda chat, post_id: conversations.thread(chat, post_id),
        "notifications": lambda chat, _: notifications.notifications(chat),
    }


@pytest.mark.parametrize("command", ["home", "profile", "following", "thread", "notifications"])
async def test_reading_keeps_the_session_alive_and_expiry_still_ends_it(
    command: str,
    reads: dict[str, Read],
    auth: AuthService,
    posts: PostService,
    clock: FakeClock,
    alice_chat: ChatUser,
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    post = await posts.create_post(alice_chat, "hello")
    read = reads[command]
    for _ in range(3):  # read every 6 days: never idle for 7
        clock.advance(days=6)
        await read(alice_chat, post.id)
    clock.advance(days=7)
    if command == "thread":  # public: shown, but no longer as alice's
        assert (await read(alice_chat, post.id)).viewer_id is None
        return
    with pytest.raises(NotLoggedIn, match="session has expired"):
        await read(alice_chat, post.id)


async def test_notifications_mark_read_once_and_the_mark_never_moves_back(
    auth: AuthService,
    posts: PostService,
    notifications: NotificationService,
    alice_chat: ChatUser,
    bob_chat: ChatUser,
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    await auth.register(bob_chat, "bob", STRONG_PASSWORD)
    await posts.create_post(bob_chat, "hi @alice")
    first = await notifications.notifications(alice_chat)
    assert first.unread == 1 and len(first.entries) == 1
    again = await notifications.notifications(alice_chat)
    assert again.unread == 0 and len(again.entries) == 1
    assert (await notifications.status(alice_chat))[0] == 0
