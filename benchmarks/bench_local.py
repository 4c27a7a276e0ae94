"""Benchmark the local Cartesia server's two engines (neural and espeak-ng) with the real SDK.

Run: ``python benchmarks/bench_local.py``. For the neural voice (the default) and an espeak-ng
voice, reports median/p90 time to first chunk (request sent -> first chunk received) and
real-time factor (audio seconds / wall seconds) over one reused WebSocket connection, side
by side; writes ``benchmarks/results/local.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

from cartesia import Cartesia, DefaultHttpxClient  # noqa: E402

from cartesia_widget.local import DEFAULT_VOICE_ID, VOICES, LocalServer  # noqa: E402

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Streaming speech should start almost at once.",
    "Every chunk carries forty milliseconds of audio.",
    "A local server makes tests fast and repeatable.",
    "Nothing here needs a network connection.",
]
TEXTS = {
    "1 sentence": SENTENCES[0],
    "20 sentences": " ".join(SENTENCES[i % len(SENTENCES)] for i in range(20)),
}
FORMAT = {"container": "raw", "encoding": "pcm_f32le", "sample_rate": 44100}
RUNS = {"1 sentence": 30, "20 sentences": 10}
ENGINES = {
    "neural": DEFAULT_VOICE_ID,  # Local Hibari (hibari-tts)
    "espeak": next(v.id for v in VOICES if v.slug == "en-us-male"),  # Local Jordan
}


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def run_once(conn, text: str, voice: str) -> tuple[float, float, float]:
    ctx = conn.context(model_id="sonic-3", voice=voice, output_format=FORMAT, timeout=30)
    t0 = time.perf_counter()
    ctx.push(text)
    ctx.no_more_inputs()
    first = None
    n_bytes = 0
    for event in ctx.receive():
        if event.context_id != ctx._context_id:
            continue
        if event.type == "chunk":
            if first is None:
                first = time.perf_counter() - t0
            n_bytes += len(event.audio)
        elif event.type == "error":
            raise RuntimeError(event.error)
    wall = time.perf_counter() - t0
    audio = n_bytes / 4 / FORMAT["sample_rate"]
    return first or float("nan"), audio, wall


def measure(conn, voice: str) -> dict[str, dict[str, float | int]]:
    results: dict[str, dict[str, float | int]] = {}
    run_once(conn, "Warm up.", voice)
    for name, text in TEXTS.items():
        ttfc, rtf, audio_s = [], [], []
        for _ in range(RUNS[name]):
            first, audio, wall = run_once(conn, text, voice)
            ttfc.append(first * 1000)
            rtf.append(audio / wall)
            audio_s.append(audio)
        results[name] = {
            "runs": RUNS[name],
            "chars": len(text),
            "audio_seconds": round(statistics.median(audio_s), 3),
            "ttfc_ms_median": round(statistics.median(ttfc), 2),
            "ttfc_ms_p90": round(_pct(ttfc, 0.9), 2),
            "rtf_median": round(statistics.median(rtf), 1),
            "rtf_p90": round(_pct(rtf, 0.1), 1),  # 90% of runs are at least this fast
        }
    return results


def main() -> None:
    results: dict[str, dict[str, dict[str, float | int]]] = {}
    with LocalServer() as srv:
        if srv.default_engine != "neural":
            raise SystemExit(f"the neural engine is not available: {srv.engine_line}")
        client = Cartesia(
            api_key=srv.api_key,
            base_url=srv.base_url,
            websocket_base_url=srv.websocket_url,
            max_retries=0,
            http_client=DefaultHttpxClient(trust_env=False),
        )
        options = {"proxy": None, "open_timeout": 5}
        with client.tts.websocket_connect(websocket_connection_options=options) as conn:
            for engine, voice in ENGINES.items():
                results[engine] = measure(conn, voice)
    head = f"{'engine':<8}{'text':<14}{'audio s':>9}{'TTFC med':>10}{'TTFC p90':>10}"
    print(head + f"{'RTF med':>9}{'RTF p90':>9}")
    for engine, rows in results.items():
        for name, r in rows.items():
            print(
                f"{engine:<8}{name:<14}{r['audio_seconds']:>9.2f}{r['ttfc_ms_median']:>8.1f}ms"
                f"{r['ttfc_ms_p90']:>8.1f}ms{r['rtf_median']:>8.0f}x{r['rtf_p90']:>8.0f}x"
            )
    out = ROOT / "benchmarks" / "results" / "local.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "note": "rtf_p90 is the 10th percentile of real-time factor (90% of runs are faster)",
        "voices": ENGINES,
        "results": results,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
