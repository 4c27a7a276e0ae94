"""The espeak-ng speech engine: a ctypes wrapper around the library of ``espeakng-loader``.

espeak-ng is a process-global, non-thread-safe engine: every call goes through one lock,
and runs on the calling thread (the render executor's workers; ``warm_up`` at start-up).
``synthesize`` returns the whole utterance for one short text segment as int16 samples plus
word and phoneme events whose ``sample`` positions index into those samples; ``speak`` turns
that into float32 audio with a sample span per spoken word and per phoneme (the shape the
renderer also gets from the neural engine). A word starts at its espeak word event (a
token without one, such as stray punctuation, takes the next token's start) and ends where
the next starts, the last one where the sound ends.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from ctypes import POINTER, c_char, c_int, c_short, c_uint, c_void_p
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ENGINE_SAMPLE_RATE",
    "Spoken",
    "SynthResult",
    "speak",
    "synthesize",
    "has_voice",
    "warm_up",
    "DEFAULT_WPM",
]

ENGINE_SAMPLE_RATE = 22050
DEFAULT_WPM = 175
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", c_int),
        ("unique_identifier", c_uint),
        ("text_position", c_int),
        ("length", c_int),
        ("audio_position", c_int),
        ("sample", c_int),
        ("user_data", c_void_p),
        ("id", c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(c_int, POINTER(c_short), c_int, POINTER(_Event))


@dataclass
class SynthResult:
    """Audio (int16, 22050 Hz mono) and events of one ``espeak_Synth`` call."""

    samples: np.ndarray
    # (0-based character index in the text, length in chars, sample index)
    words: list[tuple[int, int, int]] = field(default_factory=list)
    # (phoneme mnemonic, sample index)
    phonemes: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Spoken:
    """Audio (float32, 22050 Hz) of some words, with a sample span per word and phoneme."""

    samples: np.ndarray
    spans: list[tuple[int, int]] = field(default_factory=list)
    phonemes: list[tuple[str, int, int]] = field(default_factory=list)


class _Espeak:
    def __init__(self) -> None:
        import espeakng_loader

        self.lock = threading.Lock()
        self.lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path().encode()
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            c_uint,
            c_int,
            c_uint,
            c_uint,
            POINTER(c_uint),
            c_void_p,
        ]
        rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 100, data_path, 1)
        if rate <= 0:
            raise RuntimeError(f"espeak_Initialize failed ({rate})")
        self.sample_rate = rate
        self._buffers: list[np.ndarray] = []
        self._words: list[tuple[int, int, int]] = []
        self._phonemes: list[tuple[str, int]] = []
        self._callback = _CALLBACK(self._on_synth)  # keep a reference for the C side
        self.lib.espeak_SetSynthCallback(self._callback)
        self._voice: bytes | None = None
        self._voice_ok: dict[bytes, bool] = {}

    def _on_synth(self, wav: Any, numsamples: int, events: Any) -> int:
        if numsamples > 0 and wav:
            self._buffers.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
        i = 0
        while True:
            ev = events[i]
            if ev.type == _EVENT_LIST_TERMINATED:
                break
            if ev.type == _EVENT_WORD:
                self._words.append((ev.text_position - 1, ev.length, ev.sample))
            elif ev.type == _EVENT_PHONEME:
                name = bytes(ev.id).split(b"\0", 1)[0].decode("utf-8", "replace")
                self._phonemes.append((name, ev.sample))
            i += 1
        return 0

    def set_voice(self, name: str) -> bool:
        key = name.encode()
        if self._voice == key:
            return True
        ok = self.lib.espeak_SetVoiceByName(key) == 0
        self._voice_ok[key] = ok
        if ok:
            self._voice = key
        return ok

    def has_voice(self, name: str) -> bool:
        key = name.encode()
        with self.lock:
            if key not in self._voice_ok:
                previous = self._voice
                self.set_voice(name)
                if previous is not None:
                    self._voice = None
                    self.set_voice(previous.decode())
            return self._voice_ok[key]

    def synthesize(self, text: str, voice: str, wpm: int) -> SynthResult:
        # A lone surrogate (valid in a JSON string) becomes "?": one character for one, so
        # espeak's character positions still index ``text``.
        data = text.encode("utf-8", "replace")
        with self.lock:
            if not self.set_voice(voice):
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            self.lib.espeak_SetParameter(_ESPEAK_RATE, int(wpm), 0)
            self._buffers, self._words, self._phonemes = [], [], []
            buf = ctypes.create_string_buffer(data)
            self.lib.espeak_Synth(buf, len(data) + 1, 0, 0, 0, _ESPEAK_CHARS_UTF8, None, None)
            buffers, words, phonemes = self._buffers, self._words, self._phonemes
            self._buffers, self._words, self._phonemes = [], [], []
        samples = np.concatenate(buffers) if buffers else np.zeros(0, dtype=np.int16)
        return SynthResult(samples=samples, words=words, phonemes=phonemes)


_engine_lock = threading.Lock()


def _get() -> _Espeak:
    """The process's one espeak-ng engine, loaded by the first caller."""
    with _engine_lock:
        return _load()


@functools.cache
def _load() -> _Espeak:
    return _Espeak()


def synthesize(text: str, voice: str = "en-us", wpm: int = DEFAULT_WPM) -> SynthResult:
    """Synthesize ``text`` with the espeak-ng ``voice`` (e.g. ``"en-us+f3"``) at ``wpm``."""
    return _get().synthesize(text, voice, wpm)


def warm_up() -> None:
    """Load and initialise espeak-ng now (it takes ~50 ms the first time)."""
    _get().synthesize("ready", "en-us", DEFAULT_WPM)


def has_voice(name: str) -> bool:
    """Whether espeak-ng accepts ``name`` in ``espeak_SetVoiceByName``."""
    return _get().has_voice(name)


def speak(words: list[str], voice: str, wpm: int) -> Spoken:
    """Speak ``words`` (joined by spaces; none holds whitespace) with ``voice`` at ``wpm``."""
    text = " ".join(words)
    res = synthesize(text, voice, wpm)
    x = res.samples.astype(np.float32) / 32768.0
    n = len(x)
    spans: list[tuple[int, int]] = []
    pos = 0
    tokens = []
    for w in words:
        tokens.append((pos, pos + len(w)))
        pos += len(w) + 1
    starts = _fill_gaps(_word_events(tokens, res.words), n)
    loud = np.flatnonzero(np.abs(x) > 0.01)
    speech_end = int(loud[-1]) + 1 if len(loud) else n
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else speech_end
        spans.append((start, max(start, end)))
    phonemes = []
    for i, (name, sample) in enumerate(res.phonemes):
        nxt = res.phonemes[i + 1][1] if i + 1 < len(res.phonemes) else n
        phonemes.append((name, min(sample, n), max(min(nxt, n), min(sample, n))))
    return Spoken(x, spans, phonemes)


def _word_events(
    tokens: list[tuple[int, int]], events: list[tuple[int, int, int]]
) -> list[int | None]:
    """Sample of the first word event inside each token's character span (``None``: none)."""
    starts: list[int | None] = []
    ev = sorted(events)
    j = 0
    for a, b in tokens:
        found = None
        while j < len(ev) and ev[j][0] < b:
            if ev[j][0] >= a and found is None:
                found = ev[j][2]
            j += 1
        starts.append(found)
    return starts


def _fill_gaps(starts: list[int | None], n: int) -> list[int]:
    """Starts clipped to ``n`` and made monotone; a token without an event (e.g. stray
    punctuation) takes the next token's start, or the previous one at the end."""
    nxt: int | None = None
    for i in range(len(starts) - 1, -1, -1):
        if starts[i] is None:
            starts[i] = nxt
        nxt = starts[i]
    prev = 0
    filled: list[int] = []
    for s in starts:
        v = prev if s is None else max(prev, min(s, n))
        filled.append(v)
        prev = v
    return filled
