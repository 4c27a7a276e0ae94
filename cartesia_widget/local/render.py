"""Turn text segments into encoded audio plus word/phoneme timestamps for one context.

Owns ``Renderer`` (stateful, one per context or ``/tts/bytes`` request) and ``EXECUTOR``,
the two worker threads that render: ``render`` and ``flush`` are called there through
``in_executor`` (``/tts/bytes`` flushes on the loop), never on two threads at once for
one renderer. The espeak-ng engine serialises the actual synthesis behind its own lock.
``off_loop`` sends other work that grows with a client's text (parsing a large frame,
splitting a long transcript) to the same threads, so the event loop never stalls on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from ..pcm import encode
from . import espeak
from .catalogue import espeak_voice_for
from .resampler import Resampler
from .settings import GenerationSettings
from .transcript import words_with_spans

__all__ = ["EXECUTOR", "INLINE_LIMIT", "Rendered", "Renderer", "in_executor", "off_loop"]

EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cartesia-local-tts")
#: Work on a text of up to this many characters (or bytes) runs inline on the loop (well
#: under a millisecond); larger texts go to ``EXECUTOR``.
INLINE_LIMIT = 16 * 1024
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
        self.espeak_voice = espeak_voice_for(settings.voice, settings.language)
        self.wpm = int(round(espeak.DEFAULT_WPM * settings.speed))
        self.resampler = Resampler(espeak.ENGINE_SAMPLE_RATE, settings.sample_rate)
        self._t_base = 0.0  # seconds of output before the current resampler run
        self._out_before_run = 0  # output samples emitted before the current run
        self._in_run = 0  # input samples fed in the current run
        self._out_run = 0  # output samples emitted in the current run

    def render(self, text: str) -> Rendered:
        res = espeak.synthesize(text, self.espeak_voice, self.wpm)
        sr = espeak.ENGINE_SAMPLE_RATE
        x = res.samples.astype(np.float32) / 32768.0
        if self.settings.volume != 1.0:
            x = np.clip(x * self.settings.volume, -1.0, 1.0)
        offset = self._t_base + self._in_run / sr
        n = len(x)
        out = Rendered(audio=b"", n_samples=0)
        self._word_times(text, res, x, offset, out)
        if self.settings.add_phoneme_timestamps:
            for i, (name, sample) in enumerate(res.phonemes):
                nxt = res.phonemes[i + 1][1] if i + 1 < len(res.phonemes) else n
                out.phonemes.append(name)
                out.phoneme_start.append(offset + min(sample, n) / sr)
                out.phoneme_end.append(offset + max(min(nxt, n), min(sample, n)) / sr)
        self._in_run += n
        y = self.resampler.process(x)
        self._out_run += len(y)
        out.audio = encode(y, self.settings.encoding)
        out.n_samples = len(y)
        return out

    def flush(self) -> Rendered:
        """Drain the resampler (end of a burst of text); timing continues seamlessly."""
        y = self.resampler.flush()
        self._out_run += len(y)
        self._out_before_run += self._out_run
        self._t_base = self._out_before_run / self.settings.sample_rate
        self._in_run = self._out_run = 0
        return Rendered(audio=encode(y, self.settings.encoding), n_samples=len(y))

    def _word_times(
        self, text: str, res: espeak.SynthResult, x: np.ndarray, offset: float, out: Rendered
    ) -> None:
        if not self.settings.add_timestamps:
            return
        tokens = words_with_spans(text)
        if not tokens:
            return
        sr = espeak.ENGINE_SAMPLE_RATE
        n = len(x)
        filled = _fill_gaps(_word_events(tokens, res.words), n)
        loud = np.flatnonzero(np.abs(x) > 0.01)
        speech_end = int(loud[-1]) + 1 if len(loud) else n
        for i, (word, _a, _b) in enumerate(tokens):
            start = filled[i]
            end = filled[i + 1] if i + 1 < len(tokens) else max(start, speech_end)
            out.words.append(word)
            out.word_start.append(offset + start / sr)
            out.word_end.append(offset + max(end, start) / sr)


def _word_events(
    tokens: list[tuple[str, int, int]], events: list[tuple[int, int, int]]
) -> list[int | None]:
    """Sample of the first word event inside each token's span (``None`` for none)."""
    starts: list[int | None] = []
    ev = sorted(events)
    j = 0
    for _word, a, b in tokens:
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
