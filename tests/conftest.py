"""Fixtures shared by every layer: databases on both backends, services, a settable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import AuthSettings, NotificationSettings, PostSettings
from bot.db.engine import Database
from bot.domain.security import PasswordHasher
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.conversations import ConversationService
from bot.services.notifications import NotificationService
from bot.services.posts import PostService
from bot.services.social import SocialService
from tests import databases

TEST_BCRYPT_ROUNDS = 4


class FakeClock:
    """A clock tests move by hand: no test sleeps through a real interval."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    server = databases.require_postgres()
    url = databases.create_postgres_database(server)
    yield url
    databases.drop_postgres_database(server, url)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Database]:
    if backend == "sqlite":
        url = databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
        db = Database(url)
    else:
        db = Database(request.getfixturevalue("postgres_url"))
        await databases.truncate_all(db)
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth_settings() -> AuthSettings:
    return AuthSettings(bcrypt_rounds=TEST_BCRYPT_ROUNDS)


@pytest.fixture
def post_settings() -> PostSettings:
    return PostSettings(cooldown_seconds=0)


@pytest.fixture
async def hasher(auth_settings: AuthSettings) -> AsyncIterator[PasswordHasher]:
    hasher = PasswordHasher(rounds=auth_settings.bcrypt_rounds)
    yield hasher
    hasher.close()


@pytest.fixture
def auth(
    database: Database, hasher: PasswordHasher, auth_settings: AuthSettings, clock: FakeClock
) -> AuthService:
    return AuthService(database, hasher, auth_settings, clock)


@pytest.fixture
def posts(
    database: Database, auth: AuthService, post_settings: PostSettings, clock: FakeClock
) -> PostService:
    return PostService(database, auth, post_settings, clock)


@pytest.fixture
def social(
    database: Database, auth: AuthService, post_settings: PostSettings, clock: FakeClock
) -> SocialService:
    return SocialService(database, auth, post_settings, clock)


@pytest.fixture
def conversations(
    database: Database, auth: AuthService, post_settings: PostSettings, clock: FakeClock
) -> ConversationService:
    return ConversationService(database, auth, post_settings, clock)


@pytest.fixture
def notification_settings() -> NotificationSettings:
    return NotificationSettings(dm_interval_minutes=30, lease_seconds=60)


@pytest.fixture
def notifications(
    database: Database,
    auth: AuthService,
    notification_settings: NotificationSettings,
    clock: FakeClock,
) -> NotificationService:
    return NotificationService(database, auth, notification_settings, clock)


@pytest.fixture
def alice_chat() -> ChatUser:
    return ChatUser("discord", "1001")


@pytest.fixture
def bob_chat() -> ChatUser:
    return ChatUser("discord", "1002")


STRONG_PASSWORD = "correct horse battery staple"
