"""Password hashing and password rules.

bcrypt costs a quarter of a second at cost 12: it always runs in a bounded pool of worker
threads (bcrypt releases the GIL), never on the event loop, so a burst of logins queues
instead of freezing every other command.

Stored hashes come in four kinds, told apart by their start, never by guessing:
- ``$2b$...``: bcrypt of the password (every account registered here);
- ``werkzeug$`` + a werkzeug hash: imported from Flaskr or the Mega-Tutorial, checked with
  werkzeug's own ``check_password_hash`` and replaced by bcrypt at the first good login;
- ``bcrypt-sha256$`` + bcrypt of base64(HMAC-SHA-256(password)): an imported password longer
  than bcrypt's 72 bytes, once it has logged in (see ``prehash``);
- ``locked$`` + why: an imported account whose old hash cannot be checked; never matches.
A werkzeug hash is never handed to bcrypt, nor a bcrypt hash to werkzeug.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import hashlib
import hmac
import os
import re
import sys
import threading
import unicodedata
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import bcrypt

from bot.domain.errors import ValidationError
from bot.telemetry import HASH_QUEUE, HASH_SECONDS

T = TypeVar("T")

BCRYPT_MAX_BYTES = 72  # bcrypt ignores (bcrypt 5: refuses) anything past 72 bytes
WORKER_NICENESS = 19  # the lowest priority: hashing waits for anything interactive

WERKZEUG_MARKER = "werkzeug$"
PREHASHED_MARKER = "bcrypt-sha256$"
LOCKED_MARKER = "locked$"
# The key only separates these digests from plain SHA-256 ones leaked elsewhere, so a
# stolen table cannot be tested against someone's unsalted SHA-256 from another breach.
_PREHASH_KEY = b"discord-microblog bcrypt-sha256 v1"
# What werkzeug 3's check_password_hash can verify: pbkdf2 with any hashlib digest (with or
# without an iteration count) and scrypt with its n:r:p. The older "sha1$salt$hash" and
# "plain$$..." forms (werkzeug < 2.3) are not among them.
_WERKZEUG_HASH = re.compile(
    r"^(pbkdf2:[a-z0-9_]+(:[1-9][0-9]{0,9})?|scrypt:[1-9][0-9]{0,9}:[1-9][0-9]{0,3}:[1-9][0-9]{0,3})"
    r"\$[^$]{1,128}\$[0-9a-f]{16,256}$"
)
_BCRYPT_HASH = re.compile(r"^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$")


def is_werkzeug_hash(value: str) -> bool:
    """Whether werkzeug's check_password_hash can verify ``value`` (an unmarked hash)."""
    return _WERKZEUG_HASH.match(value) is not None


def prehash(password: str) -> bytes:
    """44 ASCII bytes that stand for a password of any length before bcrypt.

    HMAC-SHA-256 then base64: a raw digest could hold a NUL byte, where bcrypt stops.
    """
    digest = hmac.new(_PREHASH_KEY, password.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


class PasswordHasher:
    """bcrypt in a bounded thread pool; the pool size is the bound on concurrent hashes."""

    def __init__(self, rounds: int = 12, concurrency: int | None = None) -> None:
        self.rounds = rounds
        workers = concurrency or max(1, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="bcrypt", initializer=_yield_to_commands
        )
        self._dummy_hash: bytes | None = None
        self._turns = asyncio.Semaphore(workers)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait until a worker is free before starting work that will need one.

        Fifty logins at once otherwise all run their database reads first, ahead of every
        other command (a /feed waited 300 ms for a pooled connection), only to queue for
        the workers anyway. Taking turns spreads those reads out at hashing speed.
        """
        async with self._turns:
            yield

    async def hash(self, password: str) -> str:
        hashed = await self._bcrypt(bcrypt.hashpw, password.encode(), bcrypt.gensalt(self.rounds))
        return hashed.decode("ascii")

    async def rehash(self, password: str) -> str:
        """The bcrypt hash that replaces an imported one, for a password of any length.

        Up to 72 bytes: plain bcrypt, like every registration. Longer (the old apps had no
        limit): bcrypt of the password's ``prehash``, marked, so it is never cut.
        """
        if _checkable(password) is not None:
            return await self.hash(password)
        hashed = await self._bcrypt(bcrypt.hashpw, prehash(password), bcrypt.gensalt(self.rounds))
        return PREHASHED_MARKER + hashed.decode("ascii")

    async def verify(self, password: str, hashed: str) -> Verification:
        """Exactly one check, whatever the stored kind or the password's length.

        Verification comes before any length rule: an imported password may be longer
        than registration allows, and must still work.
        """
        if hashed.startswith(WERKZEUG_MARKER):
            inner = hashed.removeprefix(WERKZEUG_MARKER)
            if not is_werkzeug_hash(inner) or not _encodable(password):
                await self.burn(password)
                return Verification(ok=False)
            ok = await self._bcrypt(_werkzeug_check, inner, password)
            return Verification(ok=ok, needs_rehash=ok)
        if hashed.startswith(PREHASHED_MARKER):
            inner = hashed.removeprefix(PREHASHED_MARKER)
            if _BCRYPT_HASH.match(inner) is None or not _encodable(password):
                await self.burn(password)
                return Verification(ok=False)
            ok = await self._bcrypt(bcrypt.checkpw, prehash(password), inner.encode("ascii"))
            return Verification(ok=ok, needs_rehash=ok and self._cost(inner) < self.rounds)
        encoded = _checkable(password)
        if encoded is None or _BCRYPT_HASH.match(hashed) is None:
            # Too long for any plain bcrypt account, or a stored value that is no bcrypt
            # hash (locked, or an unmarked werkzeug hash): wrong, at one check's cost.
            await self.burn(password)
            return Verification(ok=False)
        ok = await self._bcrypt(bcrypt.checkpw, encoded, hashed.encode("ascii"))
        return Verification(ok=ok, needs_rehash=ok and self._cost(hashed) < self.rounds)

    async def burn(self, password: str) -> None:
        """Spend one check's time for an unknown user, so timing does not reveal existence."""
        encoded = _checkable(password)
        if encoded is None:
            # Long passwords cost one check too: an imported account may have one.
            encoded = prehash(password) if _encodable(password) else b"unencodable"
        await self.prepare()
        assert self._dummy_hash is not None
        await self._bcrypt(bcrypt.checkpw, encoded, self._dummy_hash)

    async def prepare(self) -> None:
        """Make the dummy hash at the configured cost (at start-up, so no login pays for it)."""
        if self._dummy_hash is None:
            self._dummy_hash = await self._run(bcrypt.hashpw, b"dummy", bcrypt.gensalt(self.rounds))

    async def strength(self, password: str, user_inputs: list[str]) -> int:
        """zxcvbn score 0-4; pure Python, tens of ms on long inputs, so also off the loop."""
        result = await self._run(_zxcvbn, password, user_inputs)
        return int(result["score"])

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    async def _run(self, func: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    async def _bcrypt(self, func: Callable[..., T], *args: object) -> T:
        """A bcrypt call in the pool, counted in the queue gauge and timed in its worker."""
        HASH_QUEUE.inc()
        try:
            return await self._run(_timed, func, *args)
        finally:
            HASH_QUEUE.dec()

    @staticmethod
    def _cost(hashed: str) -> int:
        # "$2b$12$..." -> 12; anything unparsable counts as weakest so it gets upgraded.
        try:
            return int(hashed.split("$")[2])
        except (IndexError, ValueError):
            return 0


def _yield_to_commands() -> None:
    """Lower this worker thread's CPU priority (Linux: nice is per thread).

    A burst of logins keeps every core hashing; at normal priority the event loop and the
    database threads then wait for the scheduler at each wake-up, and a 10 ms /feed took
    half a second. At nice 19 they preempt the hashing whenever they have work; logins
    still run at full speed when nothing else wants the CPU.
    """
    if sys.platform == "linux":  # elsewhere the id is not a thread's, so leave it alone
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)


def _checkable(password: str) -> bytes | None:
    """The bytes bcrypt would check, or None for what no registration can have produced."""
    try:
        encoded = password.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a hostile payload
        return None
    return encoded if len(encoded) <= BCRYPT_MAX_BYTES else None


def _encodable(password: str) -> bool:
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _werkzeug_check(stored: str, password: str) -> bool:
    """werkzeug's own check, in a worker; only for hashes of a form it can verify."""
    # Imported here, in the worker, and only when an imported hash is checked: werkzeug
    # brings its whole package with it.
    from werkzeug.security import check_password_hash

    try:
        return check_password_hash(stored, password)
    except ValueError:  # e.g. an unknown pbkdf2 digest name
        return False


def check_password_shape(password: str, min_bytes: int) -> None:
    """Length in UTF-8 bytes (what bcrypt sees) and no control characters; never truncated."""
    if not password:
        raise ValidationError("password", "Password is required.")
    size = len(password.encode("utf-8", errors="surrogatepass"))
    if size < min_bytes:
        raise ValidationError(
            "password", "Passwords need at least {min_bytes} bytes.", min_bytes=min_bytes
        )
    if size > BCRYPT_MAX_BYTES:
        raise ValidationError(
            "password",
            "Passwords can be at most {max_bytes} bytes (UTF-8); yours is {size}. "
            "Nothing is cut off silently, so please choose a shorter one.",
            max_bytes=BCRYPT_MAX_BYTES,
            size=size,
        )
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in password):
        raise ValidationError("password", "Passwords cannot contain control characters.")


def _timed(func: Callable[..., T], *args: object) -> T:
    """Runs in the worker: the histogram sees the hash itself, not the wait for a worker."""
    with HASH_SECONDS.time():
        return func(*args)


def _zxcvbn(password: str, user_inputs: list[str]) -> dict[str, object]:
    """zxcvbn, imported on first use in the hashing thread: its dictionaries hold 11 MiB
    that a bot nobody registers with or changes a password on never needs."""
    if "zxcvbn" not in sys.modules:
        import zxcvbn  # lazy: see the docstring

        # Its dictionaries stay for good: keep full collections off them, as the start-up
        # heap is kept (bot/ops/runner.py), or each one would stall the loop for tens of ms.
        gc.freeze()
    import zxcvbn  # already loaded: a dictionary lookup

    return zxcvbn.zxcvbn(password, user_inputs)  # type: ignore[no-any-return]
