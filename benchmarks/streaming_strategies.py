"""The four ways of speaking an LLM's answer that bench_streaming.py compares.

Imported by the benchmark itself (kernel measurements) and by the notebook it
runs in JupyterLab (browser measurements), so both measure the same code:

- (a) our aggregation: `cw.speak(tokens)`;
- (b) wait for the whole answer, then speak it;
- (c) every token pushed raw, the server buffering (`max_buffer_delay_ms` 3000);
- (d) every word pushed as it completes, `max_buffer_delay_ms=0`.

The pushes are recorded by wrapping `Sender._push_one` (benchmark instrumentation).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import cartesia_widget as cw
from cartesia_widget import sender
from cartesia_widget.aggregator import words
from cartesia_widget.simulated_llm import simulated_llm

#: Five sentences, about 70 tokens.
ANSWER = (
    "Streaming speech lets you hear an answer while it is still being written. "
    "The widget sends the text to Cartesia in natural pieces. "
    "Each sentence goes out as soon as it ends, so the voice never waits for the rest. "
    "Audio comes back in small chunks and plays in your browser without gaps. "
    "That is why the first words arrive so quickly."
)
FIRST_TOKEN = 0.3
PUSHES: list[str] = []

_push_one = sender.Sender._push_one


def _recording_push(self: sender.Sender, text: str, **flags: bool) -> None:
    PUSHES.append(text)
    _push_one(self, text, **flags)


sender.Sender._push_one = _recording_push  # type: ignore[method-assign]


class TimedLLM:
    """A simulated LLM stream that notes when its tokens came out."""

    def __init__(self, rate: float, text: str = ANSWER) -> None:
        self.rate = rate
        self.text = text
        self.times: list[float] = []
        self.tokens: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for token in simulated_llm(self.text, tokens_per_second=self.rate, first_token=FIRST_TOKEN):
            self.times.append(time.time())
            self.tokens.append(token)
            yield token

    @property
    def first_boundary(self) -> float:
        """When the first sentence end became visible: the token after its '.'/'!'/'?'."""
        for i, token in enumerate(self.tokens):
            if re.search(r"[.!?]$", token) and i + 1 < len(self.tokens):
                return self.times[i + 1]
        return self.times[-1]


def as_words(tokens: Iterable[str]) -> Iterator[str]:
    """Re-cut a token stream into whole words (with their following space)."""
    pending = ""
    for token in tokens:
        pending += token
        cut = pending.rfind(" ")
        if cut > 0:
            yield pending[: cut + 1]
            pending = pending[cut + 1 :]
    if pending:
        yield pending


STRATEGIES: dict[str, Callable[[TimedLLM, dict[str, Any]], cw.Utterance]] = {
    "a: our aggregation": lambda llm, kw: cw.speak(iter(llm), **kw),
    "b: whole answer, then speak": lambda llm, kw: cw.speak("".join(llm), **kw),
    "c: raw tokens, server buffers 3000 ms": lambda llm, kw: cw.speak(
        iter(llm), buffering="server", **kw
    ),
    "d: words, max_buffer_delay_ms=0": lambda llm, kw: cw.speak(
        as_words(llm), buffering="server", max_buffer_delay_ms=0, **kw
    ),
}


def start(strategy: str, rate: float, **kw: Any) -> tuple[TimedLLM, cw.Utterance, list]:
    """Start speaking the answer one way; returns the LLM, the handle and the audio log
    [(arrival time, seconds)]."""
    PUSHES.clear()
    llm = TimedLLM(rate)
    arrivals: list[tuple[float, float]] = []
    heard = [0.0]

    def on_change(u: cw.Utterance) -> None:
        if u.duration > heard[0]:
            arrivals.append((time.time(), u.duration - heard[0]))
            heard[0] = u.duration

    u = STRATEGIES[strategy](llm, kw)
    u._subscribe(on_change)
    return llm, u, arrivals


def end_of_speech(arrivals: list[tuple[float, float]]) -> float:
    """When the audio would end, played gaplessly from each chunk's arrival."""
    cursor = 0.0
    for arrived, seconds in arrivals:
        cursor = max(cursor, arrived) + seconds
    return cursor


def measure(llm: TimedLLM, u: cw.Utterance, arrivals: list, pushes: list[str]) -> dict:
    """The kernel's figures of one finished run, in ms."""
    first_audio = u._timings.first_chunk_at or float("nan")
    t0 = llm.times[0]
    short = [p for p in pushes[:-1] if words(p) < 3]
    return {
        "first_token_to_first_audio_ms": round((first_audio - t0) * 1000, 1),
        "first_boundary_to_first_audio_ms": round((first_audio - llm.first_boundary) * 1000, 1),
        "last_token_to_end_of_speech_ms": round((end_of_speech(arrivals) - llm.times[-1]) * 1000),
        "pushes": len(pushes),
        "short_pushes": len(short),
        "audio_seconds": round(u.duration, 2),
    }
