"""First audio at the floor: %%speak beside a page that talks to the server directly.

One offline server for every path, set like Cartesia over the internet: the first
chunk after 90 ms, then 1.2x real time with ±20 ms jitter. Three paths, side by side
in one run, in headless Chromium:

- direct: a static page (latency_direct.html) whose AudioContext and WebSocket are open,
  scheduling each chunk as Cartesia's browser example does; Enter speaks;
- %%speak cold: the first cell after %load_ext in a fresh kernel and page;
- %%speak warm: a later cell of a page that has spoken before.

and, in the kernel alone, the first chunk of a one-sentence text beside a 1 MB one.

Keypress → first audible sample is measured by a tap on every AudioContext's
destination (latency_tap.js, injected before the page's own scripts), not by the
player's reports. Underruns are the scheduler's late chunks (ours) or the page's gaps
(direct). Prints medians and ratios; writes benchmarks/results/latency.json and a plot
of the latency chain, benchmarks/results/latency.png.

Usage: python benchmarks/bench_latency.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT / "tests"))

from browser import JupyterServer, NotebookPage, launch, write_notebook  # noqa: E402
from page_server import serve_benchmarks  # noqa: E402

from cartesia_widget.local import DEFAULT_VOICE_ID, LocalServer  # noqa: E402

TEXT = "Low latency streaming. Each chunk plays as soon as it arrives."
SERVER = {"first_chunk_delay": 0.09, "realtime_factor": 1.2, "jitter": 0.02}
LOAD = "%load_ext cartesia_widget"
SPEAK = f"%%speak\n{TEXT}"
REPORT = (
    "import json, cartesia_widget as cw\n"
    "t = cw.last_utterance()._timings\n"
    "print('RESULT' + json.dumps({'submitted': t.submitted_at, 'first_chunk': t.first_chunk_at,"
    " 'received': t.browser.get('received_at'), 'scheduled': t.browser.get('scheduled_at'),"
    " 'lead_ms': t.browser.get('lead_ms'), 'underruns': t.played.get('underruns')}))"
)
AUDIBLE = "window.__benchTap.audible !== null"


class Context:
    """A browser context with the tap, usable where NotebookPage wants a browser."""

    def __init__(self, browser) -> None:  # noqa: ANN001 - Playwright's Browser
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(path=str(HERE / "latency_tap.js"))

    def new_page(self, **_kwargs: object):  # noqa: ANN201 - Playwright's Page
        return self.context.new_page()


def direct_runs(browser, srv: LocalServer, runs: int) -> list[dict]:  # noqa: ANN001
    httpd, port = serve_benchmarks()
    query = urllib.parse.urlencode(
        {"ws": srv.websocket_url, "key": srv.api_key, "text": TEXT, "voice": DEFAULT_VOICE_ID}
    )
    page = Context(browser).new_page()
    page.goto(f"http://127.0.0.1:{port}/latency_direct.html?{query}")
    page.wait_for_function("document.getElementById('status').textContent === 'ready'")
    page.evaluate("window.__benchArm(); window.__benchTap.press = null")  # opens the tap
    page.wait_for_function("window.__benchReady()")
    rows = []
    for _ in range(runs):
        page.keyboard.press("Enter")
        page.wait_for_function(AUDIBLE, timeout=20_000)
        page.wait_for_function("window.__direct.done", timeout=20_000)
        time.sleep(4)  # let it play out
        tap = page.evaluate(
            "({...window.__benchTap, gaps: window.__direct.gaps,"
            " first: window.__direct.firstChunk})"
        )
        chain = {
            "press → first chunk in the page": tap["first"] - tap["press"],
            "first chunk → audible": tap["audible"] - tap["first"],
        }
        rows.append(
            {
                "total_ms": tap["audible"] - tap["press"],
                "underruns": tap["gaps"],
                "chain_ms": {k: round(v, 1) for k, v in chain.items()},
            }
        )
    page.context.close()
    httpd.shutdown()
    return rows


def speak_run(nb: NotebookPage, cell: int, report: int = 1) -> dict:
    """Run a %%speak cell with a real Shift+Enter; the tap's numbers and the kernel's
    (the page's `report`-th report)."""
    nb.run_cell(cell)
    nb.wait_js(AUDIBLE, timeout=20, what="the first audible sample")
    tap = nb.js("({...window.__benchTap, origin: performance.timeOrigin})")
    nb.wait_js(
        "[...document.querySelectorAll('.cw-player')].every(p => "
        "p.textContent.startsWith('Played'))",
        timeout=30,
        what="the speech to play out",
    )
    nb.run_code(REPORT, "RESULT")
    kernel = nb.result(count=report)
    press = (tap["origin"] + tap["press"]) / 1000
    audible = (tap["origin"] + tap["audible"]) / 1000
    chain = {
        "press → kernel": kernel["submitted"] - press,
        "kernel → first server chunk": kernel["first_chunk"] - kernel["submitted"],
        "server chunk → browser": kernel["received"] - kernel["first_chunk"],
        "browser → scheduled": kernel["scheduled"] - kernel["received"],
        "scheduled → audible": audible - kernel["scheduled"],
    }
    return {
        "total_ms": (audible - press) * 1000,
        "underruns": kernel["underruns"],
        "lead_ms": kernel["lead_ms"],
        "chain_ms": {k: round(v * 1000, 1) for k, v in chain.items()},
    }


def speak_runs(browser, srv: LocalServer, runs: int) -> tuple[list[dict], list[dict]]:  # noqa: ANN001
    server = JupyterServer("lab").speak_with(srv)
    server.start()
    context = Context(browser)
    cold, warm = [], []
    try:
        for i in range(runs):  # a fresh kernel and page each time
            write_notebook(server.root / f"cold{i}.ipynb", [LOAD, SPEAK])
            nb = NotebookPage(context, server, f"cold{i}.ipynb")
            nb.run_cell(0)
            nb.wait_js("window.__benchReady()", timeout=60, what="the engine's AudioContext")
            time.sleep(1.0)  # let %load_ext open the connection, as a person would read
            cold.append(speak_run(nb, 1))
            nb.page.close()
            server.stop_kernels()
        write_notebook(server.root / "warm.ipynb", [LOAD] + [SPEAK] * (runs + 1))
        nb = NotebookPage(context, server, "warm.ipynb")
        nb.run_cell(0)
        nb.wait_js("window.__benchReady()", timeout=60, what="the engine's AudioContext")
        speak_run(nb, 1)  # the page has spoken once
        for i in range(runs):
            warm.append(speak_run(nb, 2 + i, report=2 + i))
    finally:
        server.stop()
    return cold, warm


def text_length_runs(srv: LocalServer, runs: int) -> dict:
    """Kernel only: first chunk for one sentence and for a 1 MB text, in turns."""
    import cartesia_widget as cw

    cw.configure(api_key=srv.api_key, base_url=srv.base_url, websocket_url=srv.websocket_url)
    texts = {"one sentence": TEXT, "1 MB": (TEXT + " ") * (1_000_000 // (len(TEXT) + 1))}
    cw.speak(TEXT, display=False).wait()  # the connection is open
    ms: dict[str, list[float]] = {name: [] for name in texts}
    for _ in range(runs):
        for name, text in texts.items():
            u = cw.speak(text, display=False)
            while u._timings.first_chunk_at is None:
                time.sleep(0.001)
            ms[name].append(round((u._timings.first_chunk_at - u._timings.submitted_at) * 1000, 1))
            u.stop()
            u.wait(timeout=30)
    cw.configure(api_key="", base_url="", websocket_url="")
    out = {name: {"median_ms": statistics.median(v), "runs_ms": v} for name, v in ms.items()}
    out["difference_ms"] = round(out["1 MB"]["median_ms"] - out["one sentence"]["median_ms"], 1)
    return out


def summary(rows: list[dict]) -> dict:
    out = {
        "median_ms": round(statistics.median(r["total_ms"] for r in rows), 1),
        "runs_ms": [round(r["total_ms"], 1) for r in rows],
        "underruns": sum(r["underruns"] or 0 for r in rows),
    }
    out["chain_ms"] = {
        k: round(statistics.median(r["chain_ms"][k] for r in rows), 1) for k in rows[0]["chain_ms"]
    }
    if "lead_ms" in rows[0]:
        out["lead_ms"] = [round(r["lead_ms"], 1) for r in rows]
    return out


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 3.2))
    names = ["direct page", "%%speak warm", "%%speak cold"]
    keys = ["direct", "warm", "cold"]
    colors = {
        "press → first chunk in the page": "#999999",
        "first chunk → audible": "#dddddd",
        "press → kernel": "#4c72b0",
        "kernel → first server chunk": "#55a868",
        "server chunk → browser": "#c44e52",
        "browser → scheduled": "#8172b2",
        "scheduled → audible": "#ccb974",
    }
    for row, key in enumerate(keys):
        left = 0.0
        for part, ms in results[key]["chain_ms"].items():
            ax.barh(row, ms, left=left, color=colors[part], label=part if row != 2 else None)
            left += ms
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("key press → first audible sample (ms, median)")
    ax.set_title("First audio: 90 ms first chunk, 1.2x real time ±20 ms")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with LocalServer(seed=11, **SERVER) as srv, sync_playwright() as p:
        browser = launch(p, autoplay=True)
        direct = direct_runs(browser, srv, args.runs)
        cold, warm = speak_runs(browser, srv, args.runs)
        browser.close()
        lengths = text_length_runs(srv, args.runs)
    results = {"direct": summary(direct), "cold": summary(cold), "warm": summary(warm)}
    floor = results["direct"]["median_ms"]
    for key in ("direct", "cold", "warm"):
        r = results[key]
        r["ratio_to_direct"] = round(r["median_ms"] / floor, 2)
        print(
            f"{key:7} median {r['median_ms']:7.1f} ms  x{r['ratio_to_direct']:.2f}"
            f"  runs {r['runs_ms']}  underruns {r['underruns']}"
        )
        if "chain_ms" in r:
            print("         " + ", ".join(f"{k} {v}" for k, v in r["chain_ms"].items()))
    print(
        "first chunk in the kernel (submitted → first chunk): one sentence "
        f"{lengths['one sentence']['median_ms']} ms, 1 MB {lengths['1 MB']['median_ms']} ms"
        f" (+{lengths['difference_ms']} ms)"
    )
    out = HERE / "results" / "latency.json"
    document = {"server": SERVER, "text": TEXT, **results, "text_length": lengths}
    out.write_text(json.dumps(document, indent=2) + "\n")
    plot(results, HERE / "results" / "latency.png")
    print(f"wrote {out.relative_to(ROOT)} and latency.png")


if __name__ == "__main__":
    main()
