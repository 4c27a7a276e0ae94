"""Streaming utterances on a background thread, one after another.

`Streamer` is the one object that owns what the threads share:

- the FIFO of submitted utterances (so Run All speaks cells in order),
- the utterance being generated,
- the `Connection` (used only by the streaming thread; reopened when it died
  or the backend changed),
- the `Outbox` thread that forwards audio to the widgets.

The caller's thread only submits and stops; the streaming thread does all SDK
I/O. `_lock` guards `_current` and the queue's contents during a stop.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable

from . import aggregator
from .config import Backend, resolve_backend
from .messages import stop as stop_message
from .outbox import Outbox, Sink
from .pcm import PcmDecoder
from .sdk import (
    Connection,
    NoReply,
    Stopped,
    context_params,
    is_connection_error,
    server_error,
)
from .sender import Sender
from .utterance import SourceError, SpeechError, Utterance

log = logging.getLogger(__name__)

#: A connection idle this long is replaced before use: Cartesia closes idle sockets after
#: about 5 minutes, and a dead socket must not cost the next utterance a failed try.
REOPEN_IDLE = 240.0


class Streamer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._waiting: collections.deque[tuple[Utterance, Sink | None]] = collections.deque()
        self._current: tuple[Utterance, Sink | None] | None = None
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None
        self._idle_since = time.monotonic()
        self._warm_up: Callable[[Backend], None] | None = None
        #: Generated utterances the browser may still be playing (stop_all silences them).
        self._sounding: weakref.WeakSet[Utterance] = weakref.WeakSet()
        self.outbox = Outbox()

    # -- caller's thread ---------------------------------------------------------------
    def submit(self, utterance: Utterance, sink: Sink | None = None) -> Utterance:
        """Queue an utterance; it starts once the ones before it have been generated."""
        utterance._on_stop = lambda u: self._stop(u, sink)
        utterance._start_input()
        with self._lock:
            self._waiting.append((utterance, sink))
            self._wake()
        return utterance

    @property
    def idle(self) -> bool:
        """Whether an utterance submitted now would start at once."""
        with self._lock:
            return self._current is None and not self._waiting

    def warm_up(self, ready: Callable[[Backend], None]) -> None:
        """Open the connection to the backend now, on the streaming thread, so the first
        utterance finds it open; `ready(backend)` is called there once it is. Then pay
        the SDK's and the segmenter's first-use costs there too (`Connection.warm`)."""
        with self._lock:
            self._warm_up = ready
            self._wake()

    def _wake(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="cartesia-widget-stream", daemon=True
            )
            self._thread.start()
        self._wakeup.notify()

    def stop_all(self) -> None:
        """Stop the current utterance, drop every queued one, and silence the ones
        generated but still playing in the browser."""
        with self._lock:
            pending = [u for u, _ in self._waiting]
            if self._current is not None:
                pending.insert(0, self._current[0])
            pending += list(self._sounding)
        for utterance in pending:
            utterance.stop()

    def _stop(self, utterance: Utterance, sink: Sink | None) -> None:
        with self._lock:
            queued = next((e for e in self._waiting if e[0] is utterance), None)
            if queued is not None:
                self._waiting.remove(queued)
        self.outbox.drop(utterance.id)
        if sink is not None:
            with contextlib.suppress(Exception):  # the widget may be closed already
                sink.send(stop_message(utterance.id))
        if queued is not None:
            utterance._finish("stopped")
        # A running utterance notices the request within POLL_INTERVAL and cancels.

    # -- streaming thread --------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and self._warm_up is None:
                    self._current = None
                    if not self._wakeup.wait(timeout=300):
                        self._thread = None
                        return
                warm_up, self._warm_up = self._warm_up, None
                self._current = self._waiting.popleft() if warm_up is None else None
            if warm_up is not None:
                self._warm(warm_up)
                continue
            assert self._current is not None
            utterance, sink = self._current
            try:
                self._speak(utterance, sink)
            except BaseException as exc:  # noqa: BLE001 - never leave a handle hanging
                utterance._finish("error", SpeechError(type(exc).__name__, str(exc)))
            finally:
                self._idle_since = time.monotonic()
                with self._lock:
                    self._current = None

    def _warm(self, ready: Callable[[Backend], None]) -> None:
        try:
            backend = resolve_backend()
            conn = self._connect(backend)
            ready(backend)
            conn.warm()  # first-use costs, paid before the first utterance (nothing spoken)
            aggregator.warm()
        except Exception:  # noqa: BLE001 - the first utterance will say what is wrong
            log.debug("cartesia-widget: warm-up failed", exc_info=True)

    def _connect(self, backend: Backend, stopping: Callable[[], bool] = bool) -> Connection:
        conn = self._conn
        idle = time.monotonic() - self._idle_since > REOPEN_IDLE
        if conn is not None and (conn.backend != backend or not conn.open or idle):
            conn.close()
            conn = None
        if conn is None:
            conn = Connection.opened(backend, stopping)
            self._conn = conn
        return conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _speak(self, utterance: Utterance, sink: Sink | None) -> None:
        if utterance._stopping:
            utterance._finish("stopped")
            return
        utterance._set_status("connecting")
        backend = utterance.backend
        for attempt in (1, 2):
            try:
                conn = self._connect(backend, lambda: utterance._stopping)
                self._generate(conn, utterance, sink)
                return
            except Stopped:
                utterance._finish("stopped")
                return
            except SpeechError as exc:
                utterance._finish("error", exc)
                return
            except NoReply as exc:  # a silent server: trying again would only double the wait
                self._drop_connection()
                advice = "Check that the server is up and reachable, or raise `timeout`."
                utterance._finish("error", SpeechError(str(exc), advice))
                return
            except Exception as exc:  # noqa: BLE001 - reported on the handle
                self._drop_connection()
                if not is_connection_error(exc):
                    utterance._finish("error", SpeechError(type(exc).__name__, str(exc)))
                    return
                # An idle-closed socket shows up on first use: retry once on a fresh one,
                # unless audio was already delivered (a retry would repeat it).
                if attempt == 1 and utterance.duration == 0 and not utterance._stopping:
                    continue
                utterance._finish(
                    "error",
                    SpeechError(
                        "Connection failed",
                        f"{type(exc).__name__}: {str(exc).rstrip('.')}. Check the server URL, "
                        "the API key "
                        "and the network, then try again.",
                    ),
                )
                return

    def _generate(self, conn: Connection, utterance: Utterance, sink: Sink | None) -> None:
        """Open the utterance's context, push its text on a `Sender` thread while reading
        its audio here, and finish it."""
        opts = utterance.options
        server_buffers = opts["buffering"] == "server"
        ctx = conn.context(
            utterance.id,
            timeout=opts["timeout"],
            # We group the text into sentences ourselves, unless the server is to.
            max_buffer_delay_ms=opts["max_buffer_delay_ms"] if server_buffers else 0,
            **context_params(opts, utterance.voice),
        )
        utterance.input.rewind()
        sender = Sender(
            ctx,
            utterance.input,
            language=opts["language"],
            buffering=opts["buffering"],
            on_waiting=utterance._set_waiting,
            heard=lambda: utterance.duration,
            pushed=utterance._requested.set,
        )
        utterance._set_status("streaming")
        sender.start()
        try:
            self._receive(conn, utterance, sink, sender)
        except Stopped:
            if utterance._stopping:
                self._cancel(ctx)
                raise
            if sender.error is not None:
                raise sender.error from None  # the connection failed under the sender
            # Otherwise the input ended without a word: nothing was sent, nothing comes.
        finally:
            sender.cancel()
            sender.join(5)
        failed = utterance.input.error
        if failed is not None:
            utterance._finish("error", SourceError(failed))
        else:
            utterance._finish("done")
            if sink is not None:
                with self._lock:
                    self._sounding.add(utterance)

    def _receive(
        self, conn: Connection, utterance: Utterance, sink: Sink | None, sender: Sender
    ) -> None:
        """Read the context's events until `done`, forwarding audio to `sink`."""
        opts = utterance.options
        decoder = PcmDecoder(opts["encoding"])
        stopped = False
        try:
            events = conn.events(
                utterance.id,
                opts["timeout"],
                stopping=lambda: utterance._stopping or sender.error is not None or sender.silent,
                quiet=sender.quiet,
            )
            for event in events:
                sender.answered()
                if event.type == "chunk":
                    samples = decoder.feed(event.audio or b"")
                    if len(samples):
                        start = utterance._add_audio(samples)
                        if sink is not None:
                            self.outbox.chunk(
                                sink,
                                utterance.id,
                                opts["sample_rate"],
                                utterance,
                                start,
                                len(samples),
                                on_sent=utterance._mark_sent,
                                lead=opts["lead"],
                            )
                elif event.type == "timestamps" and event.word_timestamps is not None:
                    wt = event.word_timestamps
                    utterance._add_words(wt.words, wt.start, wt.end)
                elif event.type == "error":
                    raise SpeechError(*server_error(event))
        except Stopped:
            stopped = utterance._stopping
            raise
        finally:
            if sink is not None and not stopped:
                self.outbox.end(sink, utterance.id, opts["sample_rate"])

    def _cancel(self, ctx: object) -> None:
        try:
            ctx.cancel()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the socket may already be gone
            self._drop_connection()


_streamer: Streamer | None = None
_streamer_lock = threading.Lock()


def streamer() -> Streamer:
    """The kernel's streamer (created on first use)."""
    global _streamer
    with _streamer_lock:
        if _streamer is None:
            _streamer = Streamer()
        return _streamer
