"""AuthService on both backends: Flaskr's auth behaviours, ported, plus what Flaskr lacks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.config import AuthSettings
from bot.db.engine import Database
from bot.db.models import RateEvent
from bot.domain.errors import (
    InvalidCredentials,
    NotLoggedIn,
    Throttled,
    UsernameTaken,
    ValidationError,
)
from bot.domain.security import PasswordHasher, Verification
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from tests.conftest import STRONG_PASSWORD, FakeClock


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "", "Username is required."),
        ("   ", STRONG_PASSWORD, "Username is required."),
        ("alice", "", "Password is required."),
        ("alice", "short", "Passwords need at least 8 bytes."),
        ("al", STRONG_PASSWORD, "Usernames need 3 to 32 characters."),
        ("a" * 33, STRONG_PASSWORD, "Usernames need 3 to 32 characters."),
        ("al ice", STRONG_PASSWORD, "Usernames may contain only letters"),
        ("@everyone", STRONG_PASSWORD, "Usernames may contain only letters"),
        ("ali\u200bce", STRONG_PASSWORD, "Usernames may contain only letters"),
        ("alice", "password1", "too easy to guess"),
        ("alice", "alice12345", "too easy to guess"),
        ("alice", "x" * 73, "at most 72 bytes"),
        ("alice", "é" * 37, "at most 72 bytes"),  # 37 characters, 74 bytes
        ("alice", "abc\x00defghij", "control characters"),
    ],
)
async def test_register_validation(
    auth: AuthService, alice_chat: ChatUser, username: str, password: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await auth.register(alice_chat, username, password)
    assert message in str(caught.value)
    with pytest.raises(NotLoggedIn):
        await auth.current_account(alice_chat)  # nothing was created, nobody logged in


async def test_register_logs_in_and_duplicate_is_refused(
    auth: AuthService, alice_chat: ChatUser, bob_chat: ChatUser
) -> None:
    account = await auth.register(alice_chat, "Alice", STRONG_PASSWORD)
    assert account.username == "Alice"
    assert (await auth.current_account(alice_chat)).id == account.id
    for same_name in ("alice", "ALICE", "ＡＬＩＣＥ", " Alice "):
        with pytest.raises(UsernameTaken, match="That username is taken"):
            await auth.register(bob_chat, same_name, STRONG_PASSWORD)


async def test_passwords_must_match_when_repeated(auth: AuthService, alice_chat: ChatUser) -> None:
    with pytest.raises(ValidationError, match="do not match") as caught:
        await auth.register(alice_chat, "alice", STRONG_PASSWORD, STRONG_PASSWORD + "!")
    assert caught.value.field == "password_repeat"


async def test_login_ok_and_wrong_give_one_generic_message(
    auth: AuthService, alice_chat: ChatUser, bob_chat: ChatUser
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    result = await auth.login(bob_chat, "ALICE", STRONG_PASSWORD)
    assert result.account.username == "alice"
    assert result.previous_username is None
    with pytest.raises(InvalidCredentials) as wrong:
        await auth.login(bob_chat, "alice", "not the password at all")
    with pytest.raises(InvalidCredentials) as unknown:
        await auth.login(bob_chat, "nobody", STRONG_PASSWORD)
    assert str(wrong.value) == str(unknown.value) == "Incorrect username or password."


async def test_many_chat_users_share_one_account_and_logout_is_per_chat_user(
    auth: AuthService, alice_chat: ChatUser, bob_chat: ChatUser
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    await auth.login(bob_chat, "alice", STRONG_PASSWORD)
    assert await auth.logout(alice_chat) == "alice"
    with pytest.raises(NotLoggedIn):
        await auth.current_account(alice_chat)
    assert (await auth.current_account(bob_chat)).username == "alice"
    with pytest.raises(NotLoggedIn, match="not logged in"):
        await auth.logout(alice_chat)


async def test_login_while_logged_in_switches_account(
    auth: AuthService, alice_chat: ChatUser
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    await auth.register(alice_chat, "bobby", STRONG_PASSWORD)  # register also switches
    assert (await auth.current_account(alice_chat)).username == "bobby"
    result = await auth.login(alice_chat, "alice", STRONG_PASSWORD)
    assert result.previous_username == "bobby"
    assert (await auth.current_account(alice_chat)).username == "alice"


class CountingHasher(PasswordHasher):
    """The real bcrypt hasher, counting the checks that reach bcrypt."""

    def __init__(self, rounds: int) -> None:
        super().__init__(rounds=rounds)
        self.checks = 0

    async def _bcrypt(self, func, *args):  # type: ignore[no-untyped-def, override]
        if func.__name__ == "checkpw":
            self.checks += 1
        return await super()._bcrypt(func, *args)


@pytest.fixture
async def counting(database: Database, auth_settings: AuthSettings, clock: FakeClock):  # type: ignore[no-untyped-def]
    hasher = CountingHasher(auth_settings.bcrypt_rounds)
    await hasher.prepare()
    yield hasher, AuthService(database, hasher, auth_settings, clock)
    hasher.close()


async def test_unknown_user_and_wrong_password_each_cost_exactly_one_check(
    counting: tuple[CountingHasher, AuthService], alice_chat: ChatUser
) -> None:
    hasher, auth = counting
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    for username in ("alice", "nobody"):
        before = hasher.checks
        with pytest.raises(InvalidCredentials):
            await auth.login(alice_chat, username, "wrong password here")
        assert hasher.checks - before == 1, username


async def test_too_long_password_is_wrong_at_one_checks_cost_and_refused_at_registration(
    counting: tuple[CountingHasher, AuthService], alice_chat: ChatUser
) -> None:
    """Long passwords cost one check like any other: an imported account may have one
    (see test_importing_login), so a cheap refusal would tell which accounts are not."""
    hasher, auth = counting
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    for username in ("alice", "nobody"):
        before = hasher.checks
        with pytest.raises(InvalidCredentials):
            await auth.login(alice_chat, username, STRONG_PASSWORD + "x" * 60)
        assert hasher.checks - before == 1, username
    before = hasher.checks
    with pytest.raises(ValidationError, match="72 bytes"):
        await auth.register(alice_chat, "other", "y" * 80)
    assert hasher.checks == before


async def test_weaker_hash_is_upgraded_at_next_login(
    database: Database, auth_settings: AuthSettings, clock: FakeClock, alice_chat: ChatUser
) -> None:
    weak = PasswordHasher(rounds=4)
    strong = PasswordHasher(rounds=5)
    try:
        await AuthService(database, weak, auth_settings, clock).register(
            alice_chat, "alice", STRONG_PASSWORD
        )
        upgraded = AuthService(database, strong, auth_settings, clock)
        await upgraded.login(alice_chat, "alice", STRONG_PASSWORD)
        from bot.repositories.accounts import AccountRepository

        async with database.read() as session:
            account = await AccountRepository(session).get_by_key("alice")
        assert account is not None and account.password_hash.startswith("$2b$05$")
        assert await strong.verify(STRONG_PASSWORD, account.password_hash) == Verification(ok=True)
        await upgraded.login(alice_chat, "alice", STRONG_PASSWORD)  # still works afterwards
    finally:
        weak.close()
        strong.close()


async def test_failed_logins_are_throttled_per_account(
    auth: AuthService, clock: FakeClock, alice_chat: ChatUser
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    attackers = [ChatUser("discord", str(2000 + n)) for n in range(6)]
    for attacker in attackers[:5]:
        with pytest.raises(InvalidCredentials):
            await auth.login(attacker, "alice", "guess number one")
    with pytest.raises(Throttled, match=r"Too many failed logins\. Try again in 15 minutes\."):
        await auth.login(attackers[5], "alice", STRONG_PASSWORD)  # even the right password
    clock.advance(minutes=15, seconds=1)
    assert (await auth.login(attackers[5], "alice", STRONG_PASSWORD)).account.username == "alice"


async def test_failed_logins_are_throttled_per_chat_user(
    auth: AuthService, clock: FakeClock, alice_chat: ChatUser
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    attacker = ChatUser("discord", "666")
    for n in range(5):
        with pytest.raises(InvalidCredentials):
            await auth.login(attacker, f"victim{n}", "guess number one")
    clock.advance(minutes=5)
    with pytest.raises(Throttled, match="Try again in 10 minutes"):
        await auth.login(attacker, "alice", STRONG_PASSWORD)
    await auth.login(alice_chat, "alice", STRONG_PASSWORD)  # others are unaffected


async def test_registrations_per_chat_user_are_bounded(
    auth: AuthService, clock: FakeClock, alice_chat: ChatUser
) -> None:
    for n in range(3):
        await auth.register(alice_chat, f"user{n}", STRONG_PASSWORD)
    with pytest.raises(Throttled, match="registered too many accounts today"):
        await auth.register(alice_chat, "user3", STRONG_PASSWORD)
    clock.advance(days=1, seconds=1)
    await auth.register(alice_chat, "user3", STRONG_PASSWORD)
    async with auth.db.read() as session:
        kept = await session.scalar(select(func.count()).select_from(RateEvent))
    assert kept == 1  # the three from yesterday were pruned, only today's remains


async def test_session_expires_when_idle_and_use_refreshes_it(
    auth: AuthService, clock: FakeClock, alice_chat: ChatUser
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    for _ in range(3):  # used every 6 days: never idle for 7
        clock.advance(days=6)
        assert (await auth.current_account(alice_chat)).username == "alice"
    clock.advance(days=7)
    with pytest.raises(NotLoggedIn, match="session has expired"):
        await auth.current_account(alice_chat)
    with pytest.raises(NotLoggedIn, match="not logged in"):
        await auth.current_account(alice_chat)  # the expired session is gone


async def test_session_has_an_absolute_limit(
    auth: AuthService, clock: FakeClock, alice_chat: ChatUser
) -> None:
    await auth.register(alice_chat, "alice", STRONG_PASSWORD)
    for _ in range(4):
        clock.advance(days=6)
        await auth.current_account(alice_chat)
    clock.advance(days=6, seconds=1)  # 30 days after login, though used 6 days ago
    with pytest.raises(NotLoggedIn, match="session has expired"):
        await auth.current_account(alice_chat)
