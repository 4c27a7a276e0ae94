"""aiohttp server speaking the Cartesia REST + TTS WebSocket protocol on one port.

``LocalServer`` runs the app on its own asyncio loop in a background thread.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import WSMsgType, web

from ..pcm import BYTES_PER_SAMPLE
from . import engine
from .audio import wav_header
from .protocol import (
    API_VERSION,
    GenerationSettings,
    ProtocolError,
    error_event,
    extract_context_id,
    parse_settings,
)
from .render import Rendered, Renderer
from .text import TextBuffer, is_speakable
from .voices import VOICES, find_voice

__all__ = ["LocalServer"]

log = logging.getLogger(__name__)
_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cartesia-local-tts")


class _Stop(Exception):
    """Stop a context quietly (cancelled, connection gone, injected fault)."""


def _empty_transcript_error() -> ProtocolError:
    return ProtocolError(
        400,
        "transcript_empty",
        "Transcript empty or contains only punctuation",
        "The first transcript of a context must contain at least one letter or digit. "
        "Push some text before no_more_inputs(), or send words with the first request.",
    )


class LocalServer:
    """Offline Cartesia-compatible TTS server (REST + WebSocket on one 127.0.0.1 port).

    Args:
        port: TCP port; ``0`` picks a free one.
        api_key: accepted API key; a random ``secrets.token_urlsafe`` key when ``None``.
        first_chunk_delay: seconds the first chunk of every context is held back
            (measured from the request that started the context).
        realtime_factor: pace chunks at this multiple of real time (``1.2`` = 1.2x);
            ``None`` sends as fast as possible.
        jitter: +/- seconds of uniform noise added to each send time (chunks are never
            reordered and never sent before the request arrived).
        chunk_duration: seconds of audio per ``chunk`` event (whole samples).
        close_after_chunks: close the WebSocket with ``close_code`` after N chunks.
        close_code: close code used by ``close_after_chunks`` (default 1011).
        reject_handshake_status: answer every WebSocket handshake with this HTTP status.
        error_after_chunks: after N chunks, send an ``error`` event (500) for the context
            being streamed and stop it.
        drop_after_chunks: after N chunks, drop the TCP connection without a close frame.
        fault_connections: the fault knobs above apply to the first N WebSocket connections
            only (``None`` = every connection), so a test can check recovery.
        seed: seed for the jitter random generator.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        api_key: str | None = None,
        first_chunk_delay: float = 0.0,
        realtime_factor: float | None = None,
        jitter: float = 0.0,
        chunk_duration: float = 0.04,
        close_after_chunks: int | None = None,
        close_code: int = 1011,
        reject_handshake_status: int | None = None,
        error_after_chunks: int | None = None,
        drop_after_chunks: int | None = None,
        fault_connections: int | None = None,
        seed: int | None = None,
    ) -> None:
        if chunk_duration <= 0:
            raise ValueError("chunk_duration must be > 0")
        if realtime_factor is not None and realtime_factor <= 0:
            raise ValueError("realtime_factor must be > 0 or None")
        self.host = "127.0.0.1"
        self.port = port
        self.api_key = api_key if api_key is not None else secrets.token_urlsafe(24)
        self.first_chunk_delay = first_chunk_delay
        self.realtime_factor = realtime_factor
        self.jitter = jitter
        self.chunk_duration = chunk_duration
        self.close_after_chunks = close_after_chunks
        self.close_code = close_code
        self.reject_handshake_status = reject_handshake_status
        self.error_after_chunks = error_after_chunks
        self.drop_after_chunks = drop_after_chunks
        self.fault_connections = fault_connections
        self.random = random.Random(seed)
        self.connections_served = 0
        self._tokens: dict[str, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._live: set[_Connection] = set()

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def websocket_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def start(self) -> LocalServer:
        """Start the server thread; returns once the port is listening."""
        if self._thread is not None:
            return self
        self._ready.clear()
        self._thread = threading.Thread(
            target=self._main, name="cartesia-local-server", daemon=True
        )
        self._thread.start()
        self._ready.wait(30)
        if self._startup_error is not None:
            self._thread.join(5)
            self._thread = None
            raise RuntimeError("local server failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        self._thread = None
        self._loop = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _startup(self) -> None:
        await asyncio.get_running_loop().run_in_executor(_EXECUTOR, engine.warm_up)
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/", self._status)
        app.router.add_get("/voices", self._list_voices)
        app.router.add_get("/voices/", self._list_voices)
        app.router.add_get("/voices/{voice_id}", self._get_voice)
        app.router.add_post("/tts/bytes", self._tts_bytes)
        app.router.add_post("/access-token", self._access_token)
        app.router.add_get("/tts/websocket", self._websocket)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        conns = list(self._live)
        await asyncio.gather(*(c.shutdown() for c in conns), return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ auth
    def _valid_key(self, key: str | None) -> bool:
        if not key:
            return False
        if secrets.compare_digest(key, self.api_key):
            return True
        expiry = self._tokens.get(key)
        return expiry is not None and expiry > time.time()

    def _authorized(self, request: web.Request) -> bool:
        candidates = []
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            candidates.append(auth[7:].strip())
        candidates.append(request.headers.get("X-API-Key"))
        candidates.append(request.query.get("api_key"))
        candidates.append(request.query.get("access_token"))
        return any(self._valid_key(c) for c in candidates)

    @staticmethod
    def _json_error(err: ProtocolError) -> web.Response:
        body = {"error": f"{err.title}: {err.message}", **err.to_json()}
        return web.json_response(body, status=err.status_code)

    def _unauthorized(self) -> web.Response:
        return self._json_error(
            ProtocolError(
                401,
                "unauthorized",
                "Invalid API key",
                "Send the local server's API key as 'Authorization: Bearer <key>' or "
                "'X-API-Key: <key>' (or ?api_key= / ?access_token= on the WebSocket).",
            )
        )

    # ------------------------------------------------------------------ REST
    async def _status(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        return web.json_response({"ok": True, "version": API_VERSION})

    async def _access_token(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        expires_in = 3600
        with contextlib.suppress(Exception):
            body = await request.json()
            if isinstance(body, dict) and isinstance(body.get("expires_in"), int):
                expires_in = max(1, min(3600, body["expires_in"]))
        token = "lt_" + secrets.token_urlsafe(24)
        now = time.time()
        self._tokens = {k: v for k, v in self._tokens.items() if v > now}
        self._tokens[token] = now + expires_in
        return web.json_response({"token": token})

    async def _list_voices(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        q = request.query
        try:
            limit = int(q.get("limit", "10"))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            return self._json_error(
                ProtocolError(400, "invalid_limit", "Invalid limit", "limit must be 1-100.")
            )
        order = {v.id: i for i, v in enumerate(VOICES)}
        voices = list(VOICES)
        text = (q.get("q") or "").strip().lower()
        if text:
            voices = [
                v
                for v in voices
                if text in v.name.lower()
                or text in v.description.lower()
                or text in v.language.lower()
                or text in v.locale.lower()
            ]
        gender = q.get("gender")
        if gender:
            voices = [v for v in voices if v.gender == gender]
        if q.get("is_owner", "").lower() == "true":
            voices = []
        after, before = q.get("starting_after"), q.get("ending_before")
        for cursor in (after, before):
            if cursor and cursor not in order:
                return self._json_error(
                    ProtocolError(
                        400,
                        "invalid_cursor",
                        "Invalid pagination cursor",
                        f"{cursor!r} is not a voice id; pass the id of a voice from a "
                        "previous page.",
                    )
                )
        if after:
            voices = [v for v in voices if order[v.id] > order[after]]
        if before:
            voices = [v for v in voices if order[v.id] < order[before]]
            page, has_more = voices[-limit:], len(voices) > limit
        else:
            page, has_more = voices[:limit], len(voices) > limit
        expand = "preview_file_url" in q.getall("expand[]", []) + q.getall("expand", [])
        return web.json_response(
            {
                "data": [v.to_json(expand_preview=expand) for v in page],
                "has_more": has_more,
                "next_page": page[-1].id if has_more and page else None,
            }
        )

    async def _get_voice(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        voice = find_voice(request.match_info["voice_id"])
        if voice is None:
            return self._json_error(
                ProtocolError(
                    404,
                    "voice_not_found",
                    "Voice not found",
                    f"No voice with id {request.match_info['voice_id']!r}; list voices with "
                    "GET /voices.",
                )
            )
        return web.json_response(voice.to_json())

    async def _tts_bytes(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return self._unauthorized()
        try:
            try:
                body = await request.json()
            except ValueError:
                raise ProtocolError(
                    400, "invalid_json", "Malformed JSON", "The request body must be JSON."
                ) from None
            if not isinstance(body, dict):
                raise ProtocolError(400, "invalid_json", "Malformed JSON", "Send a JSON object.")
            settings = parse_settings(body, websocket=False)
            transcript = body.get("transcript")
            if not isinstance(transcript, str) or not is_speakable(transcript):
                raise _empty_transcript_error()
        except ProtocolError as err:
            return self._json_error(err)
        buf = TextBuffer()
        buf.add(transcript)
        segments = buf.take_all()
        renderer = Renderer(settings)
        loop = asyncio.get_running_loop()
        ctype = {"wav": "audio/wav"}.get(settings.container, "application/octet-stream")
        if settings.container == "wav":
            parts: list[bytes] = []
            n = 0
            for seg in segments:
                r = await loop.run_in_executor(_EXECUTOR, renderer.render, seg)
                parts.append(r.audio)
                n += r.n_samples
            tail = renderer.flush()
            parts.append(tail.audio)
            n += tail.n_samples
            header = wav_header(settings.encoding, settings.sample_rate, n)
            return web.Response(body=header + b"".join(parts), content_type=ctype)
        resp = web.StreamResponse(headers={"Content-Type": ctype})
        await resp.prepare(request)
        for seg in segments:
            r = await loop.run_in_executor(_EXECUTOR, renderer.render, seg)
            await resp.write(r.audio)
        await resp.write(renderer.flush().audio)
        await resp.write_eof()
        return resp

    # ------------------------------------------------------------------ WebSocket
    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        index = self.connections_served
        self.connections_served += 1
        faulty = self.fault_connections is None or index < self.fault_connections
        if faulty and self.reject_handshake_status:
            return web.json_response(
                {"error": "handshake rejected (fault injection)"},
                status=self.reject_handshake_status,
            )
        if not self._authorized(request):
            return self._unauthorized()
        versions = request.query.getall("cartesia_version", []) or request.headers.getall(
            "cartesia-version", []
        )
        if not any(v.strip() for v in versions):
            return self._json_error(
                ProtocolError(
                    400,
                    "missing_version",
                    "Missing API version",
                    "Send the 'Cartesia-Version' header or the ?cartesia_version= query "
                    f"parameter (e.g. {API_VERSION}).",
                )
            )
        transport = request.transport
        ws = web.WebSocketResponse(compress=False, max_msg_size=16 * 1024 * 1024, autoping=True)
        await ws.prepare(request)
        conn = _Connection(self, ws, transport, faulty)
        self._live.add(conn)
        try:
            await conn.run()
        finally:
            self._live.discard(conn)
        return ws


class _Connection:
    def __init__(
        self, server: LocalServer, ws: web.WebSocketResponse, transport: Any, faulty: bool
    ) -> None:
        self.server = server
        self.ws = ws
        self.transport = transport
        self.faulty = faulty
        self.request_id = str(uuid.uuid4())
        self.contexts: dict[str, _Context] = {}
        self.finished: set[str] = set()
        self.send_lock = asyncio.Lock()
        self.chunks_sent = 0
        self.error_injected = False
        self.closed = False

    async def run(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        await self.handle(msg.data)
                    except _Stop:
                        pass
                    except Exception:  # never let one frame kill the connection
                        log.exception("local TTS server: error handling a frame")
                elif msg.type == WSMsgType.BINARY:
                    await self.send_error(
                        "",
                        ProtocolError(
                            400,
                            "invalid_message",
                            "Binary frames are not supported",
                            "Send generation requests as JSON text frames.",
                        ),
                    )
                else:
                    break
        finally:
            self.closed = True
            for ctx in list(self.contexts.values()):
                ctx.cancel()

    async def shutdown(self) -> None:
        self.closed = True
        for ctx in list(self.contexts.values()):
            ctx.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=1001, message=b"server shutdown"), 2)

    # -- sending
    async def send(self, event: dict[str, Any]) -> None:
        if self.closed or self.ws.closed:
            raise _Stop
        data = json.dumps(event)
        try:
            async with self.send_lock:
                await self.ws.send_str(data)
        except (ConnectionError, RuntimeError) as exc:
            self.closed = True
            raise _Stop from exc

    async def send_error(self, context_id: str, err: ProtocolError) -> None:
        event = error_event(context_id, err)
        event["request_id"] = self.request_id
        with contextlib.suppress(_Stop):
            await self.send(event)

    async def after_chunk(self, ctx: _Context) -> None:
        """Apply the fault-injection knobs after a chunk went out."""
        self.chunks_sent += 1
        if not self.faulty:
            return
        srv, n = self.server, self.chunks_sent
        if srv.drop_after_chunks is not None and n >= srv.drop_after_chunks:
            self.closed = True
            if self.transport is not None:
                self.transport.abort()
            raise _Stop
        if srv.close_after_chunks is not None and n >= srv.close_after_chunks:
            self.closed = True
            asyncio.get_running_loop().create_task(self._close(srv.close_code))
            raise _Stop
        limit = srv.error_after_chunks
        if limit is not None and n >= limit and not self.error_injected:
            self.error_injected = True
            await self.send_error(
                ctx.context_id,
                ProtocolError(
                    500,
                    "injected_fault",
                    "Injected server error",
                    "The local server injected this error (error_after_chunks); "
                    "open a new context to continue.",
                ),
            )
            raise _Stop

    async def _close(self, code: int) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code, message=b"fault injection"), 5)

    # -- receiving
    async def handle(self, raw: str) -> None:
        try:
            req = json.loads(raw)
        except ValueError:
            await self.send_error(
                extract_context_id(raw),
                ProtocolError(
                    400,
                    "invalid_json",
                    "Malformed JSON",
                    "The message is not valid JSON; send one JSON object per text frame.",
                ),
            )
            return
        if not isinstance(req, dict):
            await self.send_error(
                "",
                ProtocolError(
                    400, "invalid_message", "Invalid message", "Each frame must be a JSON object."
                ),
            )
            return
        ctx_id = req.get("context_id")
        if not isinstance(ctx_id, str) or not ctx_id:
            await self.send_error(
                "",
                ProtocolError(
                    400,
                    "missing_field",
                    "Missing required field",
                    "The request is missing context_id; every message needs a non-empty "
                    "string context_id.",
                ),
            )
            return
        if req.get("cancel"):
            ctx = self.contexts.pop(ctx_id, None)
            if ctx is not None:
                ctx.cancel()
            self.finished.add(ctx_id)
            return
        transcript = req.get("transcript")
        cont = bool(req.get("continue", False))
        flush = bool(req.get("flush", False))
        ctx = self.contexts.get(ctx_id)
        if ctx is None or ctx.input_closed:
            if ctx is not None or ctx_id in self.finished:
                if transcript in ("", None) and not cont and not flush:
                    return  # a repeated no_more_inputs(): harmless
                await self.send_error(
                    ctx_id,
                    ProtocolError(
                        400,
                        "context_completed",
                        "Context already completed",
                        f"Context {ctx_id!r} already received continue=false (or was "
                        "cancelled); start a new context with a new context_id.",
                    ),
                )
                return
            try:
                settings = parse_settings(req, websocket=True)
                if not is_speakable(transcript):
                    raise _empty_transcript_error()
            except ProtocolError as err:
                await self.send_error(ctx_id, err)
                return
            ctx = _Context(self, ctx_id, settings)
            self.contexts[ctx_id] = ctx
            ctx.start()
        elif not isinstance(transcript, str):
            await self.send_error(
                ctx_id,
                ProtocolError(
                    400,
                    "missing_field",
                    "Missing required field",
                    'Every message on a context needs a string transcript (use "" with '
                    "continue=false to end the context).",
                ),
            )
            self.drop_context(ctx_id)
            return
        ctx.feed(transcript, cont, flush)

    def drop_context(self, ctx_id: str) -> None:
        ctx = self.contexts.pop(ctx_id, None)
        if ctx is not None:
            ctx.cancel()
        self.finished.add(ctx_id)

    def context_finished(self, ctx: _Context) -> None:
        if self.contexts.get(ctx.context_id) is ctx:
            del self.contexts[ctx.context_id]
        self.finished.add(ctx.context_id)


class _Context:
    def __init__(self, conn: _Connection, context_id: str, settings: GenerationSettings) -> None:
        self.conn = conn
        self.server = conn.server
        self.context_id = context_id
        self.settings = settings
        self.renderer = Renderer(settings)
        self.buffer = TextBuffer()
        self.queue: asyncio.Queue[tuple[str, bool, bool, float]] = asyncio.Queue()
        self.input_closed = False
        self.cancelled = False
        self.flush_id = 1
        self.task: asyncio.Task[None] | None = None
        self.request_time = time.perf_counter()
        self.tail_since: float | None = None
        width = BYTES_PER_SAMPLE[settings.encoding]
        self.chunk_samples = max(1, round(self.server.chunk_duration * settings.sample_rate))
        self.chunk_bytes = self.chunk_samples * width
        self.width = width
        self.pending = bytearray()
        self.step_ms = 0.0
        self.first_sent = False
        self.sched: float | None = None
        self.last_send = 0.0

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    def feed(self, transcript: str, cont: bool, flush: bool) -> None:
        if not cont:
            self.input_closed = True
        self.queue.put_nowait((transcript, cont, flush, time.perf_counter()))

    def cancel(self) -> None:
        self.cancelled = True
        self.input_closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def _run(self) -> None:
        try:
            await self._loop()
        except (_Stop, asyncio.CancelledError):
            pass
        except Exception as exc:  # noqa: BLE001 - reported to the client
            log.exception("local TTS server: context %s failed", self.context_id)
            await self.conn.send_error(
                self.context_id,
                ProtocolError(500, "internal_error", "Internal error", f"Synthesis failed: {exc}"),
            )
        finally:
            self.conn.context_finished(self)

    async def _loop(self) -> None:
        delay = self.settings.max_buffer_delay_ms / 1000.0
        ended = False
        while not ended:
            timeout = None
            if self.tail_since is not None and is_speakable(self.buffer.pending):
                timeout = max(0.0, self.tail_since + delay - time.perf_counter())
            try:
                if timeout is None:
                    item = await self.queue.get()
                else:
                    item = await asyncio.wait_for(self.queue.get(), timeout)
            except asyncio.TimeoutError:
                await self._speak(self.buffer.take_all())
                self.tail_since = None
                await self._drain_audio()
                continue
            text, cont, flush, arrived = item
            if not self.buffer.pending and text:
                self.tail_since = arrived
            self.buffer.add(text)
            ended = not cont
            if flush or ended or delay == 0:
                segments = self.buffer.take_all()
            else:
                segments = self.buffer.take_complete()
            if not self.buffer.pending:
                self.tail_since = None
            await self._speak(segments)
            if flush:
                await self._drain_audio()
                await self.conn.send(
                    self._event(
                        type="flush_done", done=False, flush_done=True, flush_id=self.flush_id
                    )
                )
                self.flush_id += 1
            if ended or self.queue.empty():
                await self._drain_audio()
        await self.conn.send(self._event(type="done", done=True))

    def _event(self, **fields: Any) -> dict[str, Any]:
        return {"context_id": self.context_id, "status_code": 206, **fields}

    async def _speak(self, segments: list[str]) -> None:
        if not segments:
            return
        loop = asyncio.get_running_loop()

        def submit(seg: str) -> asyncio.Future[tuple[Rendered, float]]:
            def job() -> tuple[Rendered, float]:
                t0 = time.perf_counter()
                r = self.renderer.render(seg)
                return r, (time.perf_counter() - t0) * 1000.0

            return loop.run_in_executor(_EXECUTOR, job)

        fut = submit(segments[0])
        for i in range(len(segments)):
            rendered, ms = await fut
            if self.cancelled:
                raise _Stop
            self.step_ms = ms
            nxt: list[asyncio.Future[tuple[Rendered, float]]] = []

            def prefetch(i: int = i, nxt: list = nxt) -> None:
                # Render the next segment while this one streams (after its first chunk
                # left, so the prefetch does not delay time-to-first-audio).
                if i + 1 < len(segments) and not nxt:
                    nxt.append(submit(segments[i + 1]))

            await self._emit(rendered, prefetch)
            prefetch()
            if nxt:
                fut = nxt[0]

    async def _drain_audio(self) -> None:
        loop = asyncio.get_running_loop()
        rendered = await loop.run_in_executor(_EXECUTOR, self.renderer.flush)
        await self._emit(rendered)
        if self.pending:
            data = bytes(self.pending)
            self.pending.clear()
            await self._send_chunk(data)

    async def _emit(self, r: Rendered, after_first_chunk: Callable[[], None] | None = None) -> None:
        if r.words:
            await self.conn.send(
                self._event(
                    type="timestamps",
                    done=False,
                    flush_id=self.flush_id,
                    word_timestamps={"words": r.words, "start": r.word_start, "end": r.word_end},
                )
            )
        if r.phonemes:
            await self.conn.send(
                self._event(
                    type="phoneme_timestamps",
                    done=False,
                    flush_id=self.flush_id,
                    phoneme_timestamps={
                        "phonemes": r.phonemes,
                        "start": r.phoneme_start,
                        "end": r.phoneme_end,
                    },
                )
            )
        if not r.audio:
            return
        self.pending += r.audio
        cb = self.chunk_bytes
        n_full = len(self.pending) // cb
        if n_full == 0:
            return
        view = bytes(self.pending[: n_full * cb])
        del self.pending[: n_full * cb]
        for k in range(n_full):
            await self._send_chunk(view[k * cb : (k + 1) * cb])
            if k == 0 and after_first_chunk is not None:
                after_first_chunk()

    async def _send_chunk(self, data: bytes) -> None:
        if self.cancelled:
            raise _Stop
        srv = self.server
        now = time.perf_counter()
        duration = len(data) / self.width / self.settings.sample_rate
        earliest = max(self.request_time, self.last_send)
        if not self.first_sent and srv.first_chunk_delay > 0:
            earliest = max(earliest, self.request_time + srv.first_chunk_delay)
        base = now
        if srv.realtime_factor is not None and self.sched is not None:
            base = max(self.sched, now)
        target = base
        if srv.jitter:
            target += srv.random.uniform(-srv.jitter, srv.jitter)
        target = max(target, earliest)
        if target > now:
            await asyncio.sleep(target - now)
        if self.cancelled:
            raise _Stop
        event = self._event(
            type="chunk",
            data=base64.b64encode(data).decode("ascii"),
            done=False,
            step_time=round(self.step_ms, 3),
            flush_id=self.flush_id,
        )
        await self.conn.send(event)
        sent = time.perf_counter()
        self.last_send = sent
        if srv.realtime_factor is not None:
            start = sent if self.sched is None else base
            self.sched = start + duration / srv.realtime_factor
        self.first_sent = True
        await self.conn.after_chunk(self)
