"""Domain errors whose messages are finished sentences, safe to show to a user.

Anything that is not a ``UserError`` is a bug: the command tree logs it and apologises.
Each error keeps its English sentence as a template (the message id of the translation
catalogs) and the values filled into it, so the front can say it in the reader's language;
``str(error)`` stays the English sentence. ``UserError("An English sentence.")`` is a
message id without parameters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def N_(message: str) -> str:  # gettext's name for "mark now, translate later"
    """Marks a message for the catalogs where it is written; the front translates it."""
    return message


class UserError(Exception):
    """An expected refusal. ``str(error)`` is the English sentence the user reads.

    ``template`` is that sentence with ``{name}`` placeholders (``str.format`` syntax) and
    ``params`` the values for them; without params the template is used as it is.
    """

    def __init__(self, message: str, /, **params: Any) -> None:
        self.template = message
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)


class ValidationError(UserError):
    """A value the user gave does not fit; ``field`` names which one."""

    def __init__(self, field: str, message: str, /, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


class UsernameTaken(UserError):
    def __init__(self) -> None:
        super().__init__("That username is taken. Please choose another one.")


class InvalidCredentials(UserError):
    """One message for unknown user and wrong password: it must not reveal which."""

    def __init__(self) -> None:
        super().__init__("Incorrect username or password.")


class NotLoggedIn(UserError):
    def __init__(self, message: str = N_("You are not logged in. Use /login first.")) -> None:
        super().__init__(message)


class NotAuthor(UserError):
    def __init__(self) -> None:
        super().__init__("You can only change your own posts.")


class TooLongToEdit(UserError):
    def __init__(self, length: int, max_length: int) -> None:
        super().__init__(
            "This post has {length} characters, more than the {max_length} a post can have "
            "here (it was imported whole), so the edit box would cut it. Send the new text "
            "with /edit's content option instead, or delete it.",
            length=length,
            max_length=max_length,
        )


class PostNotFound(UserError):
    def __init__(self, post_id: int | None = None) -> None:
        if post_id is None:
            super().__init__("That post does not exist (it may have been deleted).")
        else:
            super().__init__(
                "Post #{post_id} does not exist (it may have been deleted).", post_id=post_id
            )
        self.post_id = post_id


class NothingToReplyTo(UserError):
    """The post a reply was aimed at is missing, deleted or removed by a moderator."""

    def __init__(self, post_id: int, *, removed: bool = False) -> None:
        if removed:
            super().__init__(
                "You cannot reply to post #{post_id}: a moderator removed it.", post_id=post_id
            )
        else:
            super().__init__(
                "You cannot reply to post #{post_id}: it does not exist or was deleted.",
                post_id=post_id,
            )
        self.post_id = post_id


class AccountNotFound(UserError):
    def __init__(self, username: str) -> None:
        super().__init__("There is no user called {username!r}.", username=username)


class NothingLinked(UserError):
    def __init__(self) -> None:
        super().__init__("Your Discord profile shows no microblog account.")


class CannotFollowYourself(UserError):
    def __init__(self) -> None:
        super().__init__("You cannot follow yourself: your own posts are always on your /home.")


class SubscriptionNotFound(UserError):
    def __init__(self, subscription_id: int) -> None:
        super().__init__(
            "There is no summary subscription #{subscription_id} in this server. See /digest list.",
            subscription_id=subscription_id,
        )


class AlreadySubscribed(UserError):
    def __init__(self) -> None:
        super().__init__(
            "That channel already gets summaries for that feed. Use /digest list to see it."
        )


class UnknownComponent(UserError):
    def __init__(self) -> None:
        super().__init__(
            "That button or form is no longer valid. Run the command again to get a fresh one."
        )


class Throttled(UserError):
    """Too many attempts; ``retry_at`` is when the next one will be accepted (UTC).

    ``what`` is a sentence of its own (a message id) saying what was too much.
    """

    def __init__(self, what: str, retry_at: datetime, now: datetime) -> None:
        # Away from Discord the wait is spelled out; Discord replies render retry_at on the
        # reader's client instead (bot.front.tree), so the time stays true as it passes.
        super().__init__("{what} Try again in {wait}.", what=what, wait=_humanize(retry_at - now))
        self.what = what
        self.retry_at = retry_at


def _humanize(delta: timedelta) -> str:
    seconds = max(1, -int(-delta.total_seconds() // 1))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = -(-seconds // size)  # round up: never tell people to come back too early
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


class Blocked(UserError):
    """Between accounts that blocked each other, in either direction; does not say who."""

    def __init__(self) -> None:
        super().__init__("You cannot interact with that account.")


class AccountSuspended(UserError):
    def __init__(self, until: datetime | None) -> None:
        if until is None:
            super().__init__("This account is suspended by the moderators.")
        else:
            super().__init__(
                "This account is suspended until {until} UTC by the moderators.",
                until=f"{until:%Y-%m-%d %H:%M}",
            )


class NotModerator(UserError):
    def __init__(self) -> None:
        super().__init__("Only the bot's moderators can do that.")


class NotServerManager(UserError):
    def __init__(self) -> None:
        super().__init__("You need the Manage Server permission for that.")


class AlreadyReported(UserError):
    def __init__(self) -> None:
        super().__init__("You already reported that post; a moderator will look at it.")


class ReportNotFound(UserError):
    def __init__(self, report_id: int) -> None:
        super().__init__(
            "Report #{report_id} does not exist or was already handled.", report_id=report_id
        )


class ExportTooLarge(UserError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            "Your export is larger than the {limit} MiB Discord lets the bot send here (it "
            "reached {size} MiB before stopping). Delete some posts, or ask the bot's operator "
            "for the export (README: 'What the bot stores').",
            limit=limit // (1024 * 1024),
            size=size // (1024 * 1024),
        )


class WrongPassword(UserError):
    def __init__(self) -> None:
        super().__init__("That is not your current password. Nothing was changed.")


class MentionBlocked(UserError):
    """A post may not mention an account that blocked its author, or that its author blocked."""

    def __init__(self, username: str) -> None:
        super().__init__(
            "You cannot mention {username}: one of you has blocked the other.", username=username
        )
        self.username = username


class PostRemoved(UserError):
    def __init__(self) -> None:
        super().__init__("That post was removed by a moderator; it can be deleted, not edited.")
