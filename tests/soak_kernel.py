"""The kernel side of the soak (run by test_soak.py in a process of its own, so that its
memory is its own): speaks `count` utterances of every kind against the server at
`base_url`, checks that no audio is lost on the way to the comm, and writes its counts
and memory figures (RSS, the Python heap as tracemalloc counts it, open widgets) as JSON
to `out`.

Usage: python soak_kernel.py BASE_URL API_KEY COUNT OUT
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import comm
from comm.base_comm import BaseComm

TEXTS = [
    "The first sentence of the soak.",
    "A second one, a little longer than the first, with a comma.",
    "Numbers like 42 and 7 are read too!",
]


class CountingComm(BaseComm):
    """A comm that counts the audio frames each stream was sent (and keeps nothing else)."""

    lock = threading.Lock()
    frames: dict[str, int] = {}
    ends: dict[str, int] = {}

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):  # noqa: ANN001
        if msg_type != "comm_msg" or (data or {}).get("method") != "custom":
            return
        content = data["content"]
        with CountingComm.lock:
            if content.get("type") == "chunk":
                n = sum(memoryview(b).nbytes for b in buffers or []) // 4
                CountingComm.frames[content["stream"]] = (
                    CountingComm.frames.get(content["stream"], 0) + n
                )
            elif content.get("type") == "end":
                CountingComm.ends[content["stream"]] = content["frames"]


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(base_url: str, api_key: str, count: int, out: str) -> None:
    comm.create_comm = CountingComm
    import cartesia_widget as cw
    from cartesia_widget.widget import SpeechWidget

    cw.configure(api_key=api_key, base_url=base_url)
    reference: dict[str, int] = {}
    stats = {"utterances": 0, "done": 0, "stopped": 0, "audio_lost_frames": 0, "checked": 0}

    def player(u: Any) -> SpeechWidget:
        from ipywidgets.widgets.widget import _instances

        return next(w for w in list(_instances.values()) if getattr(w, "utterance", None) is u)

    def forwarded(u: Any) -> tuple[int, int]:
        """Frames the comm carried for `u`, and those its `end` message counted."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with CountingComm.lock:
                if u.id in CountingComm.ends:
                    return CountingComm.frames.get(u.id, 0), CountingComm.ends[u.id]
            time.sleep(0.002)
        return 0, 0

    def one(i: int) -> None:
        text = TEXTS[i % len(TEXTS)]
        kind = i % 5
        if kind == 0:
            u = cw.speak(text)
        elif kind == 1:
            u = cw.speak(text, display=False)
        elif kind == 2:
            s = cw.stream()
            for word in text.split(" "):
                s.push(word + " ")
            s.close()
            u = s.utterance
        elif kind == 3:
            u = cw.speak(iter(text.split(" ")), display=False)
        else:
            u = cw.speak(text * 3)
            while u.frames == 0 and u.status not in ("done", "error"):
                time.sleep(0.001)
            u.stop()
        u.wait(timeout=60, playback=False)
        stats["utterances"] += 1
        if u.status == "stopped":
            stats["stopped"] += 1
        else:
            assert u.status == "done", (u.status, u.error)
            stats["done"] += 1
            expected = reference.setdefault(f"{kind}:{text}", u.frames)  # the server is exact
            lost = abs(expected - u.frames)
            if kind in (0, 2):  # shown: every frame received must reach the comm
                sent, counted = forwarded(u)
                lost += abs(u.frames - sent) + abs(u.frames - counted)
            stats["audio_lost_frames"] += lost
            if lost:
                print(f"lost {lost} frames of kind {kind}: {u!r}", file=sys.stderr)
            stats["checked"] += 1
        if kind in (0, 2, 4):
            player(u).close()
        with CountingComm.lock:  # a stopped stream's count is not checked
            CountingComm.frames.pop(u.id, None)
            CountingComm.ends.pop(u.id, None)

    for i in range(30):  # warm up: imports, caches, the connection, the allocator
        one(i)
    stats.update(dict.fromkeys(stats, 0))
    from ipywidgets.widgets.widget import _instances

    gc.collect()
    tracemalloc.start()  # Python's own count of what it holds: free of allocator noise
    heap_before, widgets_before = tracemalloc.get_traced_memory()[0], len(_instances)
    before = rss_kb()
    for i in range(count):
        one(i)
    gc.collect()
    time.sleep(0.2)
    gc.collect()
    after = rss_kb()
    heap_after = tracemalloc.get_traced_memory()[0]
    memory = {
        "rss_before_kb": before,
        "rss_after_kb": after,
        "heap_growth_kb": (heap_after - heap_before) // 1024,
        "widgets_before": widgets_before,
        "widgets_after": len(_instances),
    }
    Path(out).write_text(json.dumps({**stats, **memory}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
