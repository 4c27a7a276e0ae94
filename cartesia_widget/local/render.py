"""Turn text segments into encoded audio plus word/phoneme timestamps for one context."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..pcm import encode
from . import engine
from .audio import Resampler
from .protocol import GenerationSettings
from .text import words_with_spans
from .voices import espeak_voice_for

__all__ = ["Rendered", "Renderer"]


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
        self.wpm = int(round(engine.DEFAULT_WPM * settings.speed))
        self.resampler = Resampler(engine.ENGINE_SAMPLE_RATE, settings.sample_rate)
        self._t_base = 0.0  # seconds of output before the current resampler run
        self._out_before_run = 0  # output samples emitted before the current run
        self._in_run = 0  # input samples fed in the current run
        self._out_run = 0  # output samples emitted in the current run

    def render(self, text: str) -> Rendered:
        res = engine.synthesize(text, self.espeak_voice, self.wpm)
        sr = engine.ENGINE_SAMPLE_RATE
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
        self, text: str, res: engine.SynthResult, x: np.ndarray, offset: float, out: Rendered
    ) -> None:
        if not self.settings.add_timestamps:
            return
        tokens = words_with_spans(text)
        if not tokens:
            return
        sr = engine.ENGINE_SAMPLE_RATE
        n = len(x)
        starts: list[int | None] = []
        ev = sorted(res.words)
        j = 0
        for _word, a, b in tokens:
            found = None
            while j < len(ev) and ev[j][0] < b:
                if ev[j][0] >= a and found is None:
                    found = ev[j][2]
                j += 1
            starts.append(found)
        # Fill tokens without an event (e.g. stray punctuation) from their neighbours.
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
        loud = np.flatnonzero(np.abs(x) > 0.01)
        speech_end = int(loud[-1]) + 1 if len(loud) else n
        for i, (word, _a, _b) in enumerate(tokens):
            start = filled[i]
            end = filled[i + 1] if i + 1 < len(tokens) else max(start, speech_end)
            out.words.append(word)
            out.word_start.append(offset + start / sr)
            out.word_end.append(offset + max(end, start) / sr)
