"""Waiting for the bot to do something, without sleeps.

Every state change in the double calls ``Notifier.notify()``; a waiter re-checks its predicate
then, so a test resumes the moment the awaited request arrives, and a timeout says what the
double did see instead of a bare ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DoubleTimeout(AssertionError, TimeoutError):
    """The bot did not do what the test waited for; the message lists what it did instead.

    It is an AssertionError (pytest shows it as a failed expectation) and a TimeoutError (code
    that catches timeouts keeps working).
    """


class Notifier:
    """Wakes every waiter on each change; waiters re-evaluate their own predicates."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float,
        what: str,
        describe: Callable[[], str] = lambda: "",
    ) -> T:
        """Return the first non-None value of ``predicate()``; DoubleTimeout after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                details = describe()
                suffix = f"\n{details}" if details else ""
                raise DoubleTimeout(f"timed out after {timeout:g}s waiting for {what}{suffix}")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._waiters.discard(waiter)
                if not waiter.done():
                    waiter.cancel()
