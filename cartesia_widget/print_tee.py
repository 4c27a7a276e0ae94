"""`printed_to(push)`: while active, what the code prints also goes to `push`.

Used by `%%speak_output`: `sys.stdout` is wrapped so that every write still
reaches the cell's output and is also handed to the speech. Only writes made
through `sys.stdout` during the block are seen (code that kept a reference to
the old stream, or writes to a file descriptor, is not). Main thread only.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO


class _Tee:
    """A text stream that writes to `out` and hands each write to `push`."""

    def __init__(self, out: TextIO, push: Callable[[str], None]) -> None:
        self._out = out
        self._push = push

    def write(self, text: str) -> int:
        written = self._out.write(text)
        self._push(text)
        return written

    def __getattr__(self, name: str) -> Any:  # flush, encoding, isatty, …
        return getattr(self._out, name)


@contextlib.contextmanager
def printed_to(push: Callable[[str], None]) -> Iterator[None]:
    original = sys.stdout
    sys.stdout = _Tee(original, push)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout = original
