"""Builds the application below Discord: database, hasher and services, from Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.config import Settings
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.search_index import ensure_search_language
from bot.domain.clock import Clock, utcnow
from bot.domain.security import PasswordHasher
from bot.services.accounts import AccountService
from bot.services.auth import AuthService
from bot.services.conversations import ConversationService
from bot.services.digests import DigestService
from bot.services.links import LinkService
from bot.services.moderation import ModerationService
from bot.services.notifications import NotificationService
from bot.services.posts import PostService
from bot.services.safety import SafetyService
from bot.services.search import SearchService
from bot.services.social import SocialService


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    hasher: PasswordHasher
    auth: AuthService
    posts: PostService
    digests: DigestService
    social: SocialService
    safety: SafetyService
    moderation: ModerationService
    accounts: AccountService
    links: LinkService
    conversations: ConversationService
    notifications: NotificationService
    search: SearchService


@asynccontextmanager
async def open_services(settings: Settings, clock: Clock = utcnow) -> AsyncIterator[Services]:
    """Migrate the database, build the services; dispose of everything on the way out."""
    database = Database(settings.database.url, echo=settings.database.echo)
    hasher = PasswordHasher(settings.auth.bcrypt_rounds, settings.auth.hash_concurrency)
    try:
        await upgrade(database)
        await ensure_search_language(database, settings.search.language)
        await hasher.prepare()
        auth = AuthService(database, hasher, settings.auth, clock)
        posts = PostService(database, auth, settings.posts, clock)
        digests = DigestService(database, settings.digests, clock)
        links = LinkService(database, auth, clock)
        social = SocialService(database, auth, settings.posts, clock)
        safety = SafetyService(database, auth, settings.moderation, clock)
        moderation = ModerationService(database, settings.moderation, clock)
        accounts = AccountService(database, auth, hasher, settings.auth, clock)
        conversations = ConversationService(database, auth, settings.posts, clock)
        notifications = NotificationService(database, auth, settings.notifications, clock)
        search = SearchService(database, auth, settings.search, clock)
        yield Services(
            settings,
            database,
            hasher,
            auth,
            posts,
            digests,
            social,
            safety,
            moderation,
            accounts,
            links,
            conversations,
            notifications,
            search,
        )
    finally:
        hasher.close()
        await database.dispose()
