"""Speaking an LLM's answer while it is written: four strategies side by side.

A simulated LLM writes a five-sentence answer (about 70 tokens) at 20, 40 and 80
tokens/s after a 300 ms first token; the offline server answers each request
after a first-chunk delay like Cartesia's (90 ms). Four strategies
(streaming_strategies.py) speak it, alternating in one run:

  (a) our aggregation, (b) wait for the whole answer then speak,
  (c) raw token pushes with the server's default buffering (3000 ms),
  (d) word pushes with max_buffer_delay_ms=0.

Kernel (in this process, `--runs` per cell): first token → first audio, first
sentence boundary → first audio (the boundary is visible when the token after
the sentence's '.' arrives), last token → end of speech (audio played
gaplessly from each chunk's arrival), pushes and pushes under three words
(the last excepted). Browser (JupyterLab + headless Chromium, `--browser-runs`
per cell): first token → first sample scheduled by the page.

Usage: python benchmarks/bench_streaming.py [--runs 3] [--browser-runs 2]
Writes benchmarks/results/streaming.json and benchmarks/results/streaming.png.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

import streaming_strategies as s  # noqa: E402

import cartesia_widget as cw  # noqa: E402
from cartesia_widget.local import LocalServer  # noqa: E402

RATES = (20, 40, 80)
FIRST_CHUNK_DELAY = 0.09
RESULTS = ROOT / "benchmarks" / "results"


def kernel_runs(runs: int) -> list[dict]:
    rows = []
    with LocalServer(first_chunk_delay=FIRST_CHUNK_DELAY) as srv:
        cw.configure(api_key=srv.api_key, base_url=srv.base_url, websocket_url=srv.websocket_url)
        cw.speak("Warm up.", display=False).wait()
        for rate in RATES:
            for run in range(runs):
                for strategy in s.STRATEGIES:
                    llm, u, arrivals = s.start(strategy, rate, display=False)
                    u.wait(timeout=120)
                    row = s.measure(llm, u, arrivals, list(s.PUSHES))
                    rows.append({"strategy": strategy, "rate": rate, "run": run, **row})
            print(f"kernel: {rate} tokens/s done", flush=True)
    cw.configure(api_key="", base_url="", websocket_url="")
    return rows


SETUP = f"""import json, sys, time
sys.path.insert(0, {str(ROOT / "benchmarks")!r})
import streaming_strategies as s
import cartesia_widget as cw
from cartesia_widget.local import LocalServer
srv = LocalServer(first_chunk_delay={FIRST_CHUNK_DELAY}).start()
cw.configure(api_key=srv.api_key, base_url=srv.base_url, websocket_url=srv.websocket_url)
runs = []
cw.Player()"""
START = "llm, u, _ = s.start({strategy!r}, {rate}); runs.append(({strategy!r}, {rate}, llm, u))"
REPORT = """print('RESULT' + json.dumps([
    {'strategy': st, 'rate': r, 'first_token_to_scheduled_ms':
        round((u._timings.browser['scheduled_at'] - llm.times[0]) * 1000, 1)}
    for st, r, llm, u in runs if u._timings.browser.get('scheduled_at')]))"""


def browser_runs(runs: int) -> list[dict]:
    from browser import PAGE, JupyterServer, NotebookPage, launch, write_notebook
    from playwright.sync_api import sync_playwright

    plan = [(st, rate) for rate in RATES for _ in range(runs) for st in s.STRATEGIES]
    cells = [SETUP, *[START.format(strategy=st, rate=rate) for st, rate in plan], REPORT]
    server = JupyterServer("lab").start()
    try:
        write_notebook(server.root / "streaming.ipynb", cells)
        with sync_playwright() as p:
            browser = launch(p, autoplay=True)
            nb = NotebookPage(browser, server, "streaming.ipynb")
            nb.run_cell(0)
            nb.wait_js(f"!!{PAGE}", timeout=60, what="the widget bundle")
            for i in range(len(plan)):
                nb.run_cell(1 + i)
                nb.wait_js(
                    f"[...document.querySelectorAll('.cw-player')].length >= {i + 2} && "
                    f"[...document.querySelectorAll('.cw-player')][{i + 1}].dataset.stream"
                    f" && {PAGE}.log.some(e => e.stream === "
                    f"[...document.querySelectorAll('.cw-player')][{i + 1}].dataset.stream)",
                    timeout=60,
                    what=f"run {i}'s first chunk to be scheduled",
                )
                nb.run_code("cw.stop_all()", "")
                time.sleep(0.3)
            nb.run_cell(1 + len(plan))
            report = nb.result()
            browser.close()
    finally:
        server.stop()
    return report


def summarize(kernel: list[dict], browser: list[dict]) -> list[dict]:
    table = []
    for rate in RATES:
        for strategy in s.STRATEGIES:
            k = [r for r in kernel if r["rate"] == rate and r["strategy"] == strategy]
            b = [r for r in browser if r["rate"] == rate and r["strategy"] == strategy]

            def med(key: str, rows: list[dict]) -> float | None:
                values = [r[key] for r in rows]
                return round(statistics.median(values), 1) if values else None

            table.append(
                {
                    "rate": rate,
                    "strategy": strategy,
                    "first_token_to_first_audio_ms": med("first_token_to_first_audio_ms", k),
                    "first_boundary_to_first_audio_ms": med("first_boundary_to_first_audio_ms", k),
                    "first_token_to_scheduled_ms": med("first_token_to_scheduled_ms", b),
                    "last_token_to_end_of_speech_ms": med("last_token_to_end_of_speech_ms", k),
                    "pushes": med("pushes", k),
                    "short_pushes_max": max(r["short_pushes"] for r in k),
                }
            )
    return table


def plot(table: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.2
    for i, strategy in enumerate(s.STRATEGIES):
        values = [
            next(r for r in table if r["rate"] == rate and r["strategy"] == strategy)
            for rate in RATES
        ]
        ax.bar(
            [x + (i - 1.5) * width for x in range(len(RATES))],
            [v["first_token_to_first_audio_ms"] for v in values],
            width,
            label=strategy,
        )
    ax.set_xticks(range(len(RATES)), [f"{r} tokens/s" for r in RATES])
    ax.set_ylabel("first token → first audio (ms, median)")
    ax.set_title("Speaking a five-sentence LLM answer (offline server, 90 ms first chunk)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="kernel runs per strategy and rate")
    parser.add_argument("--browser-runs", type=int, default=2, help="0 skips the browser")
    args = parser.parse_args()
    kernel = kernel_runs(args.runs)
    browser = browser_runs(args.browser_runs) if args.browser_runs else []
    table = summarize(kernel, browser)
    print(
        f"{'rate':>4} {'strategy':40} {'tok→audio':>9} {'bound→audio':>11} {'tok→sched':>9}"
        f" {'last→end':>8} {'pushes':>6} {'short':>5}"
    )
    for r in table:
        print(
            f"{r['rate']:>4} {r['strategy']:40} {r['first_token_to_first_audio_ms']:>9}"
            f" {r['first_boundary_to_first_audio_ms']:>11} {r['first_token_to_scheduled_ms']!s:>9}"
            f" {r['last_token_to_end_of_speech_ms']:>8} {r['pushes']:>6} {r['short_pushes_max']:>5}"
        )
    at40 = {r["strategy"][0]: r for r in table if r["rate"] == 40}
    ratio = at40["b"]["first_token_to_first_audio_ms"] / at40["a"]["first_token_to_first_audio_ms"]
    print(f"at 40 tokens/s, (a) starts speaking {ratio:.1f}x sooner than (b)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "streaming.json"
    out.write_text(
        json.dumps({"summary": table, "kernel_runs": kernel, "browser_runs": browser}, indent=2)
        + "\n"
    )
    plot(table, RESULTS / "streaming.png")
    print(f"wrote {out.relative_to(ROOT)} and streaming.png")


if __name__ == "__main__":
    main()
