"""Idle timeouts: half-open HTTP connections and idle WebSockets are closed, busy ones are not."""

from __future__ import annotations

import json
import socket
import time

import pytest
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK
from websockets.sync.client import connect as ws_connect

from cartesia_widget.local import DEFAULT_VOICE_ID, LocalServer

IDLE = 1.0
FMT = {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 8000}


@pytest.fixture(scope="module")
def idle_server():
    with LocalServer(idle_timeout=IDLE) as srv:
        yield srv


def _ws(srv: LocalServer):
    url = f"{srv.websocket_url}/tts/websocket?api_key={srv.api_key}&cartesia_version=2026-08-14"
    return ws_connect(url, proxy=None, open_timeout=5)


def _frame(cid: str, text: str, cont: bool) -> str:
    req = {"context_id": cid, "model_id": "sonic-3", "transcript": text, "voice": DEFAULT_VOICE_ID}
    return json.dumps({**req, "output_format": FMT, "continue": cont})


def _closed_normally(ws, within: float) -> float:
    """Read until the server closes ``ws`` normally; seconds waited."""
    t0 = time.perf_counter()
    with pytest.raises(ConnectionClosedOK) as exc:
        while True:
            ws.recv(timeout=within)
    assert exc.value.rcvd is not None and exc.value.rcvd.code in (1000, 1001)
    assert "idle" in exc.value.rcvd.reason
    return time.perf_counter() - t0


def _until_done(ws, cid: str) -> list[dict]:
    events: list[dict] = []
    while not events or events[-1]["type"] not in ("done", "error"):
        ev = json.loads(ws.recv(timeout=10))
        if ev["context_id"] == cid:
            events.append(ev)
    return events


def test_idle_websockets_are_closed_with_a_normal_code(idle_server) -> None:
    sockets = [_ws(idle_server) for _ in range(10)]
    try:
        waited = [_closed_normally(ws, within=IDLE + 5) for ws in sockets]
    finally:
        for ws in sockets:
            ws.close()
    assert max(waited) < IDLE + 2


def test_an_open_context_keeps_its_websocket_and_the_timer_restarts_after(idle_server) -> None:
    with _ws(idle_server) as ws:
        ws.send(_frame("open", "The client may still push. ", True))
        assert json.loads(ws.recv(timeout=5))["type"] == "chunk"
        time.sleep(IDLE * 1.5)  # longer than the idle timeout, with the context open
        ws.send(_frame("open", "More text.", False))
        assert _until_done(ws, "open")[-1]["type"] == "done"
        t_done = time.perf_counter()
        waited = _closed_normally(ws, within=IDLE + 5)
        assert time.perf_counter() - t_done > IDLE * 0.8 and waited < IDLE + 2


def test_frames_count_as_activity(idle_server) -> None:
    with _ws(idle_server) as ws:
        for i in range(3):
            time.sleep(IDLE * 0.6)
            ws.send(_frame(f"short-{i}", "Hi.", False))
            assert _until_done(ws, f"short-{i}")[-1]["type"] == "done"
        # 1.8 idle periods have passed, none of them without a frame: still open.
        ws.ping().wait(5)


def test_half_open_http_connections_are_closed(idle_server) -> None:
    addr = (idle_server.host, idle_server.port)
    silent = [socket.create_connection(addr, timeout=5) for _ in range(40)]
    partial = [socket.create_connection(addr, timeout=5) for _ in range(10)]
    for s in partial:
        s.sendall(b"GET /voices HTTP/1.1\r\nHost: x\r\nX-API-Key: ")  # headers never finish
    kept = socket.create_connection(addr, timeout=5)
    request = f"GET / HTTP/1.1\r\nHost: x\r\nX-API-Key: {idle_server.api_key}\r\n\r\n"
    kept.sendall(request.encode())
    assert kept.recv(65536).startswith(b"HTTP/1.1 200")
    t0 = time.perf_counter()
    try:
        for s in [*silent, *partial, kept]:
            s.settimeout(IDLE + 5)
            while s.recv(65536):  # the rest of a response, then the server's close
                pass
        assert time.perf_counter() - t0 < IDLE + 3
    finally:
        for s in [*silent, *partial, kept]:
            s.close()


def test_default_idle_timeout_is_five_minutes() -> None:
    srv = LocalServer()
    assert srv.idle_timeout == 300.0
    with pytest.raises(ValueError, match="idle_timeout"):
        LocalServer(idle_timeout=0)


def test_stop_drops_a_client_that_reads_nothing(lt) -> None:
    srv = LocalServer().start()
    with lt.connect(lt.client(srv)) as conn:
        done = lt.context(conn)
        done.push("Hello there.")
        done.no_more_inputs()
        assert lt.collect(done)[-1].type == "done"
        flood = lt.context(conn)
        flood.push("A client that never reads its audio. " * 200)
        time.sleep(0.3)  # the socket fills up: a close handshake cannot get through
        t0 = time.perf_counter()
        srv.stop()
        assert time.perf_counter() - t0 < 5  # took 15 s (the limit of stop() itself)
        with pytest.raises(ConnectionClosed):  # dropped: read what arrived, then the end
            while True:
                conn.recv_bytes(timeout=5)
