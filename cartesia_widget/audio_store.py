"""`AudioStore`: an utterance's audio, kept whole but not all in memory.

Speech is kept exactly as received (float32, what `.audio` returns and what the
browser played). The first `MEMORY_BYTES` stay in memory (16 MB: about 95 s at
44.1 kHz, over 4 minutes at 16 kHz); the rest goes to a temporary file,
deleted with the store. A two-hour reading at 44.1 kHz thus holds 16 MB of
memory and 1.27 GB of disk; `.audio` reads it all back only when asked, and
`to_wav()` converts it block by block.

Owned by its `Utterance`, whose lock guards every call.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .pcm import pcm16, wav_writer

#: Bytes of audio kept in memory before the rest goes to a temporary file.
MEMORY_BYTES = 16 * 1024 * 1024
#: Samples converted at a time when writing a WAV file.
BLOCK = 1 << 20


class AudioStore:
    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in close()
            max_size=MEMORY_BYTES, prefix="cartesia-widget-"
        )
        self.frames = 0

    def append(self, samples: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(samples, dtype="<f4").tobytes())
        self.frames += len(samples)

    def read(self, start: int = 0, count: int | None = None) -> np.ndarray:
        """`count` samples from `start` (default: all the rest), as a float32 array."""
        start = min(max(start, 0), self.frames)
        count = self.frames - start if count is None else min(max(count, 0), self.frames - start)
        self._file.seek(start * 4)
        data = np.frombuffer(self._file.read(count * 4), dtype="<f4").astype(np.float32)
        self._file.seek(0, 2)
        return data

    @property
    def in_memory(self) -> bool:
        """False once the audio outgrew memory and moved to a temporary file."""
        return not getattr(self._file, "_rolled", False)

    def write_wav(self, path: Path, sample_rate: int) -> Path:
        """Write the audio as a 16-bit PCM WAV file, a block at a time."""
        with wav_writer(path, sample_rate) as out:
            for start in range(0, self.frames, BLOCK):
                out.writeframes(pcm16(self.read(start, BLOCK)))
        return path

    def close(self) -> None:
        self._file.close()
