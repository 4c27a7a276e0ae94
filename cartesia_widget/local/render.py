"""Turn text segments into encoded audio plus word/phoneme timestamps for one context.

Owns ``Renderer`` (stateful, one per context or ``/tts/bytes`` request) and ``EXECUTOR``,
the two worker threads that render: ``render`` and ``flush`` are called there through
``in_executor`` (``/tts/bytes`` flushes on the loop), never on two threads at once for
one renderer. A renderer speaks with one engine (``settings.engine``): ``neural`` (24 kHz)
or ``espeak`` (22050 Hz, serialised behind its own lock), resampled to the output rate.
It carries out the transcript tags (``tags``): speed and volume (a gain) from that point
on, and breaks: exact silence between the last sound before and the first sound after
(the silence around them is trimmed; a run's trailing silence is held back until it is
known that no break follows, and dropped when one does). Neural runs are also trimmed to
``NEURAL_LEAD``/``NEURAL_TAIL`` of silence (the model leaves ~0.3 s before and ~0.5 s after
each). ``off_loop`` sends other work that grows with a client's text (parsing a large
frame, splitting a long transcript) to the same threads, so the event loop never stalls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from ..pcm import encode
from . import espeak, neural
from .catalogue import espeak_voice_for
from .resampler import Resampler
from .settings import GenerationSettings
from .tags import Break, Speed, TagParser, Volume, Words

__all__ = ["EXECUTOR", "INLINE_LIMIT", "Rendered", "Renderer", "in_executor", "off_loop"]

EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cartesia-local-tts")
#: Work on a text of up to this many characters (or bytes) runs inline on the loop (well
#: under a millisecond); larger texts go to ``EXECUTOR``.
INLINE_LIMIT = 16 * 1024
NEURAL_LEAD = 0.03  # seconds of silence kept before a neural run (after a break: none)
NEURAL_TAIL = 0.3  # ... and after it (before the next sentence)
_LOUD = 0.01  # sound: samples above this fraction of the run's peak
_T = TypeVar("_T")


def in_executor(fn: Callable[..., _T], *args: Any) -> asyncio.Future[_T]:
    """Run ``fn(*args)`` on ``EXECUTOR``; await the result on the running loop."""
    return asyncio.get_running_loop().run_in_executor(EXECUTOR, fn, *args)


async def off_loop(size: int, fn: Callable[..., _T], *args: Any) -> _T:
    """``fn(*args)``, whose cost grows with ``size``: inline when small, else on ``EXECUTOR``."""
    if size <= INLINE_LIMIT:
        return fn(*args)
    return await in_executor(fn, *args)


@dataclass
class Rendered:
    audio: bytes
    n_samples: int  # output samples in ``audio``
    words: list[str] = field(default_factory=list)
    word_start: list[float] = field(default_factory=list)
    word_end: list[float] = field(default_factory=list)
    phonemes: list[str] = field(default_factory=list)
    phoneme_start: list[float] = field(default_factory=list)
    phoneme_end: list[float] = field(default_factory=list)


class Renderer:
    """Stateful per-context renderer; call ``render`` for each segment, ``flush`` when idle.

    Timestamps are seconds relative to the context's first output sample and agree with
    the output sample count (the resampler is exact in length).
    """

    def __init__(self, settings: GenerationSettings) -> None:
        self.settings = settings
        self.neural = settings.engine == "neural"
        self.rate = neural.SAMPLE_RATE if self.neural else espeak.ENGINE_SAMPLE_RATE
        self.espeak_voice = espeak_voice_for(settings.voice, settings.language)
        self.speed = settings.speed
        self.volume = settings.volume
        self.tags = TagParser()
        self.resampler = Resampler(self.rate, settings.sample_rate)
        self._t_base = 0.0  # seconds of output before the current resampler run
        self._out_before_run = 0  # output samples emitted before the current run
        self._in_run = 0  # input samples fed in the current run
        self._out_run = 0  # output samples emitted in the current run
        self._tail = np.zeros(0, np.float32)  # the last run's trailing silence, held back
        self._after_break = False  # the next run follows a break: no leading silence

    def render(self, text: str) -> Rendered:
        out = Rendered(audio=b"", n_samples=0)
        pieces: list[np.ndarray] = []
        for part in self.tags.parse(text):
            if isinstance(part, Break):
                self._tail = self._tail[:0]  # the break replaces the silence before it
                pieces.append(np.zeros(round(part.seconds * self.rate), np.float32))
                self._in_run += len(pieces[-1])
                self._after_break = True
            elif isinstance(part, Speed):
                self.speed = part.ratio
            elif isinstance(part, Volume):
                self.volume = part.ratio
            else:
                pieces.append(self._tail)
                self._in_run += len(self._tail)
                body, self._tail = self._run(part, out)
                pieces.append(body)
                self._after_break = False
        y = self.resampler.process(np.concatenate(pieces) if pieces else self._tail[:0])
        self._out_run += len(y)
        out.audio = encode(y, self.settings.encoding)
        out.n_samples = len(y)
        return out

    def flush(self, final: bool = True) -> Rendered:
        """Drain the resampler (end of a burst of text); timing continues seamlessly. The
        held trailing silence goes too when ``final`` (the input ended)."""
        y = self.resampler.process(self._tail) if final else self._tail[:0]
        if final:
            self._tail = self._tail[:0]
        y = np.concatenate([y, self.resampler.flush()])
        self._out_run += len(y)
        self._out_before_run += self._out_run
        self._t_base = self._out_before_run / self.settings.sample_rate
        self._in_run = self._out_run = 0
        return Rendered(audio=encode(y, self.settings.encoding), n_samples=len(y))

    def _run(self, words: Words, out: Rendered) -> tuple[np.ndarray, np.ndarray]:
        """Speak ``words``; add their timestamps to ``out``; (the audio to feed now, its
        trailing silence to hold back)."""
        tokens = [t for spoken in words.spoken for t in spoken]
        res: espeak.Spoken | neural.NeuralResult
        if not tokens:
            res = espeak.Spoken(np.zeros(0, np.float32))
        elif self.neural:
            res = neural.synthesize(tokens, self.speed)
        else:
            wpm = int(round(espeak.DEFAULT_WPM * self.speed))
            res = espeak.speak(tokens, self.espeak_voice, wpm)
        x = res.samples
        if self.volume != 1.0:
            x = np.clip(x * self.volume, -1.0, 1.0)
        first, last = _sound(x)
        lead = 0 if self._after_break else round(NEURAL_LEAD * self.rate) if self.neural else first
        start = max(0, first - lead)
        tail_end = min(len(x), last + round(NEURAL_TAIL * self.rate)) if self.neural else len(x)
        body, tail = x[start:last], x[last:tail_end]
        offset = self._t_base + self._in_run / self.rate
        self._in_run += len(body)
        sr, n = self.rate, len(body)

        def at(sample: int) -> float:
            return offset + min(max(sample - start, 0), n) / sr

        if self.settings.add_timestamps:
            k = 0
            for word, spoken in zip(words.display, words.spoken, strict=True):
                if spoken:
                    a, b = res.spans[k][0], res.spans[k + len(spoken) - 1][1]
                else:  # nothing to say (a spelled "-"): where the last word ended
                    a = b = res.spans[k - 1][1] if k else 0
                k += len(spoken)
                out.words.append(word)
                out.word_start.append(at(a))
                out.word_end.append(at(max(a, b)))
        if self.settings.add_phoneme_timestamps:
            for name, a, b in res.phonemes:
                out.phonemes.append(name)
                out.phoneme_start.append(at(a))
                out.phoneme_end.append(at(b))
        return body, tail


def _sound(x: np.ndarray) -> tuple[int, int]:
    """First and one-past-last samples of ``x`` above ``_LOUD`` of its peak (all if silent)."""
    peak = float(np.abs(x).max()) if len(x) else 0.0
    loud = np.flatnonzero(np.abs(x) > _LOUD * peak) if peak > 0 else np.zeros(0, np.int64)
    return (int(loud[0]), int(loud[-1]) + 1) if len(loud) else (0, len(x))
