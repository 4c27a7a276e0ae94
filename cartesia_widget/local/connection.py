"""One TTS WebSocket connection: reading frames, validating them, dispatching to contexts.

Owns ``Connection`` (the frame loop, the contexts of the connection, sending events under
one lock, carrying out the injected faults its ``ConnectionFaults`` decide) and ``serve``,
which upgrades an accepted handshake and runs the connection to its end. Everything runs
on the server's asyncio loop: one task per connection plus one per context.
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
from .settings import parse_settings, require_transcript

__all__ = ["Connection", "has_version", "serve"]

log = logging.getLogger(__name__)
_MAX_MESSAGE = 16 * 1024 * 1024
_CTX_RE = re.compile(r'"context_id"\s*:\s*"((?:[^"\\]|\\.)*)"')


def has_version(request: web.Request) -> bool:
    """Whether the handshake names an API version (the query wins over the headers)."""
    versions = request.query.getall("cartesia_version", []) or request.headers.getall(
        "cartesia-version", []
    )
    return any(v.strip() for v in versions)


async def serve(
    request: web.Request, faults: ConnectionFaults, pacing: Pacing, live: MutableSet[Connection]
) -> web.WebSocketResponse:
    """Upgrade ``request`` to a WebSocket and serve it until it closes (listed in ``live``)."""
    transport = request.transport
    ws = web.WebSocketResponse(compress=False, max_msg_size=_MAX_MESSAGE, autoping=True)
    await ws.prepare(request)
    conn = Connection(ws, transport, faults, pacing)
    live.add(conn)
    try:
        await conn.run()
    finally:
        live.discard(conn)
    return ws


def extract_context_id(raw: str) -> str:
    """Best-effort context_id of a (possibly malformed) frame, or ``""``."""
    m = _CTX_RE.search(raw)
    if not m:
        return ""
    try:
        return str(json.loads(f'"{m.group(1)}"'))
    except ValueError:
        return m.group(1)


class Connection:
    """The contexts and the event stream of one WebSocket."""

    def __init__(
        self, ws: web.WebSocketResponse, transport: Any, faults: ConnectionFaults, pacing: Pacing
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.faults = faults
        self.pacing = pacing
        self.request_id = str(uuid.uuid4())
        self.contexts: dict[str, Context] = {}
        self.finished: set[str] = set()  # ids that may not be reused on this connection
        self.send_lock = asyncio.Lock()
        self.closed = False

    # ------------------------------------------------------------------ lifecycle
    async def run(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_text(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await self.send_error("", errors.binary_frame())
                else:
                    break
        finally:
            self._cancel_all()

    async def shutdown(self) -> None:
        self._cancel_all()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=1001, message=b"server shutdown"), 2)

    def _cancel_all(self) -> None:
        self.closed = True
        for ctx in list(self.contexts.values()):
            ctx.cancel()

    # ------------------------------------------------------------------ sending (Sink)
    async def send(self, event: dict[str, Any]) -> None:
        if self.closed or self.ws.closed:
            raise Stop
        data = json.dumps(event)
        try:
            async with self.send_lock:
                await self.ws.send_str(data)
        except (ConnectionError, RuntimeError) as exc:
            self.closed = True
            raise Stop from exc

    async def send_error(self, context_id: str, err: ProtocolError) -> None:
        event = error_event(context_id, err)
        event["request_id"] = self.request_id
        with contextlib.suppress(Stop):
            await self.send(event)

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
                asyncio.get_running_loop().create_task(self._close(self.faults.close_code))
        raise Stop

    def _drop(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    async def _close(self, code: int) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code, message=b"fault injection"), 5)

    def context_finished(self, context: Context) -> None:
        if self.contexts.get(context.context_id) is context:
            del self.contexts[context.context_id]
        self.finished.add(context.context_id)

    # ------------------------------------------------------------------ receiving
    async def _on_text(self, raw: str) -> None:
        try:
            await self._handle(raw)
        except Stop:
            pass
        except Exception:  # never let one frame kill the connection
            log.exception("local TTS server: error handling a frame")

    async def _handle(self, raw: str) -> None:
        parsed = await self._parse(raw)
        if parsed is None:
            return
        req, ctx_id = parsed
        if req.get("cancel"):
            self._drop_context(ctx_id)
            return
        transcript = req.get("transcript")
        cont = bool(req.get("continue", False))
        flush = bool(req.get("flush", False))
        only_ends = transcript in ("", None) and not cont and not flush
        ctx = await self._context_for(ctx_id, req, only_ends)
        if ctx is not None:
            ctx.feed(transcript, cont, flush)

    async def _context_for(
        self, ctx_id: str, req: dict[str, Any], only_ends: bool
    ) -> Context | None:
        """The open context a frame feeds (a first frame starts it), or ``None`` to ignore it.

        ``only_ends``: the frame just ends its context (``no_more_inputs()``), which is
        harmless to repeat on a completed context.
        """
        ctx = self.contexts.get(ctx_id)
        if ctx is not None and not ctx.input_closed:
            if isinstance(req.get("transcript"), str):
                return ctx
            await self.send_error(ctx_id, errors.missing_transcript())
            self._drop_context(ctx_id)
            return None
        if ctx is not None or ctx_id in self.finished:
            if not only_ends:
                await self.send_error(ctx_id, errors.context_completed(ctx_id))
            return None
        return await self._open_context(ctx_id, req)

    async def _parse(self, raw: str) -> tuple[dict[str, Any], str] | None:
        """The request object of a text frame and its context_id; ``None`` (error sent)."""
        try:
            req = json.loads(raw)
        except ValueError:
            await self.send_error(extract_context_id(raw), errors.malformed_frame())
            return None
        if not isinstance(req, dict):
            err = errors.frame_not_object()
        elif not isinstance(req.get("context_id"), str) or not req["context_id"]:
            err = errors.missing_context_id()
        else:
            return req, req["context_id"]
        await self.send_error("", err)
        return None

    async def _open_context(self, ctx_id: str, req: dict[str, Any]) -> Context | None:
        """Start a context for the first frame ``req``; ``None`` (error sent) if invalid."""
        try:
            settings = parse_settings(req, websocket=True)
            require_transcript(req.get("transcript"))
        except ProtocolError as err:
            await self.send_error(ctx_id, err)
            return None
        ctx = Context(self, ctx_id, settings, self.pacing)
        self.contexts[ctx_id] = ctx
        ctx.start()
        return ctx

    def _drop_context(self, ctx_id: str) -> None:
        ctx = self.contexts.pop(ctx_id, None)
        if ctx is not None:
            ctx.cancel()
        self.finished.add(ctx_id)
