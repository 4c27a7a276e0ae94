"""The neural voice (hibari) of the local server: formats, timing, fallback, and no network."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_local_audio import _assert_speech, _envelope
from test_local_tags import ESPEAK_VOICE, quiet_runs, speak

from cartesia_widget.local import DEFAULT_VOICE_ID, VOICES, LocalServer, neural, server
from cartesia_widget.local.catalogue import find_voice
from cartesia_widget.options import CARTESIA_DEFAULT_VOICE
from cartesia_widget.pcm import ENCODINGS, SAMPLE_RATES, decode

pytestmark = pytest.mark.skipif(not neural.available(), reason="hibari-tts is not installed")
SENTENCE = "The quick brown fox jumps over the lazy dog."
# espeak-ng's stand-in for the neural voice when the neural engine is off.
STAND_IN = next(v.id for v in VOICES if v.slug == "en-us-female")


def _voice_json(lt, srv, voice_id: str) -> dict:
    return lt.client(srv).voices.get(voice_id).model_dump()


def test_the_neural_voice_is_the_default(lt, local_server) -> None:
    assert local_server.default_engine == "neural"
    assert "neural" in local_server.engine_line
    assert find_voice(CARTESIA_DEFAULT_VOICE).id == DEFAULT_VOICE_ID == VOICES[0].id
    v = _voice_json(lt, local_server, DEFAULT_VOICE_ID)
    assert v["name"] == "Local Hibari" and v["engine"] == "neural"
    assert "neural" in v["description"] and "offline" in v["description"].lower()
    assert _voice_json(lt, local_server, ESPEAK_VOICE)["engine"] == "espeak"


@pytest.mark.parametrize("voice", [DEFAULT_VOICE_ID, ESPEAK_VOICE], ids=["neural", "espeak"])
def test_every_encoding_and_rate_is_speech(lt, local_server, voice) -> None:
    """4 encodings x 6 rates on one connection: speech, as long and as loud as the reference."""
    out = {}
    with lt.connect(lt.client(local_server)) as conn:
        for enc in ENCODINGS:
            for rate in SAMPLE_RATES:
                ctx = lt.context(conn, voice=voice, output_format=lt.fmt(enc, rate))
                ctx.push(SENTENCE)
                ctx.no_more_inputs()
                events = lt.collect(ctx)
                assert events[-1].type == "done", events[-1]
                data = b"".join(e.audio for e in events if e.type == "chunk")
                out[enc, rate] = decode(data, enc)
    ref = out["pcm_f32le", 24000]
    ref_s, ref_rms = len(ref) / 24000, np.sqrt(np.mean(ref**2))
    assert 1.8 < ref_s < 3.6, ref_s  # the sentence takes ~2.6 s at a natural pace
    for (enc, rate), x in out.items():
        _assert_speech(x, rate)
        assert abs(len(x) / rate - ref_s) <= 0.01, (enc, rate, len(x) / rate, ref_s)
        assert 0.85 < np.sqrt(np.mean(x**2)) / ref_rms < 1.15, (enc, rate)


def test_word_timestamps_follow_the_audio(lt, local_server) -> None:
    text = "Well, to be honest, I never thought we would get this far. She smiled, and left."
    r = speak(lt, local_server, [text], add_phoneme_timestamps=True)
    assert r.words == text.split()
    assert all(0 <= s <= e <= r.duration + 1e-6 for s, e in zip(r.start, r.end, strict=True))
    assert all(r.end[i] <= r.start[i + 1] + 1e-9 for i in range(len(r.words) - 1))
    for s, e in zip(r.start, r.end, strict=True):  # each word's span holds sound
        assert np.sqrt(np.mean(r.audio[int(s * 24000) : int(e * 24000)] ** 2)) > 0.01
    # Every pause inside the speech falls between two words (none cuts through a word's
    # span by more than a frame), and those after commas and stops start and end with it.
    pauses = [p for p in quiet_runs(r.audio, 0.05) if r.start[0] < p[0] and p[1] < r.end[-1]]
    assert len(pauses) >= 2, pauses
    for a, b in pauses:
        i = max(k for k in range(len(r.words)) if r.start[k] < a)
        assert r.end[i] <= a + 0.015 and r.start[i + 1] >= b - 0.015, (r.words[i], a, b)
        if r.words[i][-1] in ",.":
            assert abs(r.end[i] - a) <= 0.03 and abs(r.start[i + 1] - b) <= 0.03
    ph = [e for e in r.events if e.type == "phoneme_timestamps"]
    starts = [s for e in ph for s in e.phoneme_timestamps.start]
    assert len(starts) > 2 * len(r.words) and starts == sorted(starts)


def test_estimated_durations_stay_close_to_the_models(monkeypatch) -> None:
    """Without the model's durations (another hibari build), word edges are estimated."""
    text = "Well, to be honest, I never thought we would get this far."
    words = text.split()
    exact = neural.synthesize(words)
    monkeypatch.setattr(neural.get(), "has_durations", False)
    guess = neural.synthesize(words)
    assert len(guess.samples) == len(exact.samples) and len(guess.spans) == len(words)
    edges = np.array(guess.spans).ravel()
    assert np.all(np.diff(edges) >= 0) and edges[-1] <= len(guess.samples)
    error = np.abs(edges - np.array(exact.spans).ravel()) / neural.SAMPLE_RATE
    assert np.median(error) < 0.12 and error.max() < 0.4, error


def test_a_long_text_streams_fast_with_bounded_timestamps(lt, local_server) -> None:
    text = "The reader never stops, never tires, and never loses its place. " * 40
    fmt = lt.fmt("pcm_s16le", 16000)
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn, output_format=fmt, add_timestamps=True)
        t0 = time.perf_counter()
        ctx.push(text)
        ctx.no_more_inputs()
        arrivals = [(time.perf_counter() - t0, e) for e in ctx.receive()]
    first = next(t for t, e in arrivals if e.type == "chunk")
    wall = arrivals[-1][0]
    audio_s = sum(len(e.audio) for _, e in arrivals if e.type == "chunk") / 2 / 16000
    stamps = [e.word_timestamps for _, e in arrivals if e.type == "timestamps"]
    starts = [s for st in stamps for s in st.start]
    assert first < 0.25 and len(starts) == len(text.split()) and starts == sorted(starts)
    assert 0.9 * audio_s < stamps[-1].end[-1] <= audio_s + 1e-6
    assert audio_s / wall > 20, (audio_s, wall)  # ~100x alone; CI machines are shared


# ------------------------------------------------------------------ fallback to espeak-ng
def _assert_espeak_speaks_the_default(lt, srv) -> None:
    assert srv.default_engine == "espeak" and "espeak-ng" in srv.engine_line
    v = _voice_json(lt, srv, DEFAULT_VOICE_ID)
    assert v["engine"] == "espeak" and "espeak-ng" in v["description"]
    default = speak(lt, srv, [SENTENCE], voice=DEFAULT_VOICE_ID)
    stand_in = speak(lt, srv, [SENTENCE], voice=STAND_IN)
    assert default.events[-1].type == "done" and default.words == SENTENCE.split()
    # The same espeak-ng voice (en-us, f3) speaks both (espeak-ng jitters by a few samples).
    assert abs(len(default.audio) - len(stand_in.audio)) <= 0.01 * len(stand_in.audio)
    env, ref = _envelope(default.audio, 24000), _envelope(stand_in.audio, 24000)
    n = min(len(env), len(ref))
    assert np.corrcoef(env[:n], ref[:n])[0, 1] > 0.95


def test_the_keyword_turns_the_neural_engine_off(lt) -> None:
    with LocalServer(neural=False) as srv:
        assert "turned off" in srv.engine_line
        _assert_espeak_speaks_the_default(lt, srv)


def test_the_environment_variable_turns_it_off(lt, monkeypatch) -> None:
    monkeypatch.setenv("CARTESIA_WIDGET_NEURAL", "0")
    with LocalServer() as srv:
        _assert_espeak_speaks_the_default(lt, srv)
    monkeypatch.setenv("CARTESIA_WIDGET_NEURAL", "1")
    assert LocalServer().default_engine == "neural"


def test_a_missing_package_falls_back(lt, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "hibari", None)  # "import hibari" raises ImportError
    assert not neural.available()
    with LocalServer() as srv:
        assert "not installed" in srv.engine_line
        _assert_espeak_speaks_the_default(lt, srv)


def test_a_failed_import_or_load_falls_back(lt, monkeypatch) -> None:
    monkeypatch.setattr(neural, "_engine", None)  # not loaded yet in this process
    monkeypatch.setattr(server, "neural_available", lambda: True)  # found, yet fails to import
    monkeypatch.setitem(sys.modules, "hibari", None)
    with LocalServer() as srv:
        assert "not installed" in srv.engine_line
        _assert_espeak_speaks_the_default(lt, srv)
    monkeypatch.delitem(sys.modules, "hibari")

    def broken() -> None:
        raise RuntimeError("model file is corrupt")

    monkeypatch.setattr(neural, "_load", broken)
    with LocalServer() as srv:
        assert "model file is corrupt" in srv.engine_line
        _assert_espeak_speaks_the_default(lt, srv)


# ------------------------------------------------------------------ no network
def test_the_engine_loads_and_speaks_without_any_network(monkeypatch, tmp_path: Path) -> None:
    """A fresh load and synthesis with a socket guard: no connection, lookup or download."""
    attempts: list[str] = []

    def refuse(what: str):
        def guard(*args, **kwargs):
            attempts.append(f"{what}{args[1:2] or args[:1]}")
            raise OSError(f"network access attempted: {what}")

        return guard

    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost")):
            return real_connect(sock, address)
        return refuse("connect")(sock, address)

    import hibari.voices

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path))  # an empty voice cache
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(hibari.voices, "download", refuse("download"))
    monkeypatch.setattr(neural, "_engine", None)  # load again, under the guard
    neural.warm_up()
    engine = neural.get()
    assert engine is not None and engine.has_durations
    res = neural.synthesize(SENTENCE.split(), 1.0)
    assert 2.0 < len(res.samples) / neural.SAMPLE_RATE < 4.0 and len(res.spans) == 9
    assert attempts == [] and list(tmp_path.iterdir()) == []
    assert os.path.dirname(hibari.voices.voice_path("heart", download_missing=False)).startswith(
        os.path.dirname(hibari.voices.__file__)
    )
