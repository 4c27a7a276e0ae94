"""The neural speech engine: hibari's bundled English voice (US female, 24 kHz), fully offline.

Owns the process's one hibari model: loaded lazily by the first caller (``get``/``warm_up``;
about 1 s with imports), from the ONNX file inside the ``hibari-tts`` wheel only: the
voice is located with ``download_missing=False`` and must be the bundled one, so no code
path here can fetch anything. The onnxruntime session is thread-safe and runs on the
calling thread (the render executor's workers); hibari's text-to-phoneme front end is
serialised behind a lock. ``synthesize`` turns a list of spoken words into float32 audio
plus a sample span per word and per phoneme; the renderer adds gain, trimming, tags and
resampling.

Word timestamps. hibari's API returns audio only, but its graph has a duration predictor:
``/Round_output_0`` holds each phoneme id's length in 25 ms units (two 12.5 ms frames), the
values the model itself expands its encoder states by. At load, that tensor is added to the
graph's outputs (a few bytes of protobuf appended to the model's ``GraphProto``; the
weights are untouched), so every phoneme's span is exact by construction: the audio is
``2 * sum(durations)`` frames long. Each spoken word is phonemized so that its phonemes are
known: the sentence's phoneme string is split at its spaces; when that does not give one
group per word (numbers, symbols), each word's own phonemization says how many groups are
its, and when even that disagrees, the words' own phonemes are synthesized, joined by
spaces. A word spans its first phoneme to its last non-punctuation phoneme (a pause at a
comma belongs to no word), then is snapped to the audio: its start moves forward to the
first 10 ms frame within 40 dB of the segment's loudest frame, and its end back to the last
such frame, which removes the silence the predictor gives to a phrase's last phoneme.
Should the tensor ever be missing (another hibari build), durations are estimated instead:
the loud part of the audio is shared among the phoneme ids (punctuation counting double,
spaces a third), then snapped the same way.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "SAMPLE_RATE",
    "NeuralResult",
    "NeuralUnavailable",
    "available",
    "get",
    "synthesize",
    "warm_up",
]

SAMPLE_RATE = 24000
VOICE = "heart"  # hibari's one bundled voice (af_heart distilled); the others download: never
DURATIONS = b"/Round_output_0"
UNIT = 600  # samples per duration unit: 2 frames of hop 300 at 24 kHz
MAX_IDS = 400  # hibari's limit per synthesis (phoneme characters)
_FRAME = 240  # 10 ms at 24 kHz, for the energy snap
_LOUD_DB = 40.0
_REACH = 10  # frames a word edge may move out into a silent gap (100 ms)
_PUNCT = frozenset(' !"(),.:;?—“”…→↓↗↘')
_MARKS = frozenset("ˈˌː")  # stress and length marks: part of a word, not phonemes of their own
_SEED = 0  # hibari adds a noise component: a fixed seed makes the audio reproducible


class NeuralUnavailable(RuntimeError):
    """The neural engine cannot be used (package missing, or the model failed to load)."""


@dataclass
class NeuralResult:
    """Audio (float32, 24 kHz) and sample spans of one ``synthesize`` call."""

    samples: np.ndarray
    spans: list[tuple[int, int]] = field(default_factory=list)  # per spoken word
    phonemes: list[tuple[str, int, int]] = field(default_factory=list)


def available() -> bool:
    """Whether the ``hibari`` package is importable (without importing it)."""
    try:
        return importlib.util.find_spec("hibari") is not None
    except (ImportError, ValueError):
        return False


class _Hibari:
    def __init__(self) -> None:
        try:
            import onnxruntime as ort
            from hibari import dsp, tts
            from hibari.g2p import G2P
            from hibari.voices import VOICES, voice_path
        except ImportError as exc:
            raise NeuralUnavailable(f"the hibari-tts package is not installed ({exc})") from exc
        if not VOICES.get(VOICE, {}).get("bundled"):
            raise NeuralUnavailable(f"hibari's {VOICE!r} voice is not bundled in this version")
        path = voice_path(VOICE, download_missing=False)
        with open(path, "rb") as f:
            model = f.read()
        with open(os.path.join(tts.ASSETS, "vocab.json"), encoding="utf-8") as f:
            self.vocab: dict[str, int] = json.load(f)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        providers = ["CPUExecutionProvider"]
        try:
            patched = _with_output(model, DURATIONS)
            self.session = ort.InferenceSession(patched, opts, providers=providers)
            self.has_durations = len(self.session.get_outputs()) == 7
        except Exception:  # noqa: BLE001 - another build: estimate durations instead
            self.session = ort.InferenceSession(model, opts, providers=providers)
            self.has_durations = False
        self.dsp = dsp
        self.g2p = G2P(british=False)
        self.g2p_lock = threading.Lock()

    # ------------------------------------------------------------------ text
    def groups(self, words: list[str]) -> list[str]:
        """The phonemes of each spoken word (a word may have several space-separated groups)."""
        with self.g2p_lock:
            whole = self.g2p(" ".join(words)).split(" ")
            if len(whole) == len(words):
                return whole
            own = [self.g2p(w) for w in words]
        counts = [len(p.split(" ")) if p else 0 for p in own]
        if sum(counts) != len(whole):
            return own
        out, i = [], 0
        for c in counts:
            out.append(" ".join(whole[i : i + c]))
            i += c
        return out

    # ------------------------------------------------------------------ audio
    def synthesize(self, words: list[str], speed: float) -> NeuralResult:
        spans: list[tuple[int, int] | None] = [None] * len(words)
        parts: list[np.ndarray] = []
        result = NeuralResult(np.zeros(0, np.float32))
        base = 0
        for chars, owner in _chunks(self.groups(words), self.vocab):
            x, edges = self._run(chars, speed)
            for w, (a, b) in _snap(_word_spans(chars, owner, edges), x).items():
                spans[w] = (base + a, base + b)
            result.phonemes += [
                (c, base + int(edges[k + 1]), base + int(edges[k + 2]))
                for k, c in enumerate(chars)
                if c not in _PUNCT and c not in _MARKS
            ]
            parts.append(x)
            base += len(x)
        result.samples = np.concatenate(parts) if parts else result.samples
        at = 0
        for w, span in enumerate(spans):  # a word without phonemes sits where the last ended
            result.spans.append(span or (at, at))
            at = result.spans[w][1]
        return result

    def _run(self, chars: list[str], speed: float) -> tuple[np.ndarray, np.ndarray]:
        """Audio of one chunk, and the sample edges of its ids (pads included)."""
        ids = [0, *(self.vocab[c] for c in chars), 0]
        feed = {"ids": np.asarray([ids], np.int64), "speed": np.asarray([speed], np.float32)}
        out = self.session.run(None, feed)
        rng = np.random.default_rng(_SEED)
        x = self.dsp.synth(*(o[0] for o in out[:6]), rng).astype(np.float32, copy=False)
        dur = np.asarray(out[6], np.float64).ravel() * UNIT if self.has_durations else None
        if dur is None or len(dur) != len(ids) or int(dur.sum()) != len(x):
            dur = _estimate(chars, x)
        return x, np.round(np.concatenate([[0.0], np.cumsum(dur)])).astype(np.int64)


def _chunks(groups: list[str], vocab: dict[str, int]) -> list[tuple[list[str], list[int]]]:
    """The phoneme characters of ``groups`` (joined by spaces) in chunks of at most ``MAX_IDS``,
    cut between words, with the index of the word owning each character (-1: a space)."""
    chunks: list[tuple[list[str], list[int]]] = []
    chars: list[str] = []
    owner: list[int] = []
    for i, group in enumerate(groups):
        mine = [c for c in group if c in vocab][:MAX_IDS]
        if chars and len(chars) + 1 + len(mine) > MAX_IDS:
            chunks.append((chars, owner))
            chars, owner = [], []
        if chars:
            chars.append(" ")
            owner.append(-1)
        chars += mine
        owner += [i] * len(mine)
    if chars:
        chunks.append((chars, owner))
    return chunks


def _word_spans(
    chars: list[str], owner: list[int], edges: np.ndarray
) -> dict[int, tuple[int, int]]:
    """Each word's span: its first id's start to its last non-punctuation id's end."""
    spans: dict[int, tuple[int, int]] = {}
    for k, (c, w) in enumerate(zip(chars, owner, strict=True)):
        if w < 0:
            continue
        a, b = int(edges[k + 1]), int(edges[k + 2])  # id k + 1: after the leading pad
        start, end = spans.get(w, (a, a))
        spans[w] = (start, b if c not in _PUNCT else end)
    return spans


def _loud_frames(x: np.ndarray) -> np.ndarray:
    """Which 10 ms frames of ``x`` are within ``_LOUD_DB`` of its loudest frame."""
    n = len(x) // _FRAME
    rms = np.sqrt(np.mean(x[: n * _FRAME].reshape(n, _FRAME).astype(np.float64) ** 2, axis=1))
    return rms > (rms.max() if n else 0.0) * 10 ** (-_LOUD_DB / 20) + 1e-9


def _snap(spans: dict[int, tuple[int, int]], x: np.ndarray) -> dict[int, tuple[int, int]]:
    """Move each word's edges to its sound: a start forward to its first loud frame, or back
    over the loud frames just before it in the gap after the previous word (the sound starts
    a frame or two before the durations say); an end likewise. Words stay in order."""
    loud = _loud_frames(x)
    out: dict[int, tuple[int, int]] = {}
    order = sorted(spans)
    prev_end = 0
    for i, w in enumerate(order):
        a, b = spans[w]
        nxt = spans[order[i + 1]][0] if i + 1 < len(order) else len(x)
        fa, fb = a // _FRAME, min(len(loud), -(-b // _FRAME))  # frames overlapping the word
        inside = np.flatnonzero(loud[fa:fb])
        if b > a and len(inside):
            first, last = fa + int(inside[0]), fa + int(inside[-1])
            a = max(a, first * _FRAME) if first > fa else _reach(loud, first, -1, prev_end, a)
            b = min(b, (last + 1) * _FRAME) if last < fb - 1 else _reach(loud, last, 1, nxt, b)
        a = max(a, prev_end)
        out[w] = (a, max(a, b))
        prev_end = out[w][1]
    return out


def _reach(loud: np.ndarray, frame: int, step: int, bound: int, edge: int) -> int:
    """The far edge of the loud frames next to ``frame`` in direction ``step`` (at most
    ``_REACH``, never past sample ``bound``); ``edge`` when there are none."""
    k = 0
    while k < _REACH:
        f = frame + step * (k + 1)
        inside = f * _FRAME >= bound if step < 0 else (f + 1) * _FRAME <= bound
        if not (0 <= f < len(loud) and loud[f] and inside):
            break
        k += 1
    if k == 0:
        return edge
    return (frame - k) * _FRAME if step < 0 else (frame + k + 1) * _FRAME


def _estimate(chars: list[str], x: np.ndarray) -> np.ndarray:
    """Durations (samples) of the ids ``[pad, *chars, pad]`` when the model gives none: the
    loud part of ``x`` shared by weight (punctuation 2, space 1/3, phoneme 1), pads outside."""
    loud = np.flatnonzero(_loud_frames(x))
    on, off = (int(loud[0]) * _FRAME, int(loud[-1] + 1) * _FRAME) if len(loud) else (0, len(x))
    weights = np.array(
        [2.0 if c in _PUNCT and c != " " else 1 / 3 if c == " " else 1.0 for c in chars]
    )
    inner = weights / max(weights.sum(), 1e-9) * (off - on)
    return np.concatenate([[on], inner, [len(x) - off]])


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def _encode_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _with_output(model: bytes, name: bytes) -> bytes:
    """``model`` (a serialized ONNX ``ModelProto``) with the tensor ``name`` added to its
    graph's outputs: field 7 (graph) gets one more field 12 (output), a ``ValueInfoProto``
    holding only the name (onnxruntime infers its type)."""
    out = bytearray()
    i = 0
    while i < len(model):
        key, j = _varint(model, i)
        kind = key & 7
        if kind == 0:
            _, end = _varint(model, j)
        elif kind == 2:
            size, start = _varint(model, j)
            end = start + size
        elif kind in (1, 5):
            end = j + (8 if kind == 1 else 4)
        else:
            raise ValueError(f"unexpected protobuf wire type {kind}")
        if key == (7 << 3 | 2):
            info = b"\x0a" + _encode_varint(len(name)) + name
            graph = model[start:end] + b"\x62" + _encode_varint(len(info)) + info
            out += model[i:j] + _encode_varint(len(graph)) + graph
        else:
            out += model[i:end]
        i = end
    return bytes(out)


_lock = threading.Lock()
_engine: _Hibari | None = None


def _load() -> _Hibari:
    return _Hibari()


def get() -> _Hibari:
    """The process's one neural engine, loaded by the first caller (``NeuralUnavailable``)."""
    global _engine
    with _lock:
        if _engine is None:
            try:
                _engine = _load()
            except NeuralUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - any load failure means: not available
                raise NeuralUnavailable(f"the neural voice failed to load ({exc})") from exc
        return _engine


def synthesize(words: list[str], speed: float = 1.0) -> NeuralResult:
    """Speak ``words`` (joined by spaces) at ``speed`` (hibari's own: 1.0 = its natural pace)."""
    return get().synthesize(words, speed)


def warm_up() -> None:
    """Load the engine and run it once (the first synthesis loads the phonemizer's tables)."""
    synthesize(["Ready."])
