"""Hostile input: one client's text never stalls the others, and every bad frame is answered."""

from __future__ import annotations

import json
import math
import threading
import time

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from cartesia_widget.local import DEFAULT_VOICE_ID, LocalServer
from cartesia_widget.local.transcript import TextBuffer

FMT = {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 8000}


def _raw(srv: LocalServer, **kw):
    url = f"{srv.websocket_url}/tts/websocket?api_key={srv.api_key}&cartesia_version=2026-08-14"
    return ws_connect(url, proxy=None, open_timeout=5, **kw)


def _frame(cid: str, text: str, cont: bool = True, **fields) -> str:
    req = {"context_id": cid, "model_id": "sonic-3", "transcript": text, "voice": DEFAULT_VOICE_ID}
    return json.dumps({**req, "output_format": FMT, "continue": cont, **fields})


# ------------------------------------------------------------------ the event loop stays free
@pytest.mark.parametrize(
    "text",
    ["lorem ipsum " * (8 * 1024 * 1024 // 12), "a" + "." * 20_000],
    ids=["8MiB-without-sentence-end", "punctuation-run"],
)
def test_other_clients_are_answered_while_a_hostile_transcript_is_processed(text) -> None:
    frame = _frame("hostile", text)
    with LocalServer() as srv, httpx.Client(trust_env=False) as http:
        first_event: list[float] = []
        # The hostile client keeps reading (no queue limit), so its close is answered at once.
        with _raw(srv, max_size=None, max_queue=None) as ws:
            sent = threading.Event()

            def hostile() -> None:
                ws.send(frame)
                sent.set()
                json.loads(ws.recv(timeout=20))
                first_event.append(time.perf_counter())

            worker = threading.Thread(target=hostile, daemon=True)
            worker.start()
            assert sent.wait(10)
            t_sent = time.perf_counter()
            latencies = []
            # Until the hostile text is buffered, split and speaking (and a little longer).
            while worker.is_alive() or time.perf_counter() - t_sent < 0.3:
                t0 = time.perf_counter()
                r = http.get(f"{srv.base_url}/", headers={"X-API-Key": srv.api_key}, timeout=5)
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 200
            worker.join(20)
        assert first_event, "the hostile context never started speaking"
        assert max(latencies) < 0.5, max(latencies)
        # A speech request of another client is served promptly too.
        with _raw(srv) as other:
            t0 = time.perf_counter()
            other.send(_frame("other", "Still answering.", cont=False))
            assert json.loads(other.recv(timeout=5))["type"] == "chunk"
            assert time.perf_counter() - t0 < 0.5
            while json.loads(other.recv(timeout=5))["type"] != "done":
                pass


def _buffer_seconds(text: str, repeat: int) -> float:
    """Best time to buffer ``text`` as a context does (in 1,000-character pieces)."""
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        buf = TextBuffer()
        for i in range(0, len(text), 1000):
            buf.step(text[i : i + 1000], release_all=False)
        buf.take_all()
        best = min(best, time.perf_counter() - t0)
    return best


def test_buffering_time_grows_linearly_with_the_text() -> None:
    small, large = "a" + "." * 20_000, "a" + "." * 160_000
    assert _buffer_seconds(small, 1) < 0.5  # quadratic splitting took seconds here
    t_small, t_large = _buffer_seconds(small, 5), _buffer_seconds(large, 5)
    # 8x the text: linear work takes ~8x as long, quadratic ~64x.
    assert t_large < 24 * t_small, (t_small, t_large)


# ------------------------------------------------------------------ every bad frame is answered
HOSTILE_FRAMES = [
    "[" * 100_000,
    '{"context_id": "deep", "transcript": ' + "[" * 100_000,
    '{"context_id": "deep2", "voice": ' + "[" * 500 + "]" * 500 + "}",
    json.dumps({"context_id": "x" * 100_000, "transcript": "Hi."}),
    _frame("big-speed", "Hi.", generation_config={"speed": 10**400}),
    _frame("inf-speed", "Hi.").replace('"continue"', '"speed": 1e999, "continue"'),
    _frame("nan-volume", "Hi.").replace(
        '"continue"', '"generation_config": {"volume": NaN}, "continue"'
    ),
    _frame("list-id", "Hi.", voice={"mode": "id", "id": ["x"]}),
    _frame("dict-format", "Hi.", output_format={"container": ["raw"], "encoding": {"a": 1}}),
    json.dumps({"context_id": "list-text", "transcript": ["Hi."]}),
    json.dumps({"context_id": ["a"], "transcript": "Hi."}),
    _frame("string-continue", "Hi.", cont=True).replace('"continue": true', '"continue": "false"'),
    '{"context_id": "huge-number", "speed": ' + "9" * 5000 + "}",
]


def test_every_hostile_frame_gets_an_error_and_the_connection_survives() -> None:
    with LocalServer() as srv, _raw(srv, max_size=None) as ws:
        for raw in HOSTILE_FRAMES:
            ws.send(raw)
        errors = [json.loads(ws.recv(timeout=10)) for _ in HOSTILE_FRAMES]
        for ev in errors:
            assert ev["type"] == "error" and ev["done"] is True, ev
            assert ev["status_code"] == 400 and ev["title"] and ev["message"], ev
            assert len(ev["message"]) < 1000  # client values are shown cut short
        deep = errors[0]
        assert "deep" in deep["message"].lower() and "json" in deep["title"].lower()
        assert errors[1]["context_id"] == "deep"
        assert "1.5" in errors[4]["message"] and "2" in errors[6]["message"]
        ws.send(_frame("fine", "The connection still works.", cont=False))
        events = []
        while not events or events[-1]["type"] not in ("done", "error"):
            events.append(json.loads(ws.recv(timeout=10)))
        assert events[-1]["type"] == "done" and events[-1]["context_id"] == "fine"
        assert sum(e["type"] == "chunk" for e in events) > 5
        # A lone surrogate is valid JSON: the rest of the text is spoken.
        ws.send(_frame("surrogate", "Hi there.", cont=False).replace("Hi ", "Hi \\ud800 "))
        ev = json.loads(ws.recv(timeout=10))
        while ev["type"] == "chunk":
            ev = json.loads(ws.recv(timeout=10))
        assert ev["type"] == "done" and ev["context_id"] == "surrogate", ev


def test_deeply_nested_rest_body_is_a_400() -> None:
    with LocalServer() as srv, httpx.Client(trust_env=False) as http:
        r = http.post(
            f"{srv.base_url}/tts/bytes",
            content=b"[" * 100_000,
            headers={"X-API-Key": srv.api_key, "Content-Type": "application/json"},
        )
        assert r.status_code == 400 and "deep" in r.json()["message"]
        r = http.get(f"{srv.base_url}/", headers={"X-API-Key": srv.api_key})
        assert r.status_code == 200
