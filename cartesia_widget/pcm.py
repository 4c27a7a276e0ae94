"""The four raw PCM encodings of Cartesia (encode, decode), and WAV files.

Shared by the kernel side (server audio → float32 for the browser) and the
offline server (float audio → the requested encoding). Cartesia streams mono
little-endian PCM; chunks are not guaranteed to hold whole samples, so
`PcmDecoder` carries the remainder of a chunk over to the next one. G.711 is
vectorised numpy (byte-identical to the removed `audioop`). `wav_header` heads a
WAV file of any of the four encodings (the offline server's `/tts/bytes`).
"""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np

ENCODINGS = ("pcm_f32le", "pcm_s16le", "pcm_mulaw", "pcm_alaw")
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
BYTES_PER_SAMPLE = {"pcm_f32le": 4, "pcm_s16le": 2, "pcm_mulaw": 1, "pcm_alaw": 1}


def _to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.asarray(x, dtype=np.float32) * 32767.0), -32768, 32767).astype(
        np.int32
    )


_MULAW_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def mulaw_encode(pcm16: np.ndarray) -> np.ndarray:
    """G.711 mu-law encode int16-range integers to uint8."""
    v = np.asarray(pcm16, dtype=np.int32) >> 2
    mask = np.where(v < 0, 0x7F, 0xFF)
    v = np.minimum(np.abs(v), 8159) + 0x21
    seg = np.searchsorted(_MULAW_SEG_END, v, side="left")
    uval = (np.minimum(seg, 7) << 4) | ((v >> (np.minimum(seg, 7) + 1)) & 0x0F)
    uval = np.where(seg >= 8, 0x7F, uval)
    return ((uval ^ mask) & 0xFF).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """G.711 mu-law decode uint8 to int16."""
    u = ~np.asarray(codes, dtype=np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(u & 0x80, -mag, mag).astype(np.int16)


_ALAW_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])


def alaw_encode(pcm16: np.ndarray) -> np.ndarray:
    """G.711 A-law encode int16-range integers to uint8."""
    v = np.asarray(pcm16, dtype=np.int32) >> 3
    mask = np.where(v >= 0, 0xD5, 0x55)
    v = np.where(v >= 0, v, -v - 1)
    seg = np.searchsorted(_ALAW_SEG_END, v, side="left")
    shift = np.where(seg < 2, 1, seg)
    aval = (np.minimum(seg, 7) << 4) | ((v >> shift) & 0x0F)
    aval = np.where(seg >= 8, 0x7F, aval)
    return ((aval ^ mask) & 0xFF).astype(np.uint8)


def alaw_decode(codes: np.ndarray) -> np.ndarray:
    """G.711 A-law decode uint8 to int16."""
    a = np.asarray(codes, dtype=np.int32) ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    return np.where(a & 0x80, t, -t).astype(np.int16)


def encode(x: np.ndarray, encoding: str) -> bytes:
    """Encode float samples in [-1, 1] (clipped) to little-endian bytes."""
    if encoding == "pcm_f32le":
        return np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0).astype("<f4").tobytes()
    pcm = _to_int16(x)
    if encoding == "pcm_s16le":
        return pcm.astype("<i2").tobytes()
    if encoding == "pcm_mulaw":
        return mulaw_encode(pcm).tobytes()
    if encoding == "pcm_alaw":
        return alaw_encode(pcm).tobytes()
    raise ValueError(f"Unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}.")


def decode(data: bytes, encoding: str) -> np.ndarray:
    """Decode whole samples of ``encoding`` to float32 in [-1, 1] (NaN/Inf become 0/±1)."""
    if encoding == "pcm_f32le":
        out = np.frombuffer(data, dtype="<f4").astype(np.float32)
        return np.clip(np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    if encoding == "pcm_s16le":
        pcm = np.frombuffer(data, dtype="<i2")
    elif encoding == "pcm_mulaw":
        pcm = mulaw_decode(np.frombuffer(data, dtype=np.uint8))
    elif encoding == "pcm_alaw":
        pcm = alaw_decode(np.frombuffer(data, dtype=np.uint8))
    else:
        raise ValueError(f"Unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}.")
    return pcm.astype(np.float32) / 32768.0


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


def pcm16(audio: np.ndarray) -> bytes:
    """Float audio in [-1, 1] (clipped) as little-endian 16-bit PCM bytes."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def wav_writer(file: str | Path | BinaryIO, sample_rate: int) -> wave.Wave_write:
    """An open writer of a mono 16-bit PCM WAV file (frames: `pcm16` bytes)."""
    out = wave.open(str(file) if isinstance(file, Path) else file, "wb")  # noqa: SIM115 - the caller's
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(sample_rate)
    return out


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    """Float32 mono audio as the bytes of a 16-bit PCM WAV file."""
    buffer = io.BytesIO()
    with wav_writer(buffer, sample_rate) as out:
        out.writeframes(pcm16(audio))
    return buffer.getvalue()


_WAV_FORMAT = {"pcm_f32le": 3, "pcm_s16le": 1, "pcm_mulaw": 7, "pcm_alaw": 6}


def wav_header(encoding: str, sample_rate: int, n_samples: int) -> bytes:
    """RIFF/WAVE header (mono) for ``n_samples`` samples of ``encoding``."""
    width = BYTES_PER_SAMPLE[encoding]
    data_size = n_samples * width
    fmt = struct.pack(
        "<HHIIHH",
        _WAV_FORMAT[encoding],
        1,
        sample_rate,
        sample_rate * width,
        width,
        width * 8,
    )
    return (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data_size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_size)
    )
