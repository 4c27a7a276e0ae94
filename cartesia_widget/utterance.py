"""One piece of speech: its options, and the handle the caller keeps.

Threads: the caller's thread creates the handle and may call `stop()`,
`wait()` or read `.audio`; the widget that plays it (widget.py) subscribes
before it is queued and records the browser's reports on the kernel's main
thread; the streaming thread (streamer.py) records audio, words, status and
errors. Every mutable field is guarded by `Utterance._lock`; listeners hear of
the end of generation before `_generated` is set, whatever the reason.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from . import main_thread
from .config import OFFLINE_NOTICE, Backend, resolve_backend
from .deadline import Deadline
from .options import SpeechOptions, validate
from .pcm import write_wav

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


class Word(NamedTuple):
    word: str
    start: float
    end: float


def check_text(text: object) -> str:
    """`text` if it is a non-blank string; otherwise a clear error."""
    if not isinstance(text, str):
        raise TypeError(f"Text to speak must be a str, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("Nothing to speak: the text is empty.")
    return text


@dataclass
class _Timings:
    submitted_at: float = field(default_factory=time.time)
    requested_at: float | None = None
    first_chunk_at: float | None = None
    first_sent_at: float | None = None
    finished_at: float | None = None
    browser: dict[str, Any] = field(default_factory=dict)
    played: dict[str, Any] = field(default_factory=dict)


def _ms(later: float | None, earlier: float | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier) * 1000.0, 3)


class Utterance:
    """Handle on one utterance: `.stop()`, `.wait()`, `.audio`, `.words`, `.metrics`,
    `.to_wav()`."""

    def __init__(
        self, text: str, options: Mapping[str, Any] | None = None, backend: Backend | None = None
    ) -> None:
        """Check `text` and `options` (see `SpeechOptions`); nothing is sent yet."""
        self.id = uuid.uuid4().hex
        self.text = check_text(text)
        #: Every speech option, checked, with the defaults filled in.
        self.options: SpeechOptions = validate(options or {})
        self.backend = backend or resolve_backend()
        self.voice = self.options["voice"] or self.backend.default_voice
        #: One line about the voice in use, shown by the player.
        self.notice = OFFLINE_NOTICE if self.backend.offline else ""
        self._lock = threading.Lock()
        self._generated = threading.Event()
        self._played = threading.Event()
        self._first_sent = threading.Event()
        self._status = "queued"
        self._finished = False
        self._chunks: list[np.ndarray] = []
        self._frames = 0
        self._words: list[Word] = []
        self._error: SpeechError | None = None
        self._timings = _Timings()
        self._stop_requested = False
        self._on_stop: Callable[[Utterance], None] | None = None
        self._listeners: list[Callable[[Utterance], None]] = []
        #: Set when a widget plays the audio: `wait()` then also waits for playback.
        self._audible = False

    # -- caller side -------------------------------------------------------------------
    @property
    def sample_rate(self) -> int:
        return self.options["sample_rate"]

    @property
    def status(self) -> str:
        """queued, connecting, streaming, done, stopped or error."""
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
            chunks = list(self._chunks)
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)

    @property
    def duration(self) -> float:
        """Seconds of audio received so far."""
        with self._lock:
            return self._frames / self.sample_rate

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
            t = self._timings
            browser = dict(t.browser)
            played = dict(t.played)
            frames = self._frames
        audio_seconds = frames / self.sample_rate
        generation = (t.finished_at or time.time()) - (t.requested_at or t.submitted_at)
        out: dict[str, Any] = {
            "queued_ms": _ms(t.requested_at, t.submitted_at),
            "first_server_chunk_ms": _ms(t.first_chunk_at, t.requested_at),
            "first_sent_ms": _ms(t.first_sent_at, t.requested_at),
            "first_browser_chunk_ms": _ms(browser.get("received_at"), t.requested_at),
            "first_scheduled_ms": _ms(browser.get("scheduled_at"), t.requested_at),
            "schedule_ms": browser.get("schedule_ms"),
            "lead_ms": browser.get("lead_ms"),
            "audio_seconds": round(audio_seconds, 4),
            "generation_seconds": round(generation, 4) if t.requested_at else None,
            "realtime_factor": round(audio_seconds / generation, 2)
            if t.finished_at and generation > 0
            else None,
            "underruns": played.get("underruns"),
        }
        return out

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
        deadline = Deadline(timeout)
        if not main_thread.wait(self._generated, timeout):
            raise TimeoutError(f"Speech still generating after {timeout} s.")
        error = self.error
        if error is not None:
            raise error
        if playback and self._audible and self.duration > 0:
            self._wait_for_playback(deadline)
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
        lead = self.options["lead"] if lead_ms is None else lead_ms / 1000.0
        end = start + lead + self.duration + PLAYBACK_MARGIN
        left = Deadline(end - time.time()).remaining()
        main_thread.wait(self._played, deadline.remaining(left))

    def to_wav(self, path: str | Path) -> Path:
        """Save the audio received so far as a 16-bit WAV file."""
        return write_wav(path, self.audio, self.sample_rate)

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

    def _add_audio(self, samples: np.ndarray) -> None:
        with self._lock:
            if self._timings.first_chunk_at is None:
                self._timings.first_chunk_at = time.time()
            self._chunks.append(samples)
            self._frames += len(samples)
        self._notify()

    def _add_words(self, words: list[str], starts: list[float], ends: list[float]) -> None:
        with self._lock:
            self._words.extend(
                Word(w, float(s), float(e)) for w, s, e in zip(words, starts, ends, strict=False)
            )

    def _mark_sent(self) -> None:
        with self._lock:
            if self._timings.first_sent_at is None:
                self._timings.first_sent_at = time.time()
        self._first_sent.set()

    def _finish(self, status: str, error: SpeechError | None = None) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._status = status
            self._error = error
            self._timings.finished_at = time.time()
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
