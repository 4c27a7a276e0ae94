"""The streaming band-limited resampler (numpy) that takes engine audio to the requested rate.

Owns ``Resampler``: a rational L/M polyphase resampler with a Kaiser-windowed sinc filter.
It is stateful (feed blocks, then ``flush``) and processes in bounded blocks; ``resample``
is the one-shot form. Runs wherever its ``Renderer`` runs: the render executor's worker
threads (one context's renderer is used by one thread at a time). The encoders, decoders and
``wav_header`` live in ``cartesia_widget.pcm`` (shared with the kernel side).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["Resampler", "resample"]

_ZERO_CROSSINGS = 12
_KAISER_BETA = 8.0
_BLOCK = 1 << 17  # output samples computed per block (~0.5 MB of float32)


@lru_cache(maxsize=32)
def _design(sr_in: int, sr_out: int) -> tuple[int, int, np.ndarray, np.ndarray, int]:
    """Return (L, M, table[L, T], offsets[L], T) for a sr_in -> sr_out polyphase filter."""
    g = math.gcd(sr_in, sr_out)
    up, down = sr_out // g, sr_in // g
    # Cutoff (cycles per upsampled sample), slightly below the lower Nyquist frequency.
    fc = 0.5 / max(up, down) * 0.94
    hmax = int(math.ceil(_ZERO_CROSSINGS / (2 * fc)))
    taps = (2 * hmax) // up + 2
    phases = np.arange(up)
    # First input index (relative to t // up) that contributes to an output at phase p.
    offsets = -((hmax - phases) // up)  # == ceil((p - hmax) / up)
    # Distance (in upsampled samples) between output position and input sample i.
    m = phases[:, None] - (offsets[:, None] + np.arange(taps)[None, :]) * up
    x = m / hmax
    window = np.where(np.abs(x) <= 1.0, np.i0(_KAISER_BETA * np.sqrt(np.clip(1 - x * x, 0, 1))), 0)
    window = window / np.i0(_KAISER_BETA)
    h = 2 * fc * np.sinc(2 * fc * m) * window * up
    return up, down, h.astype(np.float32), offsets.astype(np.int64), taps


class Resampler:
    """Streaming rational resampler from ``sr_in`` to ``sr_out`` (mono float32).

    Output sample ``n`` is at time ``n / sr_out``; the total output length after ``flush`` is
    ``ceil(n_in * sr_out / sr_in)`` so timings stay exact across blocks. Over several runs
    (each ended by a ``flush``), the total is that of all their input at once: a run gives one
    sample fewer where the rounding of the runs before already gave one more, so the length
    of a context's audio never depends on where its flushes fell (they depend on timing).
    """

    def __init__(self, sr_in: int, sr_out: int) -> None:
        self.sr_in, self.sr_out = sr_in, sr_out
        self.passthrough = sr_in == sr_out
        if not self.passthrough:
            self.up, self.down, self.table, self.offsets, self.taps = _design(sr_in, sr_out)
            self._offsets = [int(o) for o in self.offsets]
            self._buf = np.zeros(self.taps, dtype=np.float32)
            self._buf_start = -self.taps  # absolute input index of _buf[0]
        self._n_in = 0
        self._n_out = 0  # next output index
        self._in_earlier = 0  # input of the runs before this one (kept by ``flush``)

    def reset(self) -> None:
        self.__init__(self.sr_in, self.sr_out)  # type: ignore[misc]

    def _first_input(self, n: np.ndarray | int) -> np.ndarray | int:
        t = np.asarray(n, dtype=np.int64) * self.down
        return t // self.up + self.offsets[t % self.up]

    def _produce(self, limit_in: int, limit_out: int | None) -> np.ndarray:
        """Compute every output whose inputs are all below absolute index ``limit_in``."""
        # Largest n with first_input(n) + taps <= limit_in (monotone in n).
        lo = max(self._n_out, ((limit_in - 2 * self.taps) * self.up) // self.down - self.up)
        cand = np.arange(lo, (limit_in * self.up) // self.down + self.up + 1, dtype=np.int64)
        ok = cand[self._first_input(cand) + self.taps <= limit_in]
        n_hi = int(ok[-1]) if len(ok) else self._n_out - 1
        if limit_out is not None:
            n_hi = min(n_hi, limit_out - 1)
        pieces = []
        windows = sliding_window_view(self._buf, self.taps)
        while self._n_out <= n_hi:
            n0 = self._n_out
            count = min(n_hi + 1, n0 + _BLOCK) - n0
            y = np.empty(count, dtype=np.float32)
            # Outputs n0 + d + k*L share a filter phase and step M inputs apart.
            up, down, offsets = self.up, self.down, self._offsets
            for d in range(min(up, count)):
                t = (n0 + d) * down  # plain ints: this loop runs up to ``up`` times a block
                k = (count - 1 - d) // up + 1
                phase = t % up
                j0 = t // up + offsets[phase] - self._buf_start
                rows = windows[j0 : j0 + (k - 1) * down + 1 : down]
                y[d::up] = rows @ self.table[phase]
            pieces.append(y)
            self._n_out = n0 + count
        # Drop input no longer needed.
        keep_from = int(self._first_input(self._n_out)) - self._buf_start
        if keep_from > 0:
            self._buf = self._buf[keep_from:]
            self._buf_start += keep_from
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Feed input samples; return the output samples that are now complete."""
        x = np.asarray(x, dtype=np.float32)
        self._n_in += len(x)
        if self.passthrough:
            self._n_out += len(x)
            return x
        out = []
        step = max(1, _BLOCK * self.down // self.up)
        for start in range(0, len(x), step):
            self._buf = np.concatenate([self._buf, x[start : start + step]])
            out.append(self._produce(self._buf_start + len(self._buf), None))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def _ceil_out(self, n_in: int) -> int:
        """Output samples that ``n_in`` input samples make, rounded up."""
        return -(-n_in * self.up // self.down)

    def flush(self) -> np.ndarray:
        """Return the remaining output (zero-padding the input); the resampler then starts a
        new run."""
        earlier, n_in = self._in_earlier, self._n_in
        if self.passthrough:
            self.reset()
            return np.zeros(0, dtype=np.float32)
        total = self._ceil_out(earlier + n_in) - self._ceil_out(earlier)
        self._buf = np.concatenate([self._buf, np.zeros(self.taps, dtype=np.float32)])
        out = self._produce(self._buf_start + len(self._buf), total)
        self.reset()
        self._in_earlier = earlier + n_in
        return out


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """One-shot band-limited resampling of a whole signal."""
    r = Resampler(sr_in, sr_out)
    a = r.process(x)
    return np.concatenate([a, r.flush()])
