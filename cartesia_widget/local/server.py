"""``LocalServer``: an offline Cartesia-compatible TTS server (REST + WebSocket on one port).

Owns the server's lifecycle (a background thread running its own asyncio loop; ``start``
returns once the port listens, ``stop`` closes live connections and joins the thread), the
assembly of the aiohttp app (REST routes from ``rest``, ``/tts/websocket``), the
WebSocket handshake (injected refusal, API key, API version) and the idle timeouts (HTTP
keep-alive and request headers here, WebSockets in ``connection``). Its keyword arguments
build the ``Auth``, ``Pacing`` and ``Faults`` objects the other modules use. Also decides,
at start, which engine speaks the default voice (``default_engine``): the neural one when
it is wanted (``neural``, else ``CARTESIA_WIDGET_NEURAL`` is not 0) and loads, else
espeak-ng; the choice is logged in one line. ``start``/``stop`` run on the caller's
thread; everything else on the server's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import secrets
import threading
from collections.abc import Mapping
from typing import Any, TypeVar

from aiohttp import web

from . import errors, espeak
from .auth import Auth
from .connection import Connection, serve
from .context import Pacing
from .errors import ProtocolError, error_response
from .faults import Faults
from .neural import NeuralUnavailable
from .neural import available as neural_available
from .neural import warm_up as neural_warm_up
from .render import in_executor
from .rest import Rest
from .version import check_version

__all__ = ["LocalServer"]

log = logging.getLogger(__name__)
_MAX_BODY = 16 * 1024 * 1024
#: Set to 0 (or false/no/off) to keep the neural engine off: espeak-ng speaks every voice.
NEURAL_ENV = "CARTESIA_WIDGET_NEURAL"
#: Cartesia closes WebSockets idle for about five minutes.
DEFAULT_IDLE_TIMEOUT = 300.0
#: The longest an HTTP connection may wait for (the rest of) a request, keep-alive included.
HTTP_IDLE_TIMEOUT = 60.0
_K = TypeVar("_K")


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
        idle_timeout: close a WebSocket after this many seconds without a message while
            none of its contexts is open (code 1000), as Cartesia does after about five
            minutes; ``None`` never does. HTTP connections waiting for (the rest of) a
            request are closed after ``min(idle_timeout, 60)`` seconds.
        neural: speak the default (neural) voice with the neural engine (hibari); ``None``
            follows ``CARTESIA_WIDGET_NEURAL`` (on unless 0/false/no/off). When the engine
            is off, missing or fails to load, espeak-ng speaks it. ``default_engine`` says
            which does (``"neural"`` or ``"espeak"``; final once ``start`` returns).
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
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
        neural: bool | None = None,
    ) -> None:
        if idle_timeout is not None and not idle_timeout > 0:
            raise ValueError("idle_timeout must be > 0 seconds or None")
        if neural is None:
            neural = os.environ.get(NEURAL_ENV, "1").strip().lower() not in _OFF
        self.default_engine = "neural" if neural and neural_available() else "espeak"
        self.engine_note = ""  # why espeak-ng speaks the default voice
        if not neural:
            self.engine_note = f"the neural engine is turned off ({NEURAL_ENV}=0 or neural=False)"
        elif self.default_engine == "espeak":
            self.engine_note = "the hibari-tts package is not installed"
        knobs = dict(locals())  # the arguments by name: Pacing and Faults take theirs
        self.pacing = _from_knobs(Pacing, knobs, random=random.Random(seed))
        self.faults = _from_knobs(Faults, knobs)
        self.auth = Auth(api_key if api_key is not None else secrets.token_urlsafe(24))
        self.idle_timeout = idle_timeout
        self.host = "127.0.0.1"
        self.port = port
        self.connections_served = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._live: set[Connection] = set()

    @property
    def api_key(self) -> str:
        return self.auth.api_key

    @api_key.setter
    def api_key(self, value: str) -> None:
        self.auth.api_key = value

    @property
    def engine_line(self) -> str:
        """One line saying which engine speaks the default voice, and why."""
        if self.default_engine == "neural":
            return "default voice speaks with the neural engine (hibari, offline)"
        why = f" ({self.engine_note})" if self.engine_note else ""
        return f"default voice speaks with espeak-ng{why}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def websocket_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    # ------------------------------------------------------------------ caller's thread
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

    # ------------------------------------------------------------------ server thread
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
            _cancel_pending(loop)
            loop.close()

    async def _startup(self) -> None:
        await in_executor(espeak.warm_up)
        if self.default_engine == "neural":
            try:
                await in_executor(neural_warm_up)
            except NeuralUnavailable as exc:
                self.default_engine, self.engine_note = "espeak", str(exc)
        log.info("local TTS server: %s", self.engine_line)
        use_neural = self.default_engine == "neural"
        app = web.Application(client_max_size=_MAX_BODY)
        http_idle = min(self.idle_timeout or HTTP_IDLE_TIMEOUT, HTTP_IDLE_TIMEOUT)
        app.router.add_routes(Rest(self.auth, http_idle, use_neural).routes())
        app.router.add_get("/tts/websocket", self._websocket)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, keepalive_timeout=http_idle
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        conns = list(self._live)
        await asyncio.gather(*(c.shutdown() for c in conns), return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        faults = self.faults.for_connection(self.connections_served)
        self.connections_served += 1
        status = faults.handshake_status()
        if status:
            return errors.handshake_rejected(status)
        if not self.auth.authorized(request):
            return error_response(errors.unauthorized())
        try:
            check_version(request, required=True)
        except ProtocolError as err:
            return error_response(err)
        neural_on = self.default_engine == "neural"
        return await serve(request, faults, self.pacing, self._live, self.idle_timeout, neural_on)


_OFF = ("0", "false", "no", "off")


def _from_knobs(cls: type[_K], knobs: Mapping[str, Any], **extra: Any) -> _K:
    """A ``cls`` dataclass from the keyword arguments named like its fields, plus ``extra``."""
    names = [f.name for f in dataclasses.fields(cls) if f.name not in extra]
    return cls(**{name: knobs[name] for name in names}, **extra)


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the tasks left on the stopped ``loop`` and let them finish."""
    with contextlib.suppress(Exception):
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
