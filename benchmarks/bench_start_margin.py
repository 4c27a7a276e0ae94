"""How far ahead of `AudioContext.currentTime` a chunk must be placed to start on time.

The scheduler (js/scheduler.ts) counts a chunk as late, and re-anchors its stream with a
lead of silence, when it would start less than a safety margin from `currentTime`. This
measures what the margin buys in headless Chromium: a 441 Hz sine in 40 ms chunks, each
odd chunk placed at a random moment (start_margin.html), and a worklet on the output that
finds every discontinuity. Per margin band: chunks placed, chunks that started late, and
by how many frames. Writes benchmarks/results/start_margin.json.

Usage: python benchmarks/bench_start_margin.py [--rounds 12]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT / "tests"))

from browser import launch  # noqa: E402
from page_server import serve_benchmarks  # noqa: E402

N = 1764  # frames per chunk (40 ms at 44.1 kHz)
BANDS = [(-1e9, 0.0), (0.0, 3.0), (3.0, 6.0), (6.0, 9.0), (9.0, 12.0)]
#: A break this close to a chunk's boundary belongs to it (a late start, or its late end).
NEAR = 600


def late_frames(k: int, breaks: list[int]) -> int | None:
    """How late odd chunk `k` started (frames), or None if it joined its neighbours cleanly."""
    at_start = [b - k * N for b in breaks if 0 <= b - k * N < NEAR]
    at_end = [b - (k + 1) * N for b in breaks if 0 <= b - (k + 1) * N < NEAR]
    if not at_start and not at_end:
        return None
    return max(at_start + at_end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="rounds of 120 chunks")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    httpd, port = serve_benchmarks()
    placed: list[tuple[float, int | None]] = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/start_margin.html")
        context = page.evaluate("setup()")
        for _ in range(args.rounds):
            r = page.evaluate("round(120)")
            for k in range(1, len(r["margins"]) - 1, 2):
                placed.append((r["margins"][k], late_frames(k, r["breaks"])))
        browser.close()
    httpd.shutdown()
    bands = []
    for lo, hi in BANDS:
        inside = [late for m, late in placed if lo <= m < hi]
        late = sorted(x for x in inside if x is not None)
        name = "late (< 0 ms)" if lo < 0 else f"{lo:g}-{hi:g} ms ahead"
        bands.append(
            {"margin": name, "chunks": len(inside), "started_late": len(late), "frames_late": late}
        )
        print(
            f"{name:>16}: {len(late):3d} of {len(inside):3d} started late"
            + (f" (by {late[0]}-{late[-1]} frames)" if late else "")
        )
    out = HERE / "results" / "start_margin.json"
    out.write_text(json.dumps({"context": context, "chunk_frames": N, "bands": bands}, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
