"""Raw PCM from the server → float32 for the browser, and WAV files.

Cartesia streams mono little-endian PCM in one of four encodings. Chunks are
not guaranteed to hold whole samples, so `PcmDecoder` carries the remainder
of a chunk over to the next one.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

ENCODINGS = ("pcm_f32le", "pcm_s16le", "pcm_mulaw", "pcm_alaw")
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
BYTES_PER_SAMPLE = {"pcm_f32le": 4, "pcm_s16le": 2, "pcm_mulaw": 1, "pcm_alaw": 1}


def _mulaw_table() -> np.ndarray:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    magnitude = (((u & 0x0F) << 3) + 0x84) << exponent
    linear = np.where(u & 0x80, 0x84 - magnitude, magnitude - 0x84)
    return (linear / 32768.0).astype(np.float32)


def _alaw_table() -> np.ndarray:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    )
    linear = np.where(a & 0x80, magnitude, -magnitude)
    return (linear / 32768.0).astype(np.float32)


MULAW_TO_FLOAT = _mulaw_table()
ALAW_TO_FLOAT = _alaw_table()


def decode(data: bytes, encoding: str) -> np.ndarray:
    """Decode whole samples of `encoding` to float32 in [-1, 1]."""
    if encoding == "pcm_f32le":
        out = np.frombuffer(data, dtype="<f4").astype(np.float32)
        return np.clip(np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    if encoding == "pcm_s16le":
        return (np.frombuffer(data, dtype="<i2") / 32768.0).astype(np.float32)
    if encoding == "pcm_mulaw":
        return MULAW_TO_FLOAT[np.frombuffer(data, dtype=np.uint8)]
    if encoding == "pcm_alaw":
        return ALAW_TO_FLOAT[np.frombuffer(data, dtype=np.uint8)]
    raise ValueError(f"Unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}.")


class PcmDecoder:
    """Streaming decoder: feed raw chunks, get float32 samples; partial samples carry over."""

    def __init__(self, encoding: str) -> None:
        if encoding not in BYTES_PER_SAMPLE:
            raise ValueError(f"Unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}.")
        self.encoding = encoding
        self._width = BYTES_PER_SAMPLE[encoding]
        self._carry = b""

    def feed(self, data: bytes) -> np.ndarray:
        if self._carry:
            data = self._carry + data
        whole = len(data) - len(data) % self._width
        self._carry = data[whole:]
        return decode(data[:whole], self.encoding)

    @property
    def pending(self) -> int:
        """Bytes waiting for the rest of their sample."""
        return len(self._carry)


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> Path:
    """Write float32 mono audio as a 16-bit PCM WAV file."""
    path = Path(path)
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return path
