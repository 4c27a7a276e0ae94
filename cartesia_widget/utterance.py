"""One piece of speech: its text, its options, and the handle the caller keeps.

Threads: the caller's thread creates the handle and may call `stop()`,
`wait()` or read `.audio`; the widget that plays it (widget.py) subscribes
before it is queued and records the browser's reports on the kernel's main
thread; the streaming thread (streamer.py) records audio, words, status and
errors. Every mutable field is guarded by `Utterance._lock`; listeners hear of
the end of generation before `_generated` is set, whatever the reason.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from . import execution, main_thread
from .audio_store import AudioStore
from .config import Backend, resolve_backend
from .deadline import Deadline
from .options import SpeechOptions, validate
from .sources import Source, check_encodable, check_source, start
from .text_input import TextInput
from .timings import Timings

#: After the last chunk, how long `wait()` allows the browser beyond the audio itself.
PLAYBACK_MARGIN = 0.3
#: How long `wait()` waits for the first chunk to be sent to the browser at most.
SEND_WAIT = 10.0
#: Statuses after which nothing changes any more.
FINAL = ("done", "stopped", "error")


class SpeechError(RuntimeError):
    """The server refused or failed the request; carries its title and message."""

    def __init__(self, title: str, message: str, status_code: int | None = None) -> None:
        self.title = title
        self.message = message
        self.status_code = status_code
        super().__init__(f"{title}: {message}" if message else title)


class SourceError(SpeechError):
    """The text source raised midway; what it gave before was spoken."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"The text source raised {type(error).__name__}", str(error))
        self.__cause__ = error


class Word(NamedTuple):
    word: str
    start: float
    end: float


def _running(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether `loop` is the loop running on this thread."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def check_text(text: object) -> str:
    """`text` if it is a non-blank string; otherwise a clear error."""
    if not isinstance(text, str):
        raise TypeError(f"Text to speak must be a str, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("Nothing to speak: the text is empty.")
    return check_encodable(text)


class Utterance:
    """Handle on one utterance: `.stop()`, `.wait()`, `.audio`, `.words`, `.metrics`,
    `.to_wav()`."""

    def __init__(
        self,
        text: Source | TextInput,
        options: Mapping[str, Any] | None = None,
        backend: Backend | None = None,
    ) -> None:
        """Check `text` and `options` (see `SpeechOptions`); nothing is sent yet.

        `text` is a str, an iterable of str, an async iterable of str, or a
        `TextInput` that someone feeds (a push handle, printed output).
        """
        self.id = uuid.uuid4().hex
        self._source: Source | None = None
        if isinstance(text, TextInput):
            self.input = text
        elif isinstance(text, str):
            self.input = TextInput.complete(check_text(text))
        else:
            check_source(text)
            self._source = text
            self.input = TextInput()
        #: True when the text arrives piece by piece (not one str given at once).
        self.streamed = not isinstance(text, str)
        self.input.on_text = self._notify
        #: Every speech option, checked, with the defaults filled in.
        self.options: SpeechOptions = validate(options or {})
        self.backend = backend or resolve_backend()
        self.voice = self.options["voice"] or self.backend.default_voice
        #: One line about the voice in use, shown by the player.
        self.notice = self.backend.notice
        self._lock = threading.Lock()
        self._generated = threading.Event()
        self._played = threading.Event()
        self._first_sent = threading.Event()
        #: Set once the first text has been pushed to the server.
        self._requested = threading.Event()
        self._status = "queued"
        self._finished = False
        self._audio = AudioStore()
        self._words: list[Word] = []
        self._error: SpeechError | None = None
        self._timings = Timings()
        self._stop_requested = False
        self._on_stop: Callable[[Utterance], None] | None = None
        self._listeners: list[Callable[[Utterance], None]] = []
        #: Set when a widget plays the audio: `wait()` then also waits for playback.
        self._audible = False

    # -- caller side -------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The text so far (all of it, once the source has ended)."""
        return self.input.text

    @property
    def sample_rate(self) -> int:
        return self.options["sample_rate"]

    @property
    def status(self) -> str:
        """queued, connecting, streaming, waiting (for more text), done, stopped or error."""
        with self._lock:
            return self._status

    @property
    def error(self) -> SpeechError | None:
        with self._lock:
            return self._error

    @property
    def audio(self) -> np.ndarray:
        """All audio received so far, float32 mono at `sample_rate`."""
        with self._lock:
            return self._audio.read()

    def read_audio(self, start: int, count: int) -> np.ndarray:
        """`count` samples of the audio from index `start` (a part of `.audio`)."""
        with self._lock:
            return self._audio.read(start, count)

    @property
    def duration(self) -> float:
        """Seconds of audio received so far."""
        with self._lock:
            return self._audio.frames / self.sample_rate

    @property
    def frames(self) -> int:
        """Samples received so far."""
        with self._lock:
            return self._audio.frames

    @property
    def words(self) -> list[Word]:
        """Word timestamps (seconds from the first sample), when `timestamps=True`."""
        with self._lock:
            return list(self._words)

    @property
    def metrics(self) -> dict[str, Any]:
        """Latency breakdown in milliseconds, kernel request → first sample scheduled.

        Browser times come from the browser's clock; they line up with the
        kernel's only when both run on one machine.
        """
        with self._lock:
            return self._timings.metrics(self._audio.frames / self.sample_rate)

    def stop(self) -> None:
        """Stop generating and silence playback. Safe to call from any thread, twice."""
        with self._lock:
            if self._stop_requested or self._finished and self._played.is_set():
                return
            self._stop_requested = True
            on_stop = self._on_stop
            playing = self._finished
            if playing:  # generated, still playing: the stop ends it
                self._status = "stopped"
        self.input.stop()
        if on_stop is not None:
            on_stop(self)
        if playing:
            self._notify()
            self._played.set()

    def wait(self, timeout: float | None = None, *, playback: bool = True) -> Utterance:
        """Block until generation has ended and (with `playback`) the audio has played.

        The browser cannot report back while a cell is blocked, so the end of
        playback is estimated from when the first chunk was sent plus the
        audio's duration. Raises `SpeechError` if the server failed the request
        and `TimeoutError` if `timeout` seconds pass first.
        """
        loop = self.input.loop
        if loop is not None and not self.input.ended and _running(loop):
            raise RuntimeError(
                "This speech's text comes from an async source read on this event loop, which "
                "waiting here would block: use `await u` (or `await u.wait_async()`) instead."
            )
        deadline = Deadline(timeout)
        if not main_thread.wait(self._generated, timeout):
            raise TimeoutError(f"Speech still generating after {timeout} s.")
        error = self.error
        if error is not None:
            raise error
        if playback and self._audible and self.duration > 0 and not execution.unattended():
            self._wait_for_playback(deadline)  # unattended: nobody listens, nothing to wait
        return self

    def _wait_for_playback(self, deadline: Deadline) -> None:
        # Playback starts when the first chunk reaches the browser: wait for it to leave
        # (bounded: a widget closed meanwhile never sends it).
        main_thread.wait(self._first_sent, deadline.remaining(SEND_WAIT))
        with self._lock:
            start = self._timings.first_sent_at
            lead_ms = self._timings.browser.get("lead_ms")
        if start is None or self._played.is_set():
            return
        lead = lead_ms / 1000.0 if lead_ms is not None else self.options["lead"] or 0.05
        end = start + lead + self.duration + PLAYBACK_MARGIN
        left = Deadline(end - time.time()).remaining()
        main_thread.wait(self._played, deadline.remaining(left))

    async def wait_async(self, timeout: float | None = None, *, playback: bool = True) -> Utterance:
        """`wait()` for async code: the event loop keeps running meanwhile."""
        wait = functools.partial(self.wait, timeout, playback=playback)
        return await asyncio.get_running_loop().run_in_executor(None, wait)

    def __await__(self):  # noqa: ANN204 - a generator, as the protocol wants
        return self.wait_async().__await__()

    def to_wav(self, path: str | Path) -> Path:
        """Save the audio received so far as a 16-bit WAV file."""
        with self._lock:
            return self._audio.write_wav(Path(path), self.sample_rate)

    def __repr__(self) -> str:
        excerpt = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        return f"<Utterance {self.status} {self.duration:.2f} s {excerpt!r}>"

    # -- the widget's side (before the utterance is queued) --------------------------------
    def _will_play(self) -> None:
        """A widget plays this utterance: `wait()` also waits for the playback."""
        self._audible = True

    def _subscribe(self, listener: Callable[[Utterance], None]) -> None:
        """Call `listener(self)` (on any thread) after every status, audio or error change."""
        self._listeners.append(listener)

    def _unsubscribe(self, listener: Callable[[Utterance], None]) -> None:
        """No longer call `listener` (a new list: a notification under way is unaffected)."""
        self._listeners = [other for other in self._listeners if other is not listener]

    def _start_input(self) -> None:
        """Start reading the source (called when the utterance is queued)."""
        if self._source is not None:
            start(self._source, self.input)
            self._source = None

    # -- streaming-thread side ---------------------------------------------------------
    def _notify(self) -> None:
        for listener in self._listeners:
            listener(self)

    def _set_status(self, status: str) -> None:
        with self._lock:
            if self._status in ("done", "stopped", "error"):
                return
            self._status = status
            if status == "streaming" and self._timings.requested_at is None:
                self._timings.requested_at = time.time()
        self._notify()

    def _set_waiting(self, waiting: bool) -> None:
        """The sender has (or no longer has) nothing to say until more text comes."""
        with self._lock:
            if self._status not in ("streaming", "waiting"):
                return
            self._status = "waiting" if waiting else "streaming"
        self._notify()

    def _add_audio(self, samples: np.ndarray) -> int:
        """Keep `samples`; returns the index of the first (for `read_audio`)."""
        with self._lock:
            if self._timings.first_chunk_at is None:
                self._timings.first_chunk_at = time.time()
            start = self._audio.frames
            self._audio.append(samples)
        self._notify()
        return start

    def _add_words(self, words: list[str], starts: list[float], ends: list[float]) -> None:
        with self._lock:
            self._words.extend(
                Word(w, float(s), float(e)) for w, s, e in zip(words, starts, ends, strict=False)
            )

    def _mark_sent(self, at: float) -> None:
        """A chunk was sent, stamped `at` (Unix seconds; the browser may have it already)."""
        with self._lock:
            if self._timings.first_sent_at is None:
                self._timings.first_sent_at = at
        self._first_sent.set()

    def _finish(self, status: str, error: SpeechError | None = None) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._status = status
            self._error = error
            self._timings.finished_at = time.time()
        if not self.input.ended:
            self.input.stop()  # nothing more can be spoken: close the source
        # Listeners (the widget) first: whoever wakes up in wait() sees them done.
        self._notify()
        if status != "done":
            self._played.set()
            self._first_sent.set()
        self._generated.set()

    @property
    def _stopping(self) -> bool:
        with self._lock:
            return self._stop_requested

    # -- browser side (kernel main thread) ---------------------------------------------
    def _browser_report(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        with self._lock:
            if kind == "first_audio":
                self._timings.browser = content
            elif kind == "finished":
                self._timings.played = content
        if kind == "finished":
            self._played.set()
