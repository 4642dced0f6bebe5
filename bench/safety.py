"""Trust and safety under load: /feed read by someone who blocked 1,000 accounts.

Every feed query leaves out the reader's blocks (both ways) and mutes (``visible_to`` in
bot/repositories/posts.py). This row shows what that costs at its worst that is still
plausible: the reader blocked the 1,000 most prolific of the 2,000 seeded authors, so most
of the newest posts are ones the page must skip. The reader registers and blocks through
the bot itself (/register, then /block one by one), once, before the first latency section.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from bench.load import Probe
from discord_double import InteractionHandle, User

if TYPE_CHECKING:
    from bench.scenarios import BackendBench

KIND = "feed_blocking"
LATENCY_COMMANDS = (KIND,)
BLOCKS = 1_000
PASSWORD = "Blocking-Reader-Quiet-Lantern-7"  # noqa: S105 (a made-up benchmark account)


def _feed_page(handle: InteractionHandle) -> bool:
    texts = handle.messages[0].texts if handle.messages else []
    return bool(texts) and texts[0] == "## Latest posts"


async def prepare(bench: BackendBench) -> None:
    """Register the blocking reader and block the most prolific authors (once)."""
    if getattr(bench, "blocking_reader", None) is not None:
        return
    double = bench.double
    reader = double.add_user("blocking_reader")
    opened = await double.send_slash(reader, "register")
    modal = await opened.modal(timeout=30)
    fields = {"username": "blocking.reader", "password": PASSWORD, "password_repeat": PASSWORD}
    welcome = await (await double.submit_modal(reader, modal, fields)).message(timeout=30)
    if not welcome.content.startswith("Welcome"):
        raise RuntimeError(f"the blocking reader could not register: {welcome.content}")
    blocked = bench.population.authors[: min(BLOCKS, len(bench.population.authors))]
    for name in blocked:
        answer = await (await double.send_slash(reader, "block", {"user": name})).message(30)
        if not answer.content.startswith("Blocked"):
            raise RuntimeError(f"/block {name}: {answer.content}")
    bench.blocking_reader = reader  # type: ignore[attr-defined]


def send(bench: BackendBench, kind: str, index: int) -> Awaitable[Probe]:
    reader: User = bench.blocking_reader  # type: ignore[attr-defined]
    return bench.tracker.send(kind, _feed_page, lambda: bench.double.send_slash(reader, "feed"))
