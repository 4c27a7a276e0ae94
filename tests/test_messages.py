"""The kernel's message types (messages.py) and the browser's (js/messages.ts) agree."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import numpy as np

from cartesia_widget import messages

TS = Path(__file__).resolve().parents[1] / "js" / "messages.ts"
TS_TYPES = {"number": {int, float}, "string": {str}}


def ts_interfaces() -> dict[str, dict[str, str]]:
    """`export interface Name { field: type; ... }` blocks of messages.ts."""
    found = {}
    for name, body in re.findall(r"export interface (\w+) \{\n(.*?)\n\}", TS.read_text(), re.S):
        fields = dict(re.findall(r"^\s+(\w+): (.+);$", body, re.M))
        found[name] = fields
    return found


def py_messages() -> dict[str, dict[str, typing.Any]]:
    unions = typing.get_args(messages.KernelMessage) + typing.get_args(messages.BrowserMessage)
    return {cls.__name__: typing.get_type_hints(cls) for cls in unions}


def same_type(ts: str, py: typing.Any) -> bool:
    if ts.startswith('"'):
        return set(typing.get_args(py)) == set(re.findall(r'"(\w+)"', ts))
    if ts.endswith(" | null"):
        args = typing.get_args(py)
        (inner,) = [a for a in args if a is not type(None)]
        return type(None) in args and same_type(ts[: -len(" | null")], inner)
    return py in TS_TYPES[ts]


def test_both_sides_declare_the_same_messages_with_the_same_fields():
    ts, py = ts_interfaces(), py_messages()
    assert set(ts) == set(py)
    for name, fields in py.items():
        assert list(ts[name]) == list(fields), name
        for field, hint in fields.items():
            assert same_type(ts[name][field], hint), (name, field, ts[name][field], hint)


def test_the_kernel_builds_what_it_declares():
    content, buffers = messages.chunk("s", 3, 16000, 1.5, np.ones(4, np.float64))
    assert list(content) == list(typing.get_type_hints(messages.ChunkMessage))
    assert buffers == [np.ones(4, "<f4").tobytes()]
    assert messages.end("s", 9) == {"type": "end", "stream": "s", "frames": 9}
    assert messages.stop() == {"type": "stop", "stream": None}
    assert messages.hello() == {"type": "hello"}
