"""The seam to the official `cartesia` SDK: the only module that imports it.

Everything the widget asks of the SDK goes through here: the REST client
(`rest_client`), the TTS WebSocket (`Connection`), how speech options become a
context's parameters (`context_params`), and which exceptions mean "the
connection is gone" (`is_connection_error`). The SDK's private attributes this
module relies on are listed in `PRIVATE_ATTRIBUTES`, and its private request
transform is called only by `Connection.warm`; tests/test_sdk_seam.py fails
loudly when an SDK upgrade removes one.

SDK 4.2.0 pitfalls handled here (../shared/notes/cartesia-protocol.md): the
WebSocket URL is always passed explicitly (otherwise the SDK forces wss);
loopback servers bypass proxy variables; events are read with
`recv_bytes`/`parse_event` and filtered by context id, because `ctx.receive()`
lets other contexts' `done` events end the stream; the SDK's own reconnect
reuses the dead socket, so a closed connection is replaced by a fresh one.

Threads: a `Connection` is used by one thread only (the streaming thread);
`close()` may be called from any thread to unblock it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import cartesia
from cartesia._utils import maybe_transform  # private: called only to warm it (`warm`)
from cartesia.types.websocket_client_event_param import WebsocketClientEventParam
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.protocol import State

from .config import Backend
from .deadline import Deadline
from .options import SpeechOptions

#: Private attributes of the SDK's `TTSResourceConnection` read here, and why.
PRIVATE_ATTRIBUTES = {
    "_connection": "the websockets connection, to tell whether the socket is still open",
    "_context_queues": "the per-context queues the SDK registers; we read the socket "
    "ourselves, so a finished context's queue is removed here",
}

#: How often a blocked receive wakes up to check for a stop request, seconds.
POLL_INTERVAL = 0.05
#: Seconds allowed for the WebSocket handshake.
OPEN_TIMEOUT = 10


class Stopped(Exception):
    """Raised inside the receive loop when the utterance was asked to stop."""


class NoReply(Exception):
    """The server owed a reply and sent nothing for the utterance's `timeout`."""


def list_voices(backend: Backend, query: str | None, limit: int) -> Iterator[Any]:
    """The backend's voices (SDK objects), up to `limit`; an unreachable or refusing
    server gets an error that names it and says what to check (never the key)."""
    kwargs: dict[str, Any] = {"limit": min(limit, 100)}
    if query:
        kwargs["q"] = query
    try:
        for count, voice in enumerate(rest_client(backend).voices.list(**kwargs), 1):
            yield voice
            if count >= limit:
                return
    except cartesia.APIConnectionError as exc:
        raise ConnectionError(
            f"Could not reach {backend.base_url} to list voices ({type(exc).__name__}). "
            "Check CARTESIA_BASE_URL (or configure(base_url=...)) and the network."
        ) from None
    except cartesia.APIStatusError as exc:
        raise ConnectionError(
            f"{backend.base_url} refused to list voices (HTTP {exc.status_code}). Check "
            "CARTESIA_API_KEY (or configure(api_key=...))."
        ) from None


def rest_client(backend: Backend) -> cartesia.Cartesia:
    """An SDK client for `backend`'s REST API (voices, …)."""
    return cartesia.Cartesia(
        api_key=backend.api_key,
        base_url=backend.base_url,
        websocket_base_url=backend.websocket_url,
        max_retries=1,
        http_client=cartesia.DefaultHttpxClient(trust_env=False) if backend.loopback else None,
    )


def context_params(options: SpeechOptions, voice: str) -> dict[str, Any]:
    """The keyword arguments of `conn.context()` that ask for `options` in `voice`."""
    generation = {
        key: options[key]  # type: ignore[literal-required]
        for key in ("speed", "volume", "emotion")
        if options[key] is not None  # type: ignore[literal-required]
    }
    return {
        "model_id": options["model"],
        "voice": voice,
        "output_format": {
            "container": "raw",
            "encoding": options["encoding"],
            "sample_rate": options["sample_rate"],
        },
        "language": options["language"],
        "add_timestamps": True if options["timestamps"] else None,
        "generation_config": generation or None,
    }


#: A chunk event as Cartesia sends it, parsed once by `Connection.warm`.
WARM_UP_EVENT = json.dumps(
    {"type": "chunk", "data": "", "done": False, "status_code": 206, "context_id": "warm-up"}
)
#: A generation request as `push` sends it, transformed (not sent) by `Connection.warm`.
WARM_UP_REQUEST = {
    "context_id": "warm-up",
    "model_id": "sonic-3",
    "transcript": "Warm up. ",
    "voice": {"mode": "id", "id": "warm-up"},
    "output_format": {"container": "raw", "encoding": "pcm_f32le", "sample_rate": 44100},
    "language": "en",
    "add_timestamps": True,
    "continue": True,
}


class Connection:
    """An open TTS WebSocket plus the SDK client that made it."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        options: dict[str, Any] = {"open_timeout": OPEN_TIMEOUT}
        if backend.loopback:
            options["proxy"] = None
        self.client = rest_client(backend)
        self._manager = self.client.tts.websocket_connect(websocket_connection_options=options)
        self.conn = self._manager.enter()

    @classmethod
    def opened(cls, backend: Backend, stopping: Callable[[], bool]) -> Connection:
        """A new connection, opened on a thread of its own so that a stop need not wait
        for a handshake that hangs (up to `OPEN_TIMEOUT`): raises `Stopped` at once."""
        result: dict[str, Any] = {}
        done, abandoned = threading.Event(), threading.Event()

        def open_() -> None:
            try:
                result["conn"] = cls(backend)
            except BaseException as exc:  # noqa: BLE001 - re-raised by the waiting thread
                result["error"] = exc
            done.set()
            if abandoned.is_set() and "conn" in result:
                result["conn"].close()

        threading.Thread(target=open_, name="cartesia-widget-connect", daemon=True).start()
        while not done.wait(POLL_INTERVAL):
            if stopping():
                abandoned.set()
                if done.is_set() and "conn" in result:  # it opened meanwhile
                    result["conn"].close()
                raise Stopped
        if "error" in result:
            raise result["error"]
        return result["conn"]

    @property
    def open(self) -> bool:
        return self.conn._connection.state is State.OPEN

    def warm(self) -> None:
        """Pay the SDK's first-use costs now, which the first audio would otherwise wait
        for: its first parse of an event builds the response types' validators (3.7 ms),
        its first request resolves the request types' hints (1.3 ms), and the first frame
        sent takes 0.6 ms longer than the next. Sends a ping, which any server answers."""
        self.conn.parse_event(WARM_UP_EVENT)
        maybe_transform(WARM_UP_REQUEST, WebsocketClientEventParam)
        self.conn._connection.ping()

    def context(self, context_id: str, **params: Any) -> Any:
        """A new SDK context with our id (sends nothing until `push`)."""
        return self.conn.context(context_id=context_id, **params)

    def events(
        self,
        context_id: str,
        timeout: float,
        stopping: Callable[[], bool],
        quiet: Callable[[], bool] = lambda: False,
    ) -> Iterator[Any]:
        """Yield this context's events until `done` or `error`.

        Other contexts' events (e.g. the tail of a cancelled one) are skipped.
        Raises `NoReply` when no event of this context arrives for
        `timeout` seconds while one is owed (`quiet()` says the server owes
        nothing, e.g. while the text source is thinking), `Stopped` as soon as
        `stopping()` is true, and `ConnectionClosed` when the socket goes away.
        """
        try:
            while True:
                event = self.conn.parse_event(self._receive(timeout, stopping, quiet))
                if getattr(event, "context_id", None) != context_id:
                    continue
                yield event
                if event.type in ("done", "error"):
                    return
        finally:
            self.conn._context_queues.pop(context_id, None)

    def _receive(
        self, timeout: float, stopping: Callable[[], bool], quiet: Callable[[], bool]
    ) -> bytes:
        deadline = Deadline(timeout)
        while True:
            if stopping():
                raise Stopped
            if quiet():
                deadline = Deadline(timeout)
            if deadline.expired:
                raise NoReply(f"No reply from the server for {timeout:g} s")
            try:
                return self.conn.recv_bytes(timeout=deadline.remaining(POLL_INTERVAL))
            except TimeoutError:
                continue

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken socket must not raise
            self.conn.close()


def is_connection_error(exc: BaseException) -> bool:
    """Transport failures after which the connection must be replaced."""
    return isinstance(exc, (ConnectionClosed, OSError, TimeoutError, InvalidHandshake))


def server_error(event: Any) -> tuple[str, str, int | None]:
    """Title, message and status of an `error` event (older servers send `error` only)."""
    legacy = (event.to_dict() or {}).get("error")
    return event.title or "Server error", event.message or legacy or "", event.status_code
