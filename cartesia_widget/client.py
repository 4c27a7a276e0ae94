"""The kernel's WebSocket to a Cartesia-compatible server, through the official SDK.

One `Connection` is reused across utterances and reopened when it died or
idled out. It is used by one thread only (the streaming thread in stream.py);
`close()` may be called from any thread to unblock it.

SDK 4.2.0 pitfalls handled here (see the protocol notes): the WebSocket URL is
always passed explicitly (otherwise the SDK forces wss); loopback servers
bypass proxy variables; events are read with `recv_bytes`/`parse_event` and
filtered by context id, because `ctx.receive()` lets other contexts' `done`
events end the stream; the SDK's own reconnect reuses the dead socket, so a
closed connection is replaced by a fresh one.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import cartesia
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from .config import Backend

#: How often a blocked receive wakes up to check for a stop request, seconds.
POLL_INTERVAL = 0.05


class Stopped(Exception):
    """Raised inside the receive loop when the utterance was asked to stop."""


class Connection:
    """An open TTS WebSocket plus the SDK client that made it."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        options: dict[str, Any] = {"open_timeout": 10}
        http_client = None
        if backend.loopback:
            options["proxy"] = None
            http_client = cartesia.DefaultHttpxClient(trust_env=False)
        self.client = cartesia.Cartesia(
            api_key=backend.api_key,
            base_url=backend.base_url,
            websocket_base_url=backend.websocket_url,
            max_retries=1,
            http_client=http_client,
        )
        self._manager = self.client.tts.websocket_connect(websocket_connection_options=options)
        self.conn = self._manager.enter()

    @property
    def open(self) -> bool:
        return self.conn._connection.state is State.OPEN

    def context(self, **kwargs: Any):
        """A new SDK context (sends nothing until `push`)."""
        return self.conn.context(**kwargs)

    def events(self, context_id: str, timeout: float, stopping) -> Iterator[Any]:
        """Yield this context's events until `done` or `error`.

        Other contexts' events (e.g. the tail of a cancelled one) are skipped.
        Raises `TimeoutError` when no event of this context arrives for
        `timeout` seconds, `Stopped` as soon as `stopping()` is true, and
        `ConnectionClosed` when the socket goes away.
        """
        try:
            while True:
                deadline = time.monotonic() + timeout
                while True:
                    if stopping():
                        raise Stopped
                    wait = min(POLL_INTERVAL, deadline - time.monotonic())
                    if wait <= 0:
                        raise TimeoutError(f"No reply from the server for {timeout:g} s.")
                    try:
                        raw = self.conn.recv_bytes(timeout=wait)
                        break
                    except TimeoutError:
                        continue
                event = self.conn.parse_event(raw)
                if getattr(event, "context_id", None) != context_id:
                    continue
                yield event
                if event.type in ("done", "error"):
                    return
        finally:
            # The SDK registers a queue per context; we read the socket ourselves.
            self.conn._context_queues.pop(context_id, None)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken socket must not raise
            self.conn.close()


def is_connection_error(exc: BaseException) -> bool:
    """Transport failures after which the connection must be replaced."""
    return isinstance(exc, (ConnectionClosed, OSError, TimeoutError))
