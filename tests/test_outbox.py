"""The outbox: coalescing queued chunks into messages, pacing, and stopped streams."""

from __future__ import annotations

import numpy as np
from kernel_fixtures import wait_for

from cartesia_widget.outbox import MAX_MESSAGE_SECONDS, _coalesce, _Item


class Sink:
    def send(self, content, buffers=None) -> None:  # pragma: no cover - never sent here
        raise AssertionError


class Audio:
    """An `AudioSource` over one array (the role an Utterance plays)."""

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = samples

    def read_audio(self, start: int, count: int) -> np.ndarray:
        return self.samples[start : start + count]


SOURCE = Audio(np.zeros(16000 * 10, np.float32))
_next: dict[str, int] = {}


def chunk(sink: Sink, stream: str, n: int = 4) -> _Item:
    start = _next.get(stream, 0)
    _next[stream] = start + n
    return _Item(sink, stream, 16000, SOURCE, start, n)


def end(sink: Sink, stream: str) -> _Item:
    return _Item(sink, stream, 16000, None)


def test_a_message_carries_at_most_max_message_seconds_of_audio():
    a = Sink()
    second = 16000
    items = [chunk(a, "long", second // 2) for _ in range(int(MAX_MESSAGE_SECONDS * 4) + 1)]
    batches = _coalesce(items)
    most = MAX_MESSAGE_SECONDS * second
    assert [sum(i.count for i in b) for b in batches] == [most, most, second // 2]


def shape(batches: list[list[_Item]]) -> list[list[str]]:
    return [[f"{i.stream}:{'end' if i.source is None else 'chunk'}" for i in b] for b in batches]


def test_consecutive_chunks_of_one_stream_become_one_message_and_ends_stay_alone():
    a = Sink()
    items = [chunk(a, "s1"), chunk(a, "s1"), end(a, "s1"), chunk(a, "s2"), chunk(a, "s2")]
    assert shape(_coalesce(items)) == [
        ["s1:chunk", "s1:chunk"],
        ["s1:end"],
        ["s2:chunk", "s2:chunk"],
    ]


def test_chunks_of_other_streams_or_sinks_are_not_merged_and_order_is_kept():
    a, b = Sink(), Sink()
    items = [chunk(a, "s1"), chunk(a, "s2"), chunk(a, "s1"), chunk(b, "s1"), end(a, "s1")]
    batches = _coalesce(items)
    assert shape(batches) == [["s1:chunk"], ["s2:chunk"], ["s1:chunk"], ["s1:chunk"], ["s1:end"]]
    assert [item for batch in batches for item in batch] == items
    assert _coalesce([]) == []


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, content, buffers=None) -> None:
        self.sent.append(dict(content))


def test_stopped_streams_send_nothing_more_and_leave_no_state_behind():
    import time

    from cartesia_widget.outbox import KEEP_DROPPED, Outbox

    box, sink = Outbox(interval=0), Recorder()
    for i in range(KEEP_DROPPED + 500):
        box.chunk(sink, f"s{i}", 16000, SOURCE, 0, 8)
        box.drop(f"s{i}")
        box.chunk(sink, f"s{i}", 16000, SOURCE, 0, 8)  # late: never sent
    box.chunk(sink, "last", 16000, SOURCE, 0, 8)
    box.end(sink, "last", 16000)
    deadline = time.monotonic() + 10
    while not any(m["type"] == "end" for m in sink.sent) and time.monotonic() < deadline:
        time.sleep(0.01)
    box.close()
    sent_streams = {m["stream"] for m in sink.sent}
    # Dropped streams may have sent their first chunk before the drop, never the late one.
    assert all(sum(m["stream"] == s for m in sink.sent) <= 1 for s in sent_streams - {"last"})
    assert [m["type"] for m in sink.sent if m["stream"] == "last"] == ["chunk", "end"]
    box.drop("flush")  # trims what the drained queue no longer holds
    assert len(box._dropped) == KEEP_DROPPED and not box._queued
    assert not box._seq and not box._frames


def test_a_long_stream_is_sent_at_most_ahead_seconds_before_it_plays():
    import time

    from cartesia_widget.outbox import Outbox

    rate, ahead, seconds = 1000, 0.5, MAX_MESSAGE_SECONDS + 1
    audio = Audio(np.arange(int(rate * seconds), dtype=np.float32))
    box, sink = Outbox(interval=0, ahead=ahead), Recorder()
    start = time.monotonic()
    for i in range(0, len(audio.samples), 100):  # all at once, as a fast server sends it
        box.chunk(sink, "s", rate, audio, i, 100)
    box.end(sink, "s", rate)
    while not any(m["type"] == "end" for m in sink.sent):
        assert time.monotonic() - start < 10
        time.sleep(0.005)
    box.close()
    elapsed = time.monotonic() - start
    # The second message starts at MAX_MESSAGE_SECONDS of audio: due that minus `ahead`
    # seconds after the first was sent.
    assert elapsed >= MAX_MESSAGE_SECONDS - ahead - 0.05
    assert sum(m["type"] == "chunk" for m in sink.sent) > 1  # not one burst


def test_an_idle_outbox_holds_no_audio():
    import gc
    import time
    import weakref

    from cartesia_widget.outbox import Outbox

    box, sink = Outbox(interval=0), Recorder()
    sources = [Audio(np.zeros(8, np.float32)) for _ in range(3)]
    held = [weakref.ref(source) for source in sources]
    for i, source in enumerate(sources):
        box.chunk(sink, f"s{i}", 16000, source, 0, 8)
        box.end(sink, f"s{i}", 16000)
    del sources, source
    deadline = time.monotonic() + 5
    while any(ref() is not None for ref in held) and time.monotonic() < deadline:
        time.sleep(0.01)
        gc.collect()
    assert sum(m["type"] == "end" for m in sink.sent) == 3
    # Before: the thread kept its last burst's items (and so their utterances) until the next.
    assert [ref() for ref in held] == [None, None, None]
    box.close()


def test_on_sent_is_given_the_time_the_chunk_was_stamped_with():
    """The browser may receive a chunk before `send` returns (the kernel's IOPub thread
    sends it): the utterance's "first sent" time is the chunk's own `t_kernel`, not a
    later reading of the clock."""
    from cartesia_widget.outbox import Outbox

    box, sink, stamps = Outbox(interval=0), Recorder(), []
    box.chunk(sink, "s", 16000, SOURCE, 0, 8, on_sent=stamps.append)
    box.end(sink, "s", 16000)
    wait_for(lambda: any(m["type"] == "end" for m in sink.sent), what="the end sent")
    box.close()
    assert stamps == [sink.sent[0]["t_kernel"]]
