"""Your account: change the password, take your data with you, or delete everything.

bcrypt runs before any write transaction (off the event loop, in the hasher's pool); a
wrong password or a missing confirmation word changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import AuthSettings
from bot.db.engine import Database
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import NotLoggedIn, ValidationError
from bot.domain.security import PasswordHasher, check_password_shape
from bot.domain.values import ChatUser
from bot.repositories.accounts import AccountRepository
from bot.repositories.chat_sessions import ChatSessionRepository
from bot.repositories.follows import FollowRepository
from bot.repositories.notifications import NotificationRepository
from bot.repositories.posts import PostRepository
from bot.repositories.rate_events import RateEventRepository
from bot.repositories.reactions import forget_account, made_by
from bot.repositories.relations import BlockRepository, MuteRepository
from bot.repositories.reports import ReportRepository
from bot.repositories.server_hides import ServerHideRepository
from bot.services.auth import FAILED_LOGIN_BY_ACCOUNT, AuthService
from bot.services.graph import end_all_follows
from bot.services.safety import REPORT_BY_ACCOUNT

DELETE_WORD = "DELETE"
EXPORT_FORMAT = 1


class AccountService:
    def __init__(
        self,
        database: Database,
        auth: AuthService,
        hasher: PasswordHasher,
        settings: AuthSettings,
        clock: Clock = utcnow,
    ) -> None:
        self.db = database
        self.auth = auth
        self.hasher = hasher
        self.settings = settings
        self.clock = clock

    async def change_password(self, chat: ChatUser, current: str, new: str, repeat: str) -> int:
        """Sets a new password; every other chat session of the account ends.

        Returns how many other sessions ended.
        """
        if new != repeat:
            raise ValidationError("password_repeat", "The two new passwords do not match.")
        check_password_shape(new, self.settings.min_password_bytes)
        me = (await self.auth.current_session(chat, touch=False)).account
        key = await self._key(me.id)
        await self.auth.check_password(me.id, key, current)
        score = await self.hasher.strength(new, [me.username, key])
        if score < self.settings.min_password_score:
            raise ValidationError(
                "password",
                "That password is too easy to guess. Try a longer phrase of unrelated words.",
            )
        new_hash = await self.hasher.hash(new)
        async with self.auth.signed_in(chat) as (session, signed_in):
            if signed_in.account.id != me.id:
                raise NotLoggedIn("You switched accounts meanwhile; nothing was changed.")
            accounts = AccountRepository(session)
            account = await accounts.get(me.id)
            assert account is not None  # the session row joins it
            await accounts.set_password_hash(account, new_hash)
            return await ChatSessionRepository(session).delete_for_account(
                me.id, keep=(chat.platform, chat.user_id)
            )

    async def export(self, chat: ChatUser) -> dict[str, Any]:
        """Everything stored about the account, as plain JSON-ready data."""
        me = (await self.auth.current_session(chat, touch=False)).account
        async with self.db.read() as session:
            account = await AccountRepository(session).get(me.id)
            if account is None:
                raise NotLoggedIn()
            posts = await PostRepository(session).all_by_author(me.id)
            sessions = await ChatSessionRepository(session).for_account(me.id)
            blocks = await BlockRepository(session).by(me.id)
            mutes = await MuteRepository(session).by(me.id)
            reports = await ReportRepository(session).made_by(me.id)
            hidden_in = await ServerHideRepository(session).where_hidden(me.id)
            follows = FollowRepository(session)
            following = await follows.everyone(me.id, following=True)
            followers = await follows.everyone(me.id, following=False)
            reactions = await made_by(session, me.id)
            received = await NotificationRepository(session).received(me.id)
        return {
            "format": EXPORT_FORMAT,
            "exported_at": _time(self.clock()),
            "profile": {
                "username": account.username,
                "display_name": account.display_name,
                "bio": account.bio,
                "created_at": _time(account.created_at),
                "suspended_until": _time(account.suspended_until),
                "post_count": account.post_count,
                "follower_count": account.follower_count,
                "following_count": account.following_count,
            },
            # Oldest first, like the posts; usernames as they are now.
            "following": [{"username": name, "since": _time(since)} for name, since in following],
            "followers": [{"username": name, "since": _time(since)} for name, since in followers],
            "posts": [
                {
                    "id": post.id,
                    "body": post.body,
                    "created_at": _time(post.created_at),
                    "edited_at": _time(post.edited_at),
                    "removed_by_moderator_at": _time(post.removed_at),
                    "written_by_discord_user": _id(post.discord_user_id),
                }
                for post in posts
            ],
            "blocked": [{"username": name, "since": _time(since)} for name, since in blocks],
            "muted": [{"username": name, "since": _time(since)} for name, since in mutes],
            "reports_made": [
                {
                    "id": report.id,
                    "post_id": report.post_id,
                    "reason": report.reason,
                    "status": report.status,
                    "created_at": _time(report.created_at),
                }
                for report in reports
            ],
            # Which chat user is logged in, since when; sessions hold no secret.
            "sessions": [
                {
                    "platform": row.platform,
                    "chat_user_id": row.chat_user_id,
                    "logged_in_at": _time(row.created_at),
                    "last_seen_at": _time(row.last_seen_at),
                }
                for row in sessions
            ],
            "hidden_in_servers": [str(guild_id) for guild_id in hidden_in],
            "likes": [{"post_id": p, "created_at": _time(t)} for p, t in reactions["like"]],
            "reposts": [{"post_id": p, "created_at": _time(t)} for p, t in reactions["repost"]],
            "notifications": [
                {
                    "kind": row.kind,
                    "from": row.actor,
                    "post_id": row.post_id,
                    "created_at": _time(row.created_at),
                }
                for row in received
            ],
        }

    async def delete_account(self, chat: ChatUser, password: str, confirmation: str) -> str:
        """Deletes the account and everything that is its own, in one transaction.

        Gone: the account, its posts, sessions, follows, blocks and mutes (both ways), the
        reports it made and the reports of its posts, server hides, its failed-login and
        report counters. Everyone it followed has one follower fewer, everyone who followed
        it follows one account fewer. The moderation log keeps its entries with the link to
        the account cut. The username is free again. Returns it.
        """
        if confirmation.strip() != DELETE_WORD:
            raise ValidationError(
                "confirm",
                "Type {word} in capitals to confirm. Nothing was deleted.",
                word=DELETE_WORD,
            )
        me = (await self.auth.current_session(chat, touch=False)).account
        key = await self._key(me.id)
        await self.auth.check_password(me.id, key, password)
        async with self.auth.signed_in(chat) as (session, signed_in):
            if signed_in.account.id != me.id:
                raise NotLoggedIn("You switched accounts meanwhile; nothing was deleted.")
            await ReportRepository(session).delete_made_by(me.id)
            rate_events = RateEventRepository(session)
            await rate_events.clear(FAILED_LOGIN_BY_ACCOUNT, key)
            await rate_events.clear(REPORT_BY_ACCOUNT, f"account:{me.id}")
            # Its likes, reposts and replies leave the counters of other people's posts.
            await forget_account(session, me.id)
            # The cascade would take its follows too, but not off the others' counters.
            await end_all_follows(session, me.id)
            # Posts, sessions, blocks, mutes and hides go with it (ON DELETE CASCADE);
            # moderation log entries keep their rows with the link cut (ON DELETE SET NULL).
            await AccountRepository(session).delete(me.id)
            return me.username

    async def _key(self, account_id: int) -> str:
        async with self.db.read() as session:
            account = await AccountRepository(session).get(account_id)
        if account is None:
            raise NotLoggedIn()
        return account.username_key


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _id(value: int | None) -> str | None:
    return str(value) if value is not None else None  # Discord ids exceed JSON's safe integers
