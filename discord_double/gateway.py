"""The gateway: HELLO, heartbeats, IDENTIFY/READY, RESUME replay, sharding, and test controls.

Each IDENTIFY opens a session with its own sequence numbers and a buffer of its newest
dispatches (``World.history`` of them). Dispatches go to the session whose shard owns the
guild and are buffered first, sent second: an event dispatched while the socket is down waits
in the buffer, and a RESUME replays every frame after the client's last sequence, which is how
Discord loses nothing across a drop. A RESUME that needs a frame the buffer has already let
go of is refused (op 9, a fresh IDENTIFY follows), as Discord refuses one it can no longer
serve; so is a live socket that falls that far behind.
Frames are plain-text JSON (discord.py decompresses only binary frames), so ``compress=``
in the query string is accepted and ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .payloads import guild_create_payload, member_payload, user_payload
from .records import INTENT_MESSAGE_CONTENT, IdentifyRecord
from .state import World

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12

#: Close codes Discord uses for an undecodable frame / a bad token / a bad shard.
DECODE_ERROR = 4002
AUTHENTICATION_FAILED = 4004
INVALID_SHARD = 4010


def control(op: int, data: Any = None) -> str:
    """A frame outside the dispatch sequence (HELLO, ACK, RECONNECT, INVALID SESSION...)."""
    return json.dumps({"op": op, "d": data, "s": None, "t": None})


@dataclass(eq=False)
class GatewaySession:
    """One identified session: survives socket drops until invalidated or replaced."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    frames: deque[dict[str, Any]] = field(default_factory=deque)
    seq: int = 0
    sent_seq: int = 0
    ready_seq: int = 0
    ws: web.WebSocketResponse | None = None
    alive: bool = True
    resumes: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def ready_delivered(self) -> bool:
        """READY and every GUILD_CREATE have been written to a socket."""
        return self.alive and self.ready_seq > 0 and self.sent_seq >= self.ready_seq

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    def frames_after(self, seq: int) -> list[dict[str, Any]] | None:
        """The buffered frames after ``seq``, oldest first; None when the buffer has already
        let go of some of them, so they can no longer be delivered in order."""
        if seq >= self.seq:
            return []
        if not self.frames or self.frames[0]["s"] > seq + 1:
            return None
        # The frames wanted are the newest ones: walk back from the end, not over the buffer.
        newer = itertools.takewhile(lambda frame: frame["s"] > seq, reversed(self.frames))
        return list(newer)[::-1]

    def end(self) -> None:
        """No RESUME can continue this session any more, so its buffer goes too."""
        self.alive = False
        self.frames.clear()


@dataclass(frozen=True)
class GatewayEvent:
    """A line of the gateway log: what the client did and what the double answered."""

    kind: str  # CONNECT, IDENTIFY, RESUME, RESUMED, RESUME_REFUSED, DISCONNECT, ...
    session_id: str | None
    detail: dict[str, Any]
    at: float


class Gateway:
    """All gateway sessions and sockets of one double."""

    def __init__(self, world: World, *, heartbeat_interval_ms: int = 41_250) -> None:
        self.world = world
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.url = ""  # set by the server once bound
        self.sessions: dict[str, GatewaySession] = {}
        self.sockets: dict[web.WebSocketResponse, asyncio.BaseTransport | None] = {}
        self.identifies: list[IdentifyRecord] = []
        self.log: deque[GatewayEvent] = deque(maxlen=world.history)
        #: Every frame the clients sent (heartbeats included), newest ``history``.
        self.received: deque[dict[str, Any]] = deque(maxlen=world.history)
        self._server_closed: set[web.WebSocketResponse] = set()

    # -- bookkeeping ---------------------------------------------------------------------
    def _event(self, kind: str, session: GatewaySession | None, **detail: Any) -> None:
        self.log.append(
            GatewayEvent(kind, session.session_id if session else None, detail, self.world.now())
        )
        self.world.notifier.notify()

    def live_sessions(self) -> list[GatewaySession]:
        return [session for session in self.sessions.values() if session.alive]

    def ready_shards(self) -> set[int]:
        return {s.shard_id for s in self.live_sessions() if s.ready_delivered}

    def events(self, kind: str) -> list[GatewayEvent]:
        return [event for event in self.log if event.kind == kind]

    # -- dispatching ---------------------------------------------------------------------
    def _append(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        session.frames.append({"op": DISPATCH, "t": event, "s": session.seq, "d": data})

    async def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        intent: int = 0,
        redact: bool = False,
    ) -> list[GatewaySession]:
        """Buffer ``event`` for the owning shard(s) and send it if a socket is up.

        Buffering happens before the first await: once this coroutine has started, the event
        is in the session's buffer and will survive a drop. ``redact`` blanks message content
        for sessions without the MESSAGE_CONTENT intent, as Discord does for user messages.
        """
        targets = [
            session
            for session in self.live_sessions()
            if (intent == 0 or session.intents & intent)
            and ((guild_id or 0) >> 22) % max(session.shard_count, 1) == session.shard_id
        ]
        for session in targets:
            if redact and not session.intents & INTENT_MESSAGE_CONTENT:
                blank = {"content": "", "embeds": [], "attachments": [], "components": []}
                self._append(session, event, data | blank)
            else:
                self._append(session, event, data)
        for session in targets:
            await self._flush(session)
        self.world.notifier.notify()
        return targets

    async def _flush(self, session: GatewaySession) -> None:
        async with session.lock:
            while (ws := session.ws) is not None:
                pending = session.frames_after(session.sent_seq)
                if pending is None:
                    await self._lost_frames(session, ws)
                    break
                if not pending:
                    break
                for frame in pending:
                    try:
                        await ws.send_str(json.dumps(frame))
                    except (ConnectionError, RuntimeError):
                        log.debug("gateway socket of %s went away mid-flush", session.session_id)
                        if session.ws is ws:
                            session.ws = None
                        return
                    session.sent_seq = frame["s"]
        self.world.notifier.notify()

    async def _lost_frames(self, session: GatewaySession, ws: web.WebSocketResponse) -> None:
        """The socket fell more than ``history`` frames behind: like Discord with a client that
        cannot keep up, end the session (op 9, not resumable); the client IDENTIFYs anew."""
        self._event("SESSION_LOST", session, sent_seq=session.sent_seq, seq=session.seq)
        session.end()
        session.ws = None
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(control(INVALID_SESSION, False))

    # -- websocket handler ---------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.sockets[ws] = request.transport
        self._event("CONNECT", None, path=request.path, query=dict(request.query))
        session: GatewaySession | None = None
        try:
            await ws.send_str(control(HELLO, {"heartbeat_interval": self.heartbeat_interval_ms}))
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(message.data)
                except ValueError:
                    self._event("DECODE_ERROR", session)
                    await ws.close(code=DECODE_ERROR, message=b"Error while decoding payload.")
                    break
                self.received.append(payload)
                session = await self._on_frame(ws, payload, session)
        except ConnectionError:
            log.debug("gateway socket closed abruptly")
        finally:
            self.sockets.pop(ws, None)
            by_server = ws in self._server_closed
            self._server_closed.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                if not by_server and ws.close_code in (1000, 1001):
                    # Discord ends a session the client closes cleanly (the bot goes offline).
                    session.end()
            self._event("DISCONNECT", session, close_code=ws.close_code, by_server=by_server)
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, payload: dict[str, Any], session: GatewaySession | None
    ) -> GatewaySession | None:
        op = payload.get("op")
        data = payload.get("d")
        if op == HEARTBEAT:
            await ws.send_str(control(HEARTBEAT_ACK))
        elif op == IDENTIFY:
            return await self._identify(ws, data or {})
        elif op == RESUME:
            return await self._resume(ws, data or {})
        elif op == REQUEST_MEMBERS and session is not None:
            await self._members_chunk(session, data or {})
        elif op in (PRESENCE, VOICE_STATE):
            self._event("PRESENCE" if op == PRESENCE else "VOICE_STATE", session, d=data)
        else:
            self._event("UNKNOWN_OP", session, op=op)
        return session

    async def _identify(
        self, ws: web.WebSocketResponse, data: dict[str, Any]
    ) -> GatewaySession | None:
        if data.get("token") != self.world.token:
            self._event("IDENTIFY_REFUSED", None, reason="bad token")
            await ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return None
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            self._event("IDENTIFY_REFUSED", None, reason="invalid shard")
            await ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return None
        for old in self.live_sessions():
            if old.shard_id == shard_id:
                old.end()  # a fresh IDENTIFY for a shard replaces its old session
        bot_id = self.world.bot_user.id
        guilds = [
            guild
            for guild in self.world.guilds.values()
            if guild.shard_id(shard_count) == shard_id and guild.has_member(bot_id)
        ]
        history = self.world.history
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            shard_id=shard_id,
            shard_count=shard_count,
            intents=int(data.get("intents") or 0),
            # Never smaller than READY and its GUILD_CREATEs, written in one go below.
            frames=deque(maxlen=None if history is None else max(history, 1 + len(guilds))),
        )
        self.sessions[session.session_id] = session
        self.identifies.append(
            IdentifyRecord(
                session_id=session.session_id,
                shard=(shard_id, shard_count),
                intents=session.intents,
                properties=dict(data.get("properties") or {}),
                at=self.world.now(),
            )
        )
        self._event("IDENTIFY", session, shard=[shard_id, shard_count], intents=session.intents)
        bot = self.world.bot_user
        self._append(
            session,
            "READY",
            {
                "v": 10,
                "user": user_payload(bot) | {"verified": True, "mfa_enabled": False, "flags": 0},
                "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.url.rstrip("/") + "/resume",
                "shard": [shard_id, shard_count],
                "application": {"id": str(self.world.application_id), "flags": 1 << 23},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["local"],
                "user_settings": {},
                "_trace": ['["discord-double"]'],
            },
        )
        for guild in guilds:
            self._append(
                session,
                "GUILD_CREATE",
                guild_create_payload(guild, self.world.members_of(guild), bot),
            )
        session.ready_seq = session.seq
        session.ws = ws
        await self._flush(session)
        return session

    async def _resume(
        self, ws: web.WebSocketResponse, data: dict[str, Any]
    ) -> GatewaySession | None:
        session = self.sessions.get(str(data.get("session_id")))
        client_seq = int(data.get("seq") or 0)
        if session is None or not session.alive or data.get("token") != self.world.token:
            refused = "unknown or ended session, or a wrong token"
        elif session.frames_after(client_seq) is None:
            refused = "frames after its sequence are no longer buffered"
            session.end()
        else:
            refused = ""
        if refused:
            self._event("RESUME_REFUSED", session, seq=data.get("seq"), reason=refused)
            await ws.send_str(control(INVALID_SESSION, False))
            return None
        self._event("RESUME", session, seq=client_seq)
        previous = session.ws
        async with session.lock:
            session.ws = ws
            session.sent_seq = min(client_seq, session.seq)
        if previous is not None and previous is not ws and not previous.closed:
            await previous.close(code=4000)
        replayed = session.seq - session.sent_seq
        await self._flush(session)
        async with session.lock:
            if session.ws is ws:
                await ws.send_str(json.dumps({"op": DISPATCH, "t": "RESUMED", "s": None, "d": {}}))
        session.resumes += 1
        self._event("RESUMED", session, replayed=replayed)
        return session

    async def _members_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self.world.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [member_payload(user) for user in self.world.members_of(guild)],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self._append(session, "GUILD_MEMBERS_CHUNK", chunk)
        await self._flush(session)

    # -- test controls -------------------------------------------------------------------
    def _connected(self, shard_id: int | None) -> list[GatewaySession]:
        return [
            s
            for s in self.live_sessions()
            if s.connected and (shard_id is None or s.shard_id == shard_id)
        ]

    async def drop(self, *, shard_id: int | None = None, close_code: int | None = None) -> int:
        """Cut live sockets. ``close_code=None`` aborts the TCP connection with no close frame
        (what a network failure looks like); otherwise a close frame with that code is sent.
        Returns how many sockets were cut."""
        sessions = self._connected(shard_id)
        for session in sessions:
            ws = session.ws
            session.ws = None  # from here on, dispatches are buffered for the resume
            if ws is None:
                continue
            self._event("DROP", session, close_code=close_code)
            self._server_closed.add(ws)
            if close_code is None:
                transport = self.sockets.get(ws)
                if transport is not None:
                    transport.abort()
                else:
                    await ws.close(code=1006)
            else:
                await ws.close(code=close_code)
        return len(sessions)

    async def send_op(self, op: int, data: Any, *, shard_id: int | None = None) -> int:
        sessions = self._connected(shard_id)
        return await self._send_each(sessions, control(op, data), f"OP{op}", d=data)

    async def invalidate(self, *, resumable: bool, shard_id: int | None = None) -> int:
        sessions = self._connected(shard_id)
        for session in sessions:
            if not resumable:
                session.end()
        frame = control(INVALID_SESSION, resumable)
        return await self._send_each(sessions, frame, "INVALID_SESSION", resumable=resumable)

    async def _send_each(
        self, sessions: list[GatewaySession], frame: str, kind: str, **detail: Any
    ) -> int:
        for session in sessions:
            ws = session.ws
            if ws is None:
                continue
            async with session.lock:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.send_str(frame)
            self._event(kind, session, **detail)
        return len(sessions)

    async def close(self) -> None:
        """Close every socket (code 1001, going away) so no client task is left hanging."""
        for ws in list(self.sockets):
            self._server_closed.add(ws)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.close(code=1001, message=b"double shutting down")
