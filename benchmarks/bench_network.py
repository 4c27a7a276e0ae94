"""%%speak over a slow, jittery network: does the adaptive lead learn it, then play gaplessly?

A delaying reverse proxy (delaying_proxy.py) sits between headless Chromium and
JupyterLab and holds every message 60 ms ± 30 ms (uniform, in order), as a remote
JupyterHub over the internet; the kernel speaks to an offline server streaming at
1.2x real time ±20 ms. Twelve %%speak cells run one after another; for each, the
lead it started with and its underruns (late chunks) are reported. Expected:
underruns only while the lead adapts, then none.

Usage: python benchmarks/bench_network.py [--cells 12]
Writes benchmarks/results/network.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

from browser import (  # noqa: E402
    JupyterServer,
    NotebookPage,
    launch,
    streams,
    wait_played,
    write_notebook,
)
from delaying_proxy import DelayingProxy  # noqa: E402

from cartesia_widget.local import LocalServer  # noqa: E402

DELAY, JITTER = 0.060, 0.030
TEXTS = [
    "Every message between this page and the kernel takes sixty milliseconds, give or take.",
    "The page notices chunks arriving late, and schedules the next speech further ahead.",
    "Once it has learned how late they come, speech plays without a single gap.",
]
ENGINE = "globalThis.__cartesiaWidgetEngine_v1"


class Behind:
    """What NotebookPage needs of a server, reached through the proxy."""

    def __init__(self, server: JupyterServer, proxy: DelayingProxy) -> None:
        self.server, self.proxy, self.root = server, proxy, server.root

    def url(self, notebook: str) -> str:
        return self.server.url(notebook).replace(str(self.server.port), str(self.proxy.port), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=12)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with LocalServer(realtime_factor=1.2, jitter=0.02, seed=5) as srv, sync_playwright() as p:
        server = JupyterServer("lab").speak_with(srv)
        server.start()
        proxy = DelayingProxy(f"http://127.0.0.1:{server.port}", DELAY, JITTER)
        browser = launch(p, autoplay=True)
        try:
            cells = ["%load_ext cartesia_widget"]
            cells += [f"%%speak\n{TEXTS[i % len(TEXTS)]}" for i in range(args.cells)]
            write_notebook(server.root / "network.ipynb", cells)
            nb = NotebookPage(browser, Behind(server, proxy), "network.ipynb")
            nb.run_cell(0)
            nb.wait_js(f"{ENGINE} !== undefined", timeout=60, what="the engine")
            for i in range(args.cells):
                lead = nb.js(f"{ENGINE}.leads.lead()")
                nb.run_cell(1 + i)
                wait_played(nb, i + 1, timeout=90)
                stream = nb.js("[...document.querySelectorAll('.cw-player')].at(-1).dataset.stream")
                chunks = streams(nb.log())[stream]
                rows.append(
                    {
                        "cell": i + 1,
                        "lead_ms": round(lead * 1000, 1),
                        "chunks": len(chunks),
                        "underruns": sum(1 for c in chunks if c["late"]),
                    }
                )
                print(rows[-1], flush=True)
        finally:
            browser.close()
            server.stop()
    out = ROOT / "benchmarks" / "results" / "network.json"
    settled = [r["underruns"] for r in rows[len(rows) // 2 :]]
    result = {"delay_s": DELAY, "jitter_s": JITTER, "cells": rows, "underruns_second_half": settled}
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"underruns per cell: {[r['underruns'] for r in rows]}")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
