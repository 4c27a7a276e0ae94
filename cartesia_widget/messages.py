"""The comm messages between the kernel and the browser, as Python types.

The protocol is documented once, in js/messages.ts (the browser's discriminated
union); these TypedDicts are its kernel-side twins, and tests/test_messages.py
checks that both sides declare the same messages with the same fields.

Audio travels as custom messages with one binary buffer each, never as traits,
so it is neither re-sent to late views nor saved into the notebook.
"""

from __future__ import annotations

from typing import Literal, TypedDict

import numpy as np

# -- kernel → browser --------------------------------------------------------------------


class ChunkMessage(TypedDict):
    """Audio of a stream; the one buffer holds little-endian float32 samples."""

    type: Literal["chunk"]
    stream: str
    seq: int
    sample_rate: int
    t_kernel: float
    lead: float | None


class EndMessage(TypedDict):
    """No more chunks for this stream."""

    type: Literal["end"]
    stream: str
    frames: int


class StopMessage(TypedDict):
    """Silence now: one stream, or every stream when `stream` is None."""

    type: Literal["stop"]
    stream: str | None


class HelloMessage(TypedDict):
    """The audio thread is up (the browser ignores it)."""

    type: Literal["hello"]


KernelMessage = ChunkMessage | EndMessage | StopMessage | HelloMessage

# -- browser → kernel --------------------------------------------------------------------


class HelloReport(TypedDict):
    """A page's engine is connected (the kernel makes the next player ahead)."""

    type: Literal["hello"]


class StopRequest(TypedDict):
    """The user pressed Stop (or Escape)."""

    type: Literal["stop"]


class SpeakRequest(TypedDict):
    """The Speaker's Speak button (or Ctrl/Cmd+Enter)."""

    type: Literal["speak"]


class ReplayRequest(TypedDict):
    """The Speaker's Replay button, when the browser holds no audio of its own."""

    type: Literal["replay"]


class FirstAudioReport(TypedDict):
    """Timings of a stream's first chunk in the browser."""

    type: Literal["first_audio"]
    stream: str
    t_kernel: float
    received_at: float
    scheduled_at: float
    schedule_ms: float
    lead_ms: float
    output_latency_ms: float
    audio_state: str


class FinishedReport(TypedDict):
    """Playback of a stream has ended."""

    type: Literal["finished"]
    stream: str
    how: Literal["played", "stopped"]
    frames: int
    played: float
    underruns: int
    gap_seconds: float


BrowserMessage = (
    HelloReport | StopRequest | SpeakRequest | ReplayRequest | FirstAudioReport | FinishedReport
)


def chunk(
    stream: str,
    seq: int,
    sample_rate: int,
    t_kernel: float,
    audio: np.ndarray,
    lead: float | None = None,
) -> tuple[ChunkMessage, list[bytes]]:
    """A chunk message and its buffer (contiguous little-endian float32 bytes)."""
    content: ChunkMessage = {
        "type": "chunk",
        "stream": stream,
        "seq": seq,
        "sample_rate": sample_rate,
        "t_kernel": t_kernel,
        "lead": lead,
    }
    return content, [np.ascontiguousarray(audio, dtype="<f4").tobytes()]


def end(stream: str, frames: int) -> EndMessage:
    return {"type": "end", "stream": stream, "frames": frames}


def stop(stream: str | None = None) -> StopMessage:
    return {"type": "stop", "stream": stream}


def hello() -> HelloMessage:
    return {"type": "hello"}
