"""Every encoding x sample rate through the real SDK, decoded back and checked as speech."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from cartesia_widget.local.resampler import Resampler, resample
from cartesia_widget.pcm import (
    BYTES_PER_SAMPLE,
    ENCODINGS,
    SAMPLE_RATES,
    alaw_decode,
    alaw_encode,
    decode,
    encode,
    mulaw_decode,
    mulaw_encode,
)

SENTENCE = "The quick brown fox jumps over the lazy dog."
_REF: dict[int, np.ndarray] = {}


def _speak(lt, srv, encoding: str, rate: int) -> tuple[bytes, list]:
    with lt.connect(lt.client(srv)) as conn:
        ctx = lt.context(conn, output_format=lt.fmt(encoding, rate))
        ctx.push(SENTENCE)
        ctx.no_more_inputs()
        events = lt.collect(ctx)
    assert events[-1].type == "done", events[-1]
    chunks = [e for e in events if e.type == "chunk"]
    for c in chunks:
        assert len(c.audio) % BYTES_PER_SAMPLE[encoding] == 0
        assert c.status_code == 206 and c.done is False and c.flush_id == 1
    return b"".join(c.audio for c in chunks), events


def _assert_speech(x: np.ndarray, rate: int) -> None:
    dur = len(x) / rate
    assert 1.0 < dur < 6.0, dur
    rms = float(np.sqrt(np.mean(x**2)))
    assert rms > 0.02, rms
    frame = int(0.05 * rate)
    frames = x[: len(x) // frame * frame].reshape(-1, frame)
    energy = np.sqrt((frames**2).mean(axis=1))
    # Speech: loud and quiet frames alternate (a tone or noise would be flat).
    assert energy.std() / energy.mean() > 0.5
    assert (energy < 0.1 * energy.max()).mean() > 0.05
    zcr = (np.diff(np.signbit(frames), axis=1)).mean(axis=1)[energy > 0.2 * energy.max()]
    assert zcr.std() > 0.005  # voiced and unvoiced sounds differ
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2 + 1e-12
    flatness = np.exp(np.mean(np.log(spec))) / np.mean(spec)
    assert 1e-6 < flatness < 0.2, flatness  # neither a pure tone nor white noise


def _reference(lt, srv, rate: int) -> np.ndarray:
    if rate not in _REF:
        audio, _ = _speak(lt, srv, "pcm_f32le", rate)
        _REF[rate] = decode(audio, "pcm_f32le")
    return _REF[rate]


@pytest.mark.parametrize("rate", SAMPLE_RATES)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_format_is_speech(lt, local_server, encoding: str, rate: int) -> None:
    audio, _ = _speak(lt, local_server, encoding, rate)
    assert len(audio) % BYTES_PER_SAMPLE[encoding] == 0
    x = decode(audio, encoding)
    _assert_speech(x, rate)
    ref = _reference(lt, local_server, rate)
    assert abs(len(x) - len(ref)) <= 0.02 * rate
    # espeak-ng jitters by a few samples between runs: compare 20 ms energy envelopes.
    env_x, env_ref = _envelope(x, rate), _envelope(ref, rate)
    n = min(len(env_x), len(env_ref))
    corr = np.corrcoef(env_x[:n], env_ref[:n])[0, 1]
    assert corr > 0.9, corr


def _envelope(x: np.ndarray, rate: int) -> np.ndarray:
    frame = int(0.02 * rate)
    return np.sqrt((x[: len(x) // frame * frame].reshape(-1, frame) ** 2).mean(axis=1))


def test_async_sdk_formats(lt, local_server) -> None:
    async def main() -> dict[str, bytes]:
        out = {}
        async with lt.connect(lt.aclient(local_server)) as conn:
            for enc, rate in (("pcm_s16le", 16000), ("pcm_mulaw", 8000), ("pcm_f32le", 48000)):
                ctx = lt.context(conn, output_format=lt.fmt(enc, rate))
                await ctx.push(SENTENCE)
                await ctx.no_more_inputs()
                events = await lt.acollect(ctx)
                assert events[-1].type == "done"
                out[f"{enc}/{rate}"] = b"".join(e.audio for e in events if e.type == "chunk")
        return out

    out = asyncio.run(main())
    for key, audio in out.items():
        enc, rate = key.split("/")
        _assert_speech(decode(audio, enc), int(rate))


def test_sample_rates_agree_in_duration(lt, local_server) -> None:
    durs = [len(_reference(lt, local_server, r)) / r for r in SAMPLE_RATES]
    assert max(durs) - min(durs) < 0.01


def test_g711_roundtrip_and_known_codes() -> None:
    pcm = np.arange(-32768, 32768, 7, dtype=np.int32)
    for enc, dec in ((mulaw_encode, mulaw_decode), (alaw_encode, alaw_decode)):
        back = dec(enc(pcm)).astype(np.int32)
        err = np.abs(back - pcm)
        # G.711 error grows with magnitude: at most ~3% relative (+ small absolute step).
        assert np.all(err <= 0.035 * np.abs(pcm) + 20)
    assert mulaw_encode(np.array([0]))[0] == 0xFF
    assert alaw_encode(np.array([0]))[0] == 0xD5
    assert mulaw_decode(np.array([0x00]))[0] == -32124
    assert alaw_decode(np.array([0xD5]))[0] == 8


def test_resampled_length_does_not_depend_on_where_flushes_fall() -> None:
    # A context's audio is flushed whenever its text runs dry, which depends on timing;
    # its length must not (it varied by a sample: 159929 or 159930 for the same text).
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 24000 * 3 + 7).astype(np.float32)
    for sr_in, sr_out in ((24000, 44100), (22050, 16000), (24000, 8000)):
        whole = len(resample(x, sr_in, sr_out))
        assert whole == -(-len(x) * sr_out // sr_in)
        for cuts in ([1, 2, 3], [101, 5000, 5001, 40000], list(range(997, len(x), 6011))):
            r, n = Resampler(sr_in, sr_out), 0
            for a, b in zip([0, *cuts], [*cuts, len(x)], strict=True):
                n += len(r.process(x[a:b])) + len(r.flush())
            assert n == whole, (sr_in, sr_out, cuts)


def test_resampler_is_band_limited_and_length_exact() -> None:
    t = np.arange(22050) / 22050
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    for rate in SAMPLE_RATES:
        y = resample(tone, 22050, rate)
        assert len(y) == rate
        ref = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(rate) / rate)
        assert np.abs(y - ref)[100:-100].max() < 1e-3
    # 6 kHz is above the 4 kHz Nyquist of 8 kHz: it must be removed, not aliased.
    hi = np.sin(2 * np.pi * 6000 * t).astype(np.float32)
    assert np.abs(resample(hi, 22050, 8000))[100:-100].max() < 0.01
    x = np.random.default_rng(0).standard_normal(5000).astype(np.float32) * 0.2
    for enc in ENCODINGS:
        assert np.abs(decode(encode(x, enc), enc) - x).max() < 0.02
