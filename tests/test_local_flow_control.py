"""Flow control: cancelling one context while the socket is full never silences another.

aiohttp's WebSocket writers share one "drain" future while the transport is paused (the
client reads slower than the server writes). Cancelling a task that awaited it (the
client cancels a context) used to cancel that shared future, and the next context to wait
for the socket died silently: its client never got ``done`` ("No reply from the server for
15 s" after 1.12 s of audio: aiohttp checks for a drain every 256 KiB, 28 chunks of 40 ms
of 44.1 kHz float audio).
"""

from __future__ import annotations

import asyncio
import collections
import json
import time
from collections.abc import Callable

from websockets.sync.client import connect as ws_connect

from cartesia_widget.local import DEFAULT_VOICE_ID, LocalServer
from cartesia_widget.local.connection import Connection
from cartesia_widget.local.context import Context, Pacing
from cartesia_widget.local.errors import ProtocolError
from cartesia_widget.local.faults import Faults
from cartesia_widget.local.settings import parse_settings

FMT = {"container": "raw", "encoding": "pcm_f32le", "sample_rate": 44100}


def _request(cid: str, text: str, cont: bool) -> dict:
    req = {"context_id": cid, "model_id": "sonic-3", "transcript": text, "voice": DEFAULT_VOICE_ID}
    return {**req, "output_format": FMT, "continue": cont, "max_buffer_delay_ms": 0}


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_cancelling_a_sender_never_cancels_the_shared_drain_future() -> None:
    async def main() -> None:
        drained = asyncio.get_running_loop().create_future()  # aiohttp's shared drain waiter

        class PausedSocket:
            closed = False

            async def send_str(self, data: str, compress: int | None = None) -> None:
                await drained

        conn = Connection(PausedSocket(), None, Faults().for_connection(0), Pacing())  # type: ignore[arg-type]
        a = asyncio.create_task(conn.send({"context_id": "a"}))
        await _settle()
        b = asyncio.create_task(conn.send({"context_id": "b"}))
        await _settle()
        a.cancel()  # the client cancelled context a
        await _settle()
        assert not drained.cancelled()
        drained.set_result(None)  # the client reads again
        await asyncio.wait_for(b, 1)

    asyncio.run(main())


def test_a_context_interrupted_from_outside_reports_an_error() -> None:
    async def main() -> list[ProtocolError]:
        blocked = asyncio.get_running_loop().create_future()
        sending = asyncio.Event()
        reported: list[ProtocolError] = []

        class Sink:
            async def send(self, event: dict) -> None:
                sending.set()
                await blocked

            async def send_error(self, context_id: str, err: ProtocolError) -> None:
                reported.append(err)

            async def after_chunk(self, context_id: str) -> None:
                pass

            def context_finished(self, context: Context) -> None:
                pass

        settings = parse_settings(_request("c", "x", False), websocket=True)
        ctx = Context(Sink(), "c", settings, Pacing())
        ctx.start()
        ctx.feed("Hello there.", False, False)
        await asyncio.wait_for(sending.wait(), 5)
        blocked.cancel()  # cancelled under the context, by neither its client nor a shutdown
        assert ctx.task is not None
        await asyncio.wait_for(ctx.task, 5)
        return reported

    reported = asyncio.run(main())
    assert [e.title for e in reported] == ["Generation interrupted"]


# ------------------------------------------------------------------ against the real server
def _on_loop(srv: LocalServer, fn: Callable[[], object]) -> object:
    """``fn()`` evaluated on the server's loop (nothing else runs there meanwhile)."""

    async def call() -> object:
        return fn()

    return asyncio.run_coroutine_threadsafe(call(), srv._loop).result(5)  # type: ignore[arg-type]


def _wait_on_loop(srv: LocalServer, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not _on_loop(srv, condition):
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def _spy_on_sends(conn: Connection) -> collections.Counter[str]:
    """Count, per context id, the ``send_str`` calls that are waiting (for the socket)."""
    waiting: collections.Counter[str] = collections.Counter()
    original = conn.ws.send_str

    async def send_str(data: str, compress: int | None = None) -> None:
        cid = json.loads(data)["context_id"]
        waiting[cid] += 1
        try:
            await original(data, compress)
        finally:
            waiting[cid] -= 1

    conn.ws.send_str = send_str  # type: ignore[method-assign]
    return waiting


def test_cancelled_context_blocked_on_a_full_socket_does_not_silence_the_next() -> None:
    long_text = "This sentence is going to be spoken many times over. " * 60
    with LocalServer() as srv:
        url = f"{srv.websocket_url}/tts/websocket?api_key={srv.api_key}&cartesia_version=2026-08-14"
        with ws_connect(url, proxy=None, open_timeout=5, max_queue=1) as ws:
            _wait_on_loop(srv, lambda: bool(srv._live), "the connection is served")
            conn = next(iter(srv._live))
            waiting = _on_loop(srv, lambda: _spy_on_sends(conn))
            assert isinstance(waiting, collections.Counter)
            # A streams while the client reads nothing: A ends up waiting for the socket.
            ws.send(json.dumps(_request("A", long_text, True)))
            _wait_on_loop(srv, lambda: waiting["A"] > 0, "A waits for the socket")
            ws.send(json.dumps({"context_id": "A", "cancel": True}))
            # B needs more than 256 KiB of frames (~4 s of audio), so it too must wait.
            ws.send(
                json.dumps(_request("B", "One two three four five six seven eight. " * 2, False))
            )
            _wait_on_loop(
                srv,
                lambda: waiting["B"] > 0 or "B" in conn.finished,
                "B waits for the socket (or died)",
            )
            # Now the client reads again: B must finish normally.
            last = None
            while last is None or last["type"] not in ("done", "error"):
                ev = json.loads(ws.recv(timeout=10))
                if ev["context_id"] == "B":
                    last = ev
            assert last["type"] == "done", last
