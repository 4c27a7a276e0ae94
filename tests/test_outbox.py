"""The outbox's coalescing of queued chunks into messages."""

from __future__ import annotations

import numpy as np

from cartesia_widget.outbox import _coalesce, _Item


class Sink:
    def send(self, content, buffers=None) -> None:  # pragma: no cover - never sent here
        raise AssertionError


def chunk(sink: Sink, stream: str, n: int = 4) -> _Item:
    return _Item(sink, stream, 16000, np.zeros(n, np.float32))


def end(sink: Sink, stream: str) -> _Item:
    return _Item(sink, stream, 16000, None)


def shape(batches: list[list[_Item]]) -> list[list[str]]:
    return [[f"{i.stream}:{'end' if i.samples is None else 'chunk'}" for i in b] for b in batches]


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
