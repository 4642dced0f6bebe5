"""Password hashing and password rules.

bcrypt costs a quarter of a second at cost 12: it always runs in a bounded pool of worker
threads (bcrypt releases the GIL), never on the event loop, so a burst of logins queues
instead of freezing every other command.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import unicodedata
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import bcrypt
import zxcvbn

from bot.domain.errors import ValidationError
from bot.telemetry import HASH_QUEUE, HASH_SECONDS

T = TypeVar("T")

BCRYPT_MAX_BYTES = 72  # bcrypt ignores (bcrypt 5: refuses) anything past 72 bytes
WORKER_NICENESS = 19  # the lowest priority: hashing waits for anything interactive


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

    async def verify(self, password: str, hashed: str) -> Verification:
        encoded = _checkable(password)
        if encoded is None:
            return Verification(ok=False)  # could never have been registered: a wrong password
        ok = await self._bcrypt(bcrypt.checkpw, encoded, hashed.encode("ascii"))
        return Verification(ok=ok, needs_rehash=ok and self._cost(hashed) < self.rounds)

    async def burn(self, password: str) -> None:
        """Spend one check's time for an unknown user, so timing does not reveal existence."""
        encoded = _checkable(password)
        if encoded is None:
            return  # verify() never hashes these either, so both paths stay alike
        await self.prepare()
        assert self._dummy_hash is not None
        await self._bcrypt(bcrypt.checkpw, encoded, self._dummy_hash)

    async def prepare(self) -> None:
        """Make the dummy hash at the configured cost (at start-up, so no login pays for it)."""
        if self._dummy_hash is None:
            self._dummy_hash = await self._run(bcrypt.hashpw, b"dummy", bcrypt.gensalt(self.rounds))

    async def strength(self, password: str, user_inputs: list[str]) -> int:
        """zxcvbn score 0-4; pure Python, tens of ms on long inputs, so also off the loop."""
        result = await self._run(zxcvbn.zxcvbn, password, user_inputs)
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


def check_password_shape(password: str, min_bytes: int) -> None:
    """Length in UTF-8 bytes (what bcrypt sees) and no control characters; never truncated."""
    if not password:
        raise ValidationError("password", "Password is required.")
    size = len(password.encode("utf-8", errors="surrogatepass"))
    if size < min_bytes:
        raise ValidationError("password", f"Passwords need at least {min_bytes} bytes.")
    if size > BCRYPT_MAX_BYTES:
        raise ValidationError(
            "password",
            f"Passwords can be at most {BCRYPT_MAX_BYTES} bytes (UTF-8); yours is {size}. "
            "Nothing is cut off silently, so please choose a shorter one.",
        )
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in password):
        raise ValidationError("password", "Passwords cannot contain control characters.")


def _timed(func: Callable[..., T], *args: object) -> T:
    """Runs in the worker: the histogram sees the hash itself, not the wait for a worker."""
    with HASH_SECONDS.time():
        return func(*args)
