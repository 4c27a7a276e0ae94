"""A 100,000-character transcript streams completely with bounded server memory."""

from __future__ import annotations

import threading
import time

from cartesia_widget.local import VOICES, LocalServer

TEXT = (
    "The archive holds thousands of pages, and every one of them must be read aloud; "
    "the reader never stops, never tires, and never loses its place. "
) * 800
TEXT = TEXT[:100_000]
# An espeak-ng voice: this volume test (100 minutes of speech, > 50x real time) is sized for
# espeak-ng's speed; the neural default voice streams long texts in test_local_neural.py.
VOICE = next(v.id for v in VOICES if v.slug == "en-us-male")


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_100k_transcript_streams_with_bounded_memory(lt) -> None:
    assert len(TEXT) == 100_000
    fmt = {"container": "raw", "encoding": "pcm_mulaw", "sample_rate": 8000}
    with LocalServer(chunk_duration=0.5) as srv, lt.connect(lt.client(srv)) as conn:
        warm = lt.context(conn, output_format=fmt, voice=VOICE)
        warm.push("Warm up the engine, the resampler and the connection.")
        warm.no_more_inputs()
        assert lt.collect(warm)[-1].type == "done"

        base = _rss_mb()
        peak = [base]
        stop = threading.Event()

        def monitor() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _rss_mb())
                time.sleep(0.05)

        mon = threading.Thread(target=monitor, daemon=True)
        mon.start()
        ctx = lt.context(conn, output_format=fmt, add_timestamps=True, voice=VOICE)
        t0 = time.perf_counter()
        ctx.push(TEXT)
        ctx.no_more_inputs()
        first = None
        n_bytes = 0
        n_words = 0
        last_end = 0.0
        done = False
        for e in ctx.receive():
            if e.type == "chunk":
                first = first or time.perf_counter() - t0
                n_bytes += len(e.audio)
            elif e.type == "timestamps":
                n_words += len(e.word_timestamps.words)
                assert e.word_timestamps.start[0] >= last_end - 1e-6
                last_end = e.word_timestamps.end[-1]
            elif e.type == "done":
                done = True
        wall = time.perf_counter() - t0
        stop.set()
        mon.join()
    audio_s = n_bytes / 8000
    assert done
    assert first < 0.5, first
    assert n_words == len(TEXT.split())
    assert last_end <= audio_s + 1e-6
    assert audio_s > 3000  # ~ 100 minutes of speech
    assert audio_s / wall > 50, (audio_s, wall)
    # Nothing accumulates all the audio (5,000+ s of mulaw = 40+ MB, f32 at 22 kHz = 500 MB).
    assert peak[0] - base < 150, (base, peak[0])
