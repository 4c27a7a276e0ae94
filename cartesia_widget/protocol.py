"""Comm messages between the kernel and the browser (the JS side is js/player.ts).

Audio travels as custom messages with one binary buffer each, never as traits,
so it is neither re-sent to late views nor saved into the notebook.

Kernel → browser:
    {"type": "chunk", "stream", "seq", "sample_rate", "t_kernel"} + float32 LE samples
    {"type": "end", "stream", "frames"}          no more chunks for this stream
    {"type": "stop", "stream": id | None}        silence now (None: every stream)
Browser → kernel:
    {"type": "stop"}                             the user pressed Stop
    {"type": "first_audio", "stream", "received_at", "scheduled_at", "schedule_ms",
     "lead_ms", "output_latency_ms", "audio_state"}
    {"type": "finished", "stream", "how": "played" | "stopped", "frames", "played",
     "underruns", "gap_seconds"}
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Minimum seconds between two chunk messages of one stream: ≤ 50 messages/s,
#: far below Jupyter's IOPub limit of 1000 messages/s.
MIN_CHUNK_INTERVAL = 0.02


def chunk(stream: str, seq: int, sample_rate: int, t_kernel: float, audio: np.ndarray):
    """A chunk message and its buffer (contiguous little-endian float32 bytes)."""
    content: dict[str, Any] = {
        "type": "chunk",
        "stream": stream,
        "seq": seq,
        "sample_rate": sample_rate,
        "t_kernel": t_kernel,
    }
    return content, [np.ascontiguousarray(audio, dtype="<f4").tobytes()]


def end(stream: str, frames: int) -> dict[str, Any]:
    return {"type": "end", "stream": stream, "frames": frames}


def stop(stream: str | None = None) -> dict[str, Any]:
    return {"type": "stop", "stream": stream}
