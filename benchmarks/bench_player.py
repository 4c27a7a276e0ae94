"""Latency and underruns of %%speak playback in a real browser (issue: streaming player).

Runs JupyterLab + headless Chromium against the offline server, speaks the same
texts under several scenarios side by side in one run, and reports per scenario:

- the kernel → browser latency chain (medians, ms): request → first server chunk →
  first chunk sent → first chunk in the browser → first sample scheduled;
- `schedule_ms`: first chunk received in the browser → its buffer source started;
- `lead_ms`: the audio-clock lead of the first sample when it was scheduled;
- underruns: chunks the scheduler found late (it re-anchors and counts them).

Utterances are spoken one at a time, each after the previous one has played,
as a person running cells would. The paced scenarios stream at 1.2× real time
with ±20 ms jitter per chunk and compare initial leads.

Usage: python benchmarks/bench_player.py [--utterances N]; writes
benchmarks/results/player.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import (  # noqa: E402
    PAGE,
    JupyterServer,
    NotebookPage,
    launch,
    streams,
    wait_played,
    write_notebook,
)

TEXTS = [
    "The first utterance is short. It has two sentences.",
    "Streaming speech starts before the text is done. That is the point.",
    "Chunks arrive over the comm channel. They are scheduled back to back.",
    "A late chunk would be counted as an underrun. We hope to see none.",
    "The browser keeps its own clock. The kernel keeps another one.",
    "Sentences are pushed as continuations. The server joins them verbatim.",
    "Jitter moves each chunk by up to twenty milliseconds. Early or late.",
    "This is the last utterance of the scenario. Thank you for listening.",
]

SCENARIOS = [
    # name, realtime_factor, jitter (s), initial lead (s)
    ("fast server, lead 40 ms", None, 0.0, 0.040),
    ("1.2x ±20 ms, lead 15 ms", 1.2, 0.020, 0.015),
    ("1.2x ±20 ms, lead 25 ms", 1.2, 0.020, 0.025),
    ("1.2x ±20 ms, lead 40 ms", 1.2, 0.020, 0.040),
]

SETUP = """import json
import cartesia_widget as cw
from cartesia_widget.local import LocalServer
srv = LocalServer(realtime_factor={rtf}, jitter={jitter}, seed=7).start()
cw.configure(api_key=srv.api_key, base_url=srv.base_url, websocket_url=srv.websocket_url)
texts = {texts!r}
handles = []
cw.Player()"""
SPEAK = "handles.append(cw.speak(texts[{i}], lead={lead}))"
REPORT = "print('RESULT' + json.dumps([u.metrics for u in handles]))"


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def run_scenario(browser, server, index: int, name, rtf, jitter, lead, texts) -> dict:
    nb_name = f"bench{index}.ipynb"
    setup = SETUP.format(rtf=rtf, jitter=jitter, texts=texts)
    speak_cells = [SPEAK.format(i=i, lead=lead) for i in range(len(texts))]
    write_notebook(server.root / nb_name, [setup, *speak_cells, REPORT])
    nb = NotebookPage(browser, server, nb_name)
    try:
        nb.run_cell(0)
        nb.wait_js(f"!!{PAGE}", timeout=60, what="the widget bundle")
        for i in range(len(texts)):  # one utterance at a time, as a person runs cells
            nb.run_cell(1 + i)
            wait_played(nb, i + 1)
        time.sleep(0.5)
        nb.run_cell(1 + len(texts))
        metrics = nb.result()
        log = nb.log()
    finally:
        nb.close()
    by_stream = streams(log)
    chains = {
        key: median([m[key] for m in metrics])
        for key in (
            "first_server_chunk_ms",
            "first_sent_ms",
            "first_browser_chunk_ms",
            "first_scheduled_ms",
            "schedule_ms",
            "lead_ms",
        )
    }
    return {
        "scenario": name,
        "realtime_factor": rtf,
        "jitter_s": jitter,
        "initial_lead_s": lead,
        "utterances": len(metrics),
        "chunks": len(log),
        "underruns": sum(1 for e in log if e["late"]),
        "streams_with_underruns": sum(
            1 for chunks in by_stream.values() if any(c["late"] for c in chunks)
        ),
        "medians_ms": chains,
        "audio_seconds": round(sum(m["audio_seconds"] for m in metrics), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--utterances", type=int, default=len(TEXTS))
    args = parser.parse_args()
    texts = (TEXTS * (1 + args.utterances // len(TEXTS)))[: args.utterances]
    from playwright.sync_api import sync_playwright

    server = JupyterServer("lab").start()
    results = []
    try:
        with sync_playwright() as p:
            browser = launch(p, autoplay=True)
            for i, (name, rtf, jitter, lead) in enumerate(SCENARIOS):
                results.append(run_scenario(browser, server, i, name, rtf, jitter, lead, texts))
                print(f"done: {name}", flush=True)
            browser.close()
    finally:
        server.stop()
    header = (
        f"{'scenario':26} {'utt':>4} {'chunks':>6} {'under':>5} {'srv':>7} {'sent':>7}"
        f" {'browser':>8} {'sched':>8} {'rx→start':>9} {'lead':>6}"
    )
    print(header)
    for r in results:
        m = r["medians_ms"]
        print(
            f"{r['scenario']:26} {r['utterances']:>4} {r['chunks']:>6} {r['underruns']:>5}"
            f" {m['first_server_chunk_ms']:>7} {m['first_sent_ms']:>7}"
            f" {m['first_browser_chunk_ms']:>8} {m['first_scheduled_ms']:>8}"
            f" {m['schedule_ms']:>9} {m['lead_ms']:>6}"
        )
    print("medians in ms from the kernel's request; rx→start = browser receipt → source.start()")
    out = ROOT / "benchmarks" / "results" / "player.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
