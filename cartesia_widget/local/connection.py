"""One TTS WebSocket connection: reading frames, validating them, dispatching to contexts.

Owns ``Connection`` (the frame loop, the contexts of the connection, sending events under
one lock, the idle timeout, carrying out the injected faults its ``ConnectionFaults``
decide) and ``serve``, which upgrades an accepted handshake and runs the connection to its
end. Everything runs on the server's asyncio loop: one task per connection plus one per
context; a large frame is parsed on the render executor. Every frame the server cannot use
gets an ``error`` event, and the connection carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import uuid
from collections.abc import MutableSet
from typing import Any

from aiohttp import WSMsgType, web

from . import errors
from .context import Context, Pacing, Stop
from .errors import ProtocolError, error_event
from .faults import ConnectionFaults, Fault
from .render import off_loop
from .settings import GenerationSettings, parse_flags, parse_settings, require_transcript

__all__ = ["Connection", "serve"]

log = logging.getLogger(__name__)
_MAX_MESSAGE = 16 * 1024 * 1024
MAX_CONTEXT_ID_CHARS = 256
_ID_WINDOW = 64 * 1024
_CTX_RE = re.compile(r'"context_id"\s*:\s*"((?:[^"\\]|\\.)*)"')


async def serve(
    request: web.Request,
    faults: ConnectionFaults,
    pacing: Pacing,
    live: MutableSet[Connection],
    idle_timeout: float | None = None,
    neural: bool = False,
) -> web.WebSocketResponse:
    """Upgrade ``request`` to a WebSocket and serve it until it closes (listed in ``live``;
    ``neural``: the server's neural engine is on)."""
    transport = request.transport
    ws = web.WebSocketResponse(compress=False, max_msg_size=_MAX_MESSAGE, autoping=True)
    await ws.prepare(request)
    conn = Connection(ws, transport, faults, pacing, idle_timeout, neural)
    live.add(conn)
    try:
        await conn.run()
    finally:
        live.discard(conn)
    return ws


def _first_frame_settings(req: dict[str, Any], neural: bool) -> GenerationSettings:
    """The settings of a context's first frame, whose transcript must be speakable."""
    settings = parse_settings(req, websocket=True, neural=neural)
    require_transcript(req.get("transcript"))
    return settings


def extract_context_id(raw: str) -> str:
    """Best-effort context_id of a (possibly malformed) frame, or ``""`` (only its first
    and last 64 KiB are searched)."""
    m = _CTX_RE.search(raw, 0, _ID_WINDOW) or _CTX_RE.search(raw, max(0, len(raw) - _ID_WINDOW))
    if not m:
        return ""
    try:
        return str(json.loads(f'"{m.group(1)}"'))
    except ValueError:
        return m.group(1)


class Connection:
    """The contexts and the event stream of one WebSocket.

    ``idle_timeout``: seconds without a frame while no context is open after which the
    connection is closed (code 1000); ``None`` never closes it. ``neural``: the neural
    voice may speak with the neural engine.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: Any,
        faults: ConnectionFaults,
        pacing: Pacing,
        idle_timeout: float | None = None,
        neural: bool = False,
    ) -> None:
        self.ws = ws
        self.neural = neural
        self.transport = transport
        self.faults = faults
        self.pacing = pacing
        self.idle_timeout = idle_timeout
        self.request_id = str(uuid.uuid4())
        self.contexts: dict[str, Context] = {}
        self.finished: set[str] = set()  # ids that may not be reused on this connection
        self.send_lock = asyncio.Lock()
        self.closed = False
        self._busy = False  # a frame is being handled
        self._idle_timer: asyncio.TimerHandle | None = None
        self._closer: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    async def run(self) -> None:
        self._arm_idle()
        try:
            async for msg in self.ws:
                self._busy = True
                if msg.type == WSMsgType.TEXT:
                    await self._on_text(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await self.send_error("", errors.binary_frame())
                else:
                    break
                self._busy = False
                self._arm_idle()
        finally:
            self._disarm_idle()
            self._cancel_all()

    async def shutdown(self) -> None:
        self._cancel_all()
        await self._close(1001, "server shutdown", timeout=2)
        # The loop stops next, so nothing left in the socket's buffer will ever be sent:
        # aiohttp may end a close by `transport.close()`, which waits for that buffer to
        # drain, and a client that reads nothing then waited forever for the end (seen once
        # under CPU load). A transport already closed ignores this.
        self._drop()

    def _cancel_all(self) -> None:
        self.closed = True
        for ctx in list(self.contexts.values()):
            ctx.cancel()

    def _arm_idle(self) -> None:
        """(Re)start the idle timer; it runs only while no context is open."""
        self._disarm_idle()
        if self.idle_timeout is not None and not self.contexts and not self.closed:
            loop = asyncio.get_running_loop()
            self._idle_timer = loop.call_later(self.idle_timeout, self._on_idle)

    def _disarm_idle(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _on_idle(self) -> None:
        self._idle_timer = None
        if self.contexts or self.closed or self._busy:
            return
        self.closed = True
        self._start_close(1000, f"idle for {self.idle_timeout:g} s with no open context")

    def _start_close(self, code: int, reason: str) -> None:
        self._closer = asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str, timeout: float = 5) -> None:
        """Close with ``code``; drop the TCP connection if the peer does not take the close
        (a client that reads nothing would otherwise hold it, and a server stop, forever)."""
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode()), timeout)
        except Exception:  # noqa: BLE001 - whatever failed, the connection must go
            self._drop()

    # ------------------------------------------------------------------ sending (Sink)
    async def send(self, event: dict[str, Any]) -> None:
        await self._send_data(json.dumps(event))

    async def send_error(self, context_id: str, err: ProtocolError) -> None:
        event = error_event(context_id, err)
        event["request_id"] = self.request_id
        with contextlib.suppress(Stop):
            # The context_id is the client's: encode a long one off the loop.
            await self._send_data(await off_loop(len(context_id), json.dumps, event))

    async def _send_data(self, data: str) -> None:
        if self.closed or self.ws.closed:
            raise Stop
        try:
            async with self.send_lock:
                # aiohttp's writers share one drain future while the socket is paused:
                # cancelling a task that awaits it (a context being cancelled) would cancel
                # it under every other writer. The shield keeps it out of reach.
                await asyncio.shield(self.ws.send_str(data))
        except (ConnectionError, RuntimeError) as exc:
            self.closed = True
            raise Stop from exc

    async def after_chunk(self, context_id: str) -> None:
        """Carry out the fault (if any) decided after a chunk of ``context_id`` went out."""
        fault = self.faults.after_chunk()
        if fault is Fault.NONE:
            return
        if fault is Fault.ERROR:
            await self.send_error(context_id, errors.injected_fault())
        else:
            self.closed = True
            if fault is Fault.DROP:
                self._drop()
            else:
                self._start_close(self.faults.close_code, "fault injection")
        raise Stop

    def _drop(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def context_finished(self, context: Context) -> None:
        if self.contexts.get(context.context_id) is context:
            del self.contexts[context.context_id]
        self.finished.add(context.context_id)
        if not self.contexts:
            self._arm_idle()

    # ------------------------------------------------------------------ receiving
    async def _on_text(self, raw: str) -> None:
        try:
            await self._handle(raw)
        except Stop:
            pass
        except Exception as exc:  # never let one frame kill the connection
            log.exception("local TTS server: error handling a frame")
            context_id = await off_loop(len(raw), extract_context_id, raw)
            await self.send_error(context_id, errors.frame_failed(exc))

    async def _handle(self, raw: str) -> None:
        parsed = await self._parse(raw)
        if parsed is None:
            return
        req, ctx_id = parsed
        try:
            flags = parse_flags(req)
        except ProtocolError as err:
            await self._reject(ctx_id, err)
            return
        if flags.cancel:
            self._drop_context(ctx_id)
            return
        transcript = req.get("transcript")
        only_ends = transcript in ("", None) and not flags.cont and not flags.flush
        ctx = await self._context_for(ctx_id, req, only_ends, len(raw))
        if ctx is not None:
            ctx.feed(transcript, flags.cont, flags.flush)

    async def _context_for(
        self, ctx_id: str, req: dict[str, Any], only_ends: bool, size: int
    ) -> Context | None:
        """The open context a frame feeds (a first frame starts it), or ``None`` to ignore it.

        ``only_ends``: the frame just ends its context (``no_more_inputs()``), which is
        harmless to repeat on a completed context. ``size``: the frame's length.
        """
        ctx = self.contexts.get(ctx_id)
        if ctx is not None and not ctx.input_closed:
            if isinstance(req.get("transcript"), str):
                return ctx
            await self._reject(ctx_id, errors.missing_transcript())
            return None
        if ctx is not None or ctx_id in self.finished:
            if not only_ends:
                await self.send_error(ctx_id, errors.context_completed(ctx_id))
            return None
        return await self._open_context(ctx_id, req, size)

    async def _parse(self, raw: str) -> tuple[dict[str, Any], str] | None:
        """The request object of a text frame and its context_id; ``None`` (error sent)."""
        try:
            req = await off_loop(len(raw), json.loads, raw)
        except (ValueError, RecursionError) as exc:
            deep = isinstance(exc, RecursionError)
            err = errors.json_too_deep() if deep else errors.malformed_frame()
            await self.send_error(await off_loop(len(raw), extract_context_id, raw), err)
            return None
        if not isinstance(req, dict):
            await self.send_error("", errors.frame_not_object())
        elif not isinstance(req.get("context_id"), str) or not req["context_id"]:
            await self.send_error("", errors.missing_context_id())
        elif len(req["context_id"]) > MAX_CONTEXT_ID_CHARS:
            err = errors.context_id_too_long(MAX_CONTEXT_ID_CHARS)
            await self.send_error(req["context_id"], err)
        else:
            return req, req["context_id"]
        return None

    async def _open_context(self, ctx_id: str, req: dict[str, Any], size: int) -> Context | None:
        """Start a context for the first frame ``req``; ``None`` (error sent) if invalid."""
        try:
            settings = await off_loop(size, _first_frame_settings, req, self.neural)
        except ProtocolError as err:
            await self.send_error(ctx_id, err)
            return None
        ctx = Context(self, ctx_id, settings, self.pacing)
        self.contexts[ctx_id] = ctx
        self._disarm_idle()
        ctx.start()
        return ctx

    async def _reject(self, ctx_id: str, err: ProtocolError) -> None:
        """Answer a frame with ``err``; a context open for input that it was for ends too."""
        await self.send_error(ctx_id, err)
        ctx = self.contexts.get(ctx_id)
        if ctx is not None and not ctx.input_closed:
            self._drop_context(ctx_id)

    def _drop_context(self, ctx_id: str) -> None:
        ctx = self.contexts.pop(ctx_id, None)
        if ctx is not None:
            ctx.cancel()
        self.finished.add(ctx_id)
