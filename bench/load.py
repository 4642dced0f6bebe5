"""Sending interactions through the double and timing the bot's answers.

Two times per interaction, both on the double's clock, from the moment the INTERACTION_CREATE
was built and sent: ``first`` when the bot's initial callback arrived (the defer, for
commands that defer) and ``final`` when the answer became visible (the follow-up that fills
a deferral, the type-4 message, or the modal). Completion is noticed in the double's request
recorder, not by polling, so a waiting driver adds nothing to the numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from discord_double import DiscordDouble, InteractionHandle, RecordedRequest

Judge = Callable[[InteractionHandle], bool]


@dataclass(eq=False)
class Probe:
    """One interaction in flight, and what became of it."""

    kind: str
    handle: InteractionHandle
    judge: Judge
    done: asyncio.Future[None]
    first: float | None = None
    final: float | None = None
    outcome: str = "pending"  # "ok", "error" (the bot answered something else), "timeout"
    detail: str = ""

    @property
    def sent_at(self) -> float:
        return self.handle.created_at

    @property
    def finished_at(self) -> float | None:
        return None if self.final is None else self.sent_at + self.final


@dataclass
class Tracker:
    """Hooks the double's request recorder; resolves probes as their answers arrive."""

    double: DiscordDouble
    probes: dict[str, Probe] = field(default_factory=dict)
    # Requests that arrived before their probe was registered (the send yielded first).
    early: dict[str, list[float]] = field(default_factory=dict)
    finished: list[Probe] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._original = self.double.record

        def record(request: RecordedRequest) -> None:
            self._original(request)
            self._on_request(request)

        self.double.record = record  # type: ignore[method-assign]

    def close(self) -> None:
        self.double.record = self._original  # type: ignore[method-assign]

    async def send(
        self,
        kind: str,
        judge: Judge,
        start: Callable[[], Awaitable[InteractionHandle]],
    ) -> Probe:
        handle = await start()
        loop = asyncio.get_running_loop()
        probe = Probe(kind, handle, judge, loop.create_future())
        self.probes[handle.token] = probe
        for at in self.early.pop(handle.token, []):
            self._check(probe, at)
        return probe

    def _on_request(self, request: RecordedRequest) -> None:
        # /interactions/{id}/{token}/callback and /webhooks/{app}/{token}[/...]
        parts = request.path.split("/", 4)
        if len(parts) < 4 or parts[1] not in ("interactions", "webhooks"):
            return
        probe = self.probes.get(parts[3])
        if probe is None:
            self.early.setdefault(parts[3], []).append(request.at)
            return
        self._check(probe, request.at)

    def _check(self, probe: Probe, at: float) -> None:
        handle = probe.handle
        if probe.first is None and handle.initial is not None:
            probe.first = handle.initial.elapsed
        if probe.done.done() or (handle.recorded_modal is None and not handle.messages):
            return
        probe.final = at - handle.created_at
        if probe.judge(handle):
            probe.outcome = "ok"
        else:
            probe.outcome = "error"
            shown = handle.messages[0].content if handle.messages else "?"
            probe.detail = shown[:120]
        self.probes.pop(handle.token, None)
        self.finished.append(probe)
        probe.done.set_result(None)

    async def settle(self, probes: list[Probe], timeout: float) -> None:
        """Wait for every probe's answer; the ones still silent after ``timeout`` time out."""
        pending = [p.done for p in probes if not p.done.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        for probe in probes:
            if not probe.done.done():
                probe.outcome = "timeout"
                self.probes.pop(probe.handle.token, None)
                probe.done.cancel()

    def forget_finished(self) -> None:
        """Drop finished probes between phases (the double bounds its own records)."""
        self.finished.clear()
        self.early.clear()
        gc.collect()  # here, between phases, never in the middle of one (see driver_gc_paused)


async def open_loop(
    rate: float,
    count: int,
    send_one: Callable[[int], Awaitable[Probe]],
    stop: asyncio.Event | None = None,
) -> list[Probe]:
    """Send ``count`` interactions at ``rate`` per second on a fixed schedule.

    Open loop: a slow answer never delays the next send (a closed loop would hide queueing,
    "coordinated omission"). If the driver itself falls behind, it catches up at once.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    probes: list[Probe] = []
    for index in range(count):
        if stop is not None and stop.is_set():
            break
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        probes.append(await send_one(index))
    return probes


@contextlib.contextmanager
def tracking(double: DiscordDouble) -> Iterator[Tracker]:
    tracker = Tracker(double)
    try:
        yield tracker
    finally:
        tracker.close()


@contextlib.contextmanager
def driver_gc_paused() -> Iterator[None]:
    """No automatic garbage collection in the driver while it measures.

    A full collection in this process (100+ ms with the double's records) would delay the
    double's answers to the bot and show up as bot latency; ``forget_finished`` collects
    between phases instead.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
