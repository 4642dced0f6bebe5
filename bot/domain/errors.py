"""Domain errors whose messages are finished sentences, safe to show to a user.

Anything that is not a ``UserError`` is a bug: the command tree logs it and apologises.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class UserError(Exception):
    """An expected refusal. ``str(error)`` is the sentence the user reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(UserError):
    """A value the user gave does not fit; ``field`` names which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UsernameTaken(UserError):
    def __init__(self) -> None:
        super().__init__("That username is taken. Please choose another one.")


class InvalidCredentials(UserError):
    """One message for unknown user and wrong password: it must not reveal which."""

    def __init__(self) -> None:
        super().__init__("Incorrect username or password.")


class NotLoggedIn(UserError):
    def __init__(self, message: str = "You are not logged in. Use /login first.") -> None:
        super().__init__(message)


class NotAuthor(UserError):
    def __init__(self) -> None:
        super().__init__("You can only change your own posts.")


class PostNotFound(UserError):
    def __init__(self, post_id: int | None = None) -> None:
        which = f"Post {post_id}" if post_id is not None else "That post"
        super().__init__(f"{which} does not exist (it may have been deleted).")


class AccountNotFound(UserError):
    def __init__(self, username: str) -> None:
        super().__init__(f"There is no user called {username!r}.")


class CannotFollowYourself(UserError):
    def __init__(self) -> None:
        super().__init__("You cannot follow yourself: your own posts are always on your /home.")


class SubscriptionNotFound(UserError):
    def __init__(self, subscription_id: int) -> None:
        super().__init__(
            f"There is no summary subscription #{subscription_id} in this server. See /digest list."
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
    """Too many attempts; ``retry_at`` is when the next one will be accepted (UTC)."""

    def __init__(self, what: str, retry_at: datetime, now: datetime) -> None:
        self.what = what
        self.retry_at = retry_at
        # Away from Discord the wait is spelled out; Discord replies render retry_at on the
        # reader's client instead (bot.front.tree), so the time stays true as it passes.
        super().__init__(f"{what} Try again in {_humanize(retry_at - now)}.")


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
        when = "" if until is None else f" until {until:%Y-%m-%d %H:%M} UTC"
        super().__init__(f"This account is suspended{when} by the moderators.")


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
        super().__init__(f"Report #{report_id} does not exist or was already handled.")


class ExportTooLarge(UserError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"Your export is larger than the {limit // (1024 * 1024)} MiB Discord lets the bot "
            f"send here (it reached {size // (1024 * 1024)} MiB before stopping). Delete some "
            "posts, or ask the bot's operator for the export (README: 'What the bot stores')."
        )


class WrongPassword(UserError):
    def __init__(self) -> None:
        super().__init__("That is not your current password. Nothing was changed.")


class PostRemoved(UserError):
    def __init__(self) -> None:
        super().__init__("That post was removed by a moderator; it can be deleted, not edited.")
