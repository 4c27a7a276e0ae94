"""Fault-injection knobs of LocalServer, measured through the real SDK."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from cartesia_widget.local import LocalServer
from cartesia_widget.pcm import decode

SENTENCE = "Fault injection keeps the client honest about failures."
FMT = {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}


def _stream(lt, conn, text: str = SENTENCE, **kw):
    """Return [(arrival_time, event)] for one context, plus the request time."""
    ctx = lt.context(conn, output_format=FMT, **kw)
    t0 = time.perf_counter()
    ctx.push(text)
    ctx.no_more_inputs()
    timed = [(time.perf_counter(), e) for e in ctx.receive()]
    return [(t, e) for t, e in timed if e.context_id == ctx._context_id], t0


def _chunks(timed):
    return [(t, e) for t, e in timed if e.type == "chunk"]


def _audio_seconds(timed) -> float:
    return sum(len(e.audio) for _, e in _chunks(timed)) / 2 / 16000


def _healthy(lt, srv) -> None:
    with lt.connect(lt.client(srv)) as conn:
        timed, _ = _stream(lt, conn, "Still serving.")
        assert timed[-1][1].type == "done"
        assert _audio_seconds(timed) > 0.3


def test_first_chunk_delay(lt) -> None:
    with LocalServer(first_chunk_delay=0.4) as srv, lt.connect(lt.client(srv)) as conn:
        timed, t0 = _stream(lt, conn)
        first = _chunks(timed)[0][0] - t0
        assert 0.4 <= first < 0.9, first
        assert timed[-1][1].type == "done"


def test_realtime_pacing(lt) -> None:
    with LocalServer(realtime_factor=4.0) as srv, lt.connect(lt.client(srv)) as conn:
        timed, t0 = _stream(lt, conn)
        audio = _audio_seconds(timed)
        chunks = _chunks(timed)
        wall = chunks[-1][0] - t0
        assert audio > 2.0
        assert wall >= (audio - 0.04) / 4.0 - 0.05, (wall, audio)
        assert wall <= audio / 4.0 + 0.5, (wall, audio)
        # Evenly paced: no half of the stream arrives in a burst.
        mid = chunks[len(chunks) // 2][0] - t0
        assert 0.3 * wall < mid < 0.7 * wall


def test_jitter_never_reorders(lt) -> None:
    with LocalServer(jitter=0.03, seed=1) as srv, lt.connect(lt.client(srv)) as conn:
        timed, t0 = _stream(lt, conn)
        gaps = np.diff([t for t, _ in _chunks(timed)])
        assert gaps.std() > 0.004 and gaps.max() > 0.015
        assert _chunks(timed)[0][0] >= t0
        x = decode(b"".join(e.audio for _, e in _chunks(timed)), "pcm_s16le")
    with LocalServer() as ref_srv, lt.connect(lt.client(ref_srv)) as conn:
        ref_timed, _ = _stream(lt, conn)
        ref = decode(b"".join(e.audio for _, e in _chunks(ref_timed)), "pcm_s16le")
    # Same audio in the same order (espeak-ng jitters lengths by a few samples).
    assert abs(len(x) - len(ref)) < 200
    frame = 320
    n = min(len(x), len(ref)) // frame * frame
    ex = np.sqrt((x[:n].reshape(-1, frame) ** 2).mean(1))
    er = np.sqrt((ref[:n].reshape(-1, frame) ** 2).mean(1))
    assert np.corrcoef(ex, er)[0, 1] > 0.9


def test_chunk_duration(lt) -> None:
    with LocalServer(chunk_duration=0.1) as srv, lt.connect(lt.client(srv)) as conn:
        timed, _ = _stream(lt, conn)
        sizes = [len(e.audio) for _, e in _chunks(timed)]
    assert max(sizes) == 3200  # 0.1 s of 16 kHz s16le
    assert sum(s == 3200 for s in sizes) >= len(sizes) - 2
    assert all(s % 2 == 0 for s in sizes)


def _receive_until_closed(lt, conn) -> tuple[list, ConnectionClosedError]:
    """Speak SENTENCE; the events received before the sync SDK raised ConnectionClosedError."""
    ctx = lt.context(conn, output_format=FMT)
    ctx.push(SENTENCE)
    ctx.no_more_inputs()
    got: list = []
    with pytest.raises(ConnectionClosedError) as exc:
        for e in ctx.receive():
            got.append(e)
    return got, exc.value


def test_close_after_chunks_1011(lt) -> None:
    with LocalServer(close_after_chunks=5, fault_connections=1) as srv:
        with lt.connect(lt.client(srv)) as conn:
            got, closed = _receive_until_closed(lt, conn)
            assert closed.rcvd.code == 1011
            assert [e.type for e in got] == ["chunk"] * 5
        _healthy(lt, srv)


def test_close_after_chunks_1000_ends_silently(lt) -> None:
    with LocalServer(close_after_chunks=3, close_code=1000, fault_connections=1) as srv:
        with lt.connect(lt.client(srv)) as conn:
            timed, _ = _stream(lt, conn)
            assert [e.type for _, e in timed] == ["chunk"] * 3  # no done
        _healthy(lt, srv)


def test_reject_handshake(lt) -> None:
    with LocalServer(reject_handshake_status=503, fault_connections=1) as srv:
        with pytest.raises(InvalidStatus) as exc, lt.connect(lt.client(srv)):
            pass
        assert exc.value.response.status_code == 503
        _healthy(lt, srv)


def test_injected_error(lt) -> None:
    with LocalServer(error_after_chunks=3, fault_connections=1) as srv:
        with lt.connect(lt.client(srv)) as conn:
            timed, _ = _stream(lt, conn)
            types = [e.type for _, e in timed]
            assert types == ["chunk"] * 3 + ["error"]
            err = timed[-1][1]
            assert err.status_code == 500 and err.context_id and err.title and err.message
            # The same connection keeps working for a new context.
            timed, _ = _stream(lt, conn, "Next one.")
            assert timed[-1][1].type == "done"
        _healthy(lt, srv)


def test_silent_drop(lt) -> None:
    with LocalServer(drop_after_chunks=4, fault_connections=2) as srv:
        with lt.connect(lt.client(srv)) as conn:
            got, closed = _receive_until_closed(lt, conn)
            assert closed.rcvd is None  # no close frame: the TCP connection was dropped
            assert len(got) == 4

        async def async_side():
            async with lt.connect(lt.aclient(srv)) as conn:
                ctx = lt.context(conn, output_format=FMT, timeout=1.5)
                await ctx.push(SENTENCE)
                await ctx.no_more_inputs()
                events = []
                with pytest.raises(TimeoutError):
                    async for e in ctx.receive():
                        events.append(e)
                return events

        assert len(asyncio.run(async_side())) == 4
        _healthy(lt, srv)
