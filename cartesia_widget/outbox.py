"""Forwards audio to widgets on its own thread, coalescing chunks.

The streaming thread hands every decoded chunk over at once; the outbox sends
the first chunk of a burst immediately and whatever piles up meanwhile in one
message at most every `MIN_CHUNK_INTERVAL` seconds, so a server running at
hundreds of times real time never floods IOPub (1000 messages/s limit), and
nothing waits behind a stalled server. Items of one stream keep their order;
`end` follows the stream's last chunk.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from . import messages

#: Minimum seconds between two chunk messages: ≤ 100 messages/s, far below Jupyter's
#: IOPub limit of 1000 messages/s, and short enough not to delay a real-time stream.
MIN_CHUNK_INTERVAL = 0.01


class Sink(Protocol):
    """Anything with ipywidgets' `send(content, buffers)`: the widget playing a stream."""

    def send(self, content: Mapping[str, Any], buffers: list | None = None) -> None: ...


@dataclass
class _Item:
    sink: Sink
    stream: str
    sample_rate: int
    samples: np.ndarray | None  # None: the stream's end
    on_sent: Callable[[], None] | None = None
    lead: float | None = None


class Outbox:
    """Owns the forwarding thread and the per-stream sequence numbers."""

    def __init__(self, interval: float = MIN_CHUNK_INTERVAL) -> None:
        self.interval = interval
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._lock = threading.Lock()
        #: Held while a message is being sent, so that after `drop()` returns no
        #: message of the dropped stream can follow (e.g. behind a stop message).
        self._sending = threading.Lock()
        self._dropped: set[str] = set()
        self._seq: dict[str, int] = {}
        self._frames: dict[str, int] = {}
        self._thread: threading.Thread | None = None

    def chunk(
        self,
        sink: Sink,
        stream: str,
        sample_rate: int,
        samples: np.ndarray,
        on_sent: Callable[[], None] | None = None,
        lead: float | None = None,
    ) -> None:
        self._put(_Item(sink, stream, sample_rate, samples, on_sent, lead))

    def end(self, sink: Sink, stream: str, sample_rate: int) -> None:
        self._put(_Item(sink, stream, sample_rate, None))

    def drop(self, stream: str) -> None:
        """Discard everything still queued for `stream` (it was stopped).

        Returns once no message of `stream` is being sent any more.
        """
        with self._sending, self._lock:
            self._dropped.add(stream)

    def _put(self, item: _Item) -> None:
        with self._lock:
            if item.stream in self._dropped:
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="cartesia-widget-outbox", daemon=True
                )
                self._thread.start()
        self._queue.put(item)

    def _run(self) -> None:
        last = 0.0
        while True:
            first = self._queue.get()
            if first is None:
                return
            wait = last + self.interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            items = [first]
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                items.append(item)
            for batch in _coalesce(items):
                with self._sending:
                    self._send(batch)
            last = time.monotonic()

    def _send(self, batch: list[_Item]) -> None:
        head = batch[0]
        with self._lock:
            if head.stream in self._dropped:
                return
            seq = self._seq.get(head.stream, 0)
            self._seq[head.stream] = seq + 1
        try:
            if head.samples is None:
                with self._lock:
                    frames = self._frames.pop(head.stream, 0)
                    self._seq.pop(head.stream, None)
                head.sink.send(messages.end(head.stream, frames))
            else:
                samples = np.concatenate([item.samples for item in batch])
                content, buffers = messages.chunk(
                    head.stream, seq, head.sample_rate, time.time(), samples, head.lead
                )
                head.sink.send(content, buffers)
                with self._lock:
                    self._frames[head.stream] = self._frames.get(head.stream, 0) + len(samples)
                for item in batch:
                    if item.on_sent is not None:
                        item.on_sent()
        except Exception:  # noqa: BLE001 - a closed widget must not kill the thread
            with self._lock:
                self._dropped.add(head.stream)

    def close(self) -> None:
        self._queue.put(None)


def _coalesce(items: list[_Item]) -> list[list[_Item]]:
    """Group consecutive chunks of the same stream; an end stays on its own."""
    batches: list[list[_Item]] = []
    for item in items:
        prev = batches[-1] if batches else None
        if (
            prev is not None
            and item.samples is not None
            and prev[0].samples is not None
            and prev[0].stream == item.stream
            and prev[0].sink is item.sink
        ):
            prev.append(item)
        else:
            batches.append([item])
    return batches
