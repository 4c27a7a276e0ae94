"""Forwards audio to widgets on its own thread, coalescing chunks, paced to playback.

The streaming thread hands every decoded chunk over at once, as a range of
its utterance's audio (`AudioSource`): the outbox reads the samples only when
it sends them. It sends the first chunk of a burst immediately and whatever
piles up meanwhile in one message (of at most `MAX_MESSAGE_SECONDS`) at most
every `MIN_CHUNK_INTERVAL` seconds, so a server running at hundreds of times
real time never floods IOPub (1000 messages/s limit), and nothing waits behind
a stalled server. It keeps a stream at most `AHEAD_OF_PLAY` seconds ahead of
its playback (estimated from when its first chunk was sent), so the browser
never holds more than that of a long speech waiting to play: the rest stays
with the utterance (audio_store.py). Items of one stream keep their order;
`end` follows the stream's last chunk. Utterances play one after another, so
a stream held back holds back only speech that plays after it.
"""

from __future__ import annotations

import contextlib
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
#: Seconds of audio one message carries at most.
MAX_MESSAGE_SECONDS = 2.0
#: Seconds of audio a stream is sent ahead of its estimated playback at most.
AHEAD_OF_PLAY = 60.0
#: Stopped streams remembered, so that chunks still on their way for them are not sent.
KEEP_DROPPED = 1024


class Sink(Protocol):
    """Anything with ipywidgets' `send(content, buffers)`: the widget playing a stream."""

    def send(self, content: Mapping[str, Any], buffers: list | None = None) -> None: ...


class AudioSource(Protocol):
    """Where a stream's samples are kept until sent: an `Utterance`."""

    def read_audio(self, start: int, count: int) -> np.ndarray: ...


@dataclass
class _Item:
    sink: Sink
    stream: str
    sample_rate: int
    source: AudioSource | None  # None: the stream's end (or `message`)
    start: int = 0
    count: int = 0
    on_sent: Callable[[float], None] | None = None  # given the chunk's `t_kernel`
    lead: float | None = None
    message: Mapping[str, Any] | None = None  # sent as it is, instead of audio or an end


class Outbox:
    """Owns the forwarding thread and the per-stream sequence numbers."""

    def __init__(self, interval: float = MIN_CHUNK_INTERVAL, ahead: float = AHEAD_OF_PLAY) -> None:
        self.interval = interval
        self.ahead = ahead
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._lock = threading.Lock()
        #: Held while a message is being sent, so that after `drop()` returns no
        #: message of the dropped stream can follow (e.g. behind a stop message).
        self._sending = threading.Lock()
        # Recently dropped streams, oldest first (a dict as an ordered set), at most KEEP_DROPPED.
        self._dropped: dict[str, None] = {}
        self._queued: dict[str, int] = {}  # items in the queue, per stream
        self._seq: dict[str, int] = {}
        self._frames: dict[str, int] = {}
        self._first_sent: dict[str, float] = {}  # monotonic time of each stream's first chunk
        self._thread: threading.Thread | None = None
        self._last_burst = 0.0  # monotonic time the last burst was sent (the thread's own)

    def chunk(
        self,
        sink: Sink,
        stream: str,
        sample_rate: int,
        source: AudioSource,
        start: int,
        count: int,
        on_sent: Callable[[float], None] | None = None,
        lead: float | None = None,
    ) -> None:
        """Send samples `start`..`start + count` of `source` as audio of `stream`; then call
        `on_sent` with the time the message was stamped with (its `t_kernel`)."""
        self._put(_Item(sink, stream, sample_rate, source, start, count, on_sent, lead))

    def end(self, sink: Sink, stream: str, sample_rate: int) -> None:
        self._put(_Item(sink, stream, sample_rate, None))

    def hello(self, sink: Sink) -> None:
        """Start the thread and send `sink` a hello from it, before any audio: ipykernel
        opens each thread's pipe to IOPub on its first message (a millisecond or two of
        a first chunk's way otherwise)."""
        self._put(_Item(sink, "", 0, None, message=messages.hello()))

    def drop(self, stream: str) -> None:
        """Discard everything still queued for `stream` (it was stopped).

        Returns once no message of `stream` is being sent any more.
        """
        with self._sending, self._lock:
            self._forget(stream)

    def _put(self, item: _Item) -> None:
        with self._lock:
            if item.stream in self._dropped:
                return
            self._queued[item.stream] = self._queued.get(item.stream, 0) + 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="cartesia-widget-outbox", daemon=True
                )
                self._thread.start()
        self._queue.put(item)

    def _run(self) -> None:
        while self._forward():
            pass

    def _forward(self) -> bool:
        """Send the next burst: what is queued once an item comes. False on `close()`.

        Its items die with this call, so an idle outbox holds no utterance.
        """
        first = self._queue.get()
        if first is None:
            return False
        wait = self._last_burst + self.interval - time.monotonic()
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
        for i, batch in enumerate(_coalesce(items)):
            if i > 0:  # every message keeps its distance
                time.sleep(self.interval)
            self._pace(batch[0])
            with self._sending:
                self._send(batch)
        self._last_burst = time.monotonic()
        return True

    def _pace(self, head: _Item) -> None:
        """Wait until `head`'s audio is due: at most `ahead` seconds before it plays."""
        while True:
            with self._lock:
                if head.stream in self._dropped or head.source is None:
                    return
                first = self._first_sent.get(head.stream)
                sent = self._frames.get(head.stream, 0) / head.sample_rate
            if first is None:
                return
            wait = first + sent - self.ahead - time.monotonic()
            if wait <= 0:
                return
            time.sleep(min(wait, 0.1))  # wakes to notice a drop

    def _send(self, batch: list[_Item]) -> None:
        head = batch[0]
        with self._lock:
            left = self._queued.pop(head.stream, 0) - len(batch)
            if left > 0:
                self._queued[head.stream] = left
            if head.stream in self._dropped:
                return
            seq = self._seq.get(head.stream, 0)
            if head.source is not None:  # chunks are numbered; an end or a message is not
                self._seq[head.stream] = seq + 1
        if head.message is not None:
            with contextlib.suppress(Exception):  # a closed widget must not kill the thread
                head.sink.send(head.message)
            return
        try:
            if head.source is None:
                with self._lock:
                    frames = self._frames.pop(head.stream, 0)
                    self._seq.pop(head.stream, None)
                    self._first_sent.pop(head.stream, None)
                head.sink.send(messages.end(head.stream, frames))
            else:
                samples = head.source.read_audio(head.start, sum(item.count for item in batch))
                sent_at = time.time()
                content, buffers = messages.chunk(
                    head.stream, seq, head.sample_rate, sent_at, samples, head.lead
                )
                head.sink.send(content, buffers)
                with self._lock:
                    self._frames[head.stream] = self._frames.get(head.stream, 0) + len(samples)
                    self._first_sent.setdefault(head.stream, time.monotonic())
                for item in batch:
                    if item.on_sent is not None:
                        item.on_sent(sent_at)
        except Exception:  # noqa: BLE001 - a closed widget must not kill the thread
            with self._lock:
                self._forget(head.stream)

    def _forget(self, stream: str) -> None:
        """Send nothing more of `stream` (call with the lock held)."""
        self._seq.pop(stream, None)
        self._frames.pop(stream, None)
        self._first_sent.pop(stream, None)
        self._dropped[stream] = None
        # Forget the oldest whose queued items are all gone: their producers stopped long ago.
        for old in list(self._dropped)[: max(0, len(self._dropped) - KEEP_DROPPED)]:
            if old not in self._queued:
                del self._dropped[old]

    def close(self) -> None:
        self._queue.put(None)


def _coalesce(items: list[_Item]) -> list[list[_Item]]:
    """Group consecutive contiguous chunks of one stream, up to `MAX_MESSAGE_SECONDS`
    of audio per group; an end stays on its own."""
    batches: list[list[_Item]] = []
    for item in items:
        prev = batches[-1] if batches else None
        if (
            prev is not None
            and item.source is not None
            and prev[0].source is item.source
            and prev[0].stream == item.stream
            and prev[0].sink is item.sink
            and prev[-1].start + prev[-1].count == item.start
            and sum(i.count for i in prev) + item.count <= MAX_MESSAGE_SECONDS * item.sample_rate
        ):
            prev.append(item)
        else:
            batches.append([item])
    return batches
