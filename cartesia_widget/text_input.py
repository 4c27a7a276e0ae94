"""`TextInput`: the text of one utterance, as it arrives.

Producers put pieces in: the caller's thread for a string or a push handle,
a reader thread or task for an iterable source (sources.py), the cell's
thread for printed output. One consumer takes them out: the sender thread
that pushes them to the server (sender.py). The input ends once — closed
(the text is complete), failed (the source raised) or stopped (the user
stopped the speech: the source is closed too) — and keeps all the text it
received.

Everything put is kept: the consumer reads it with a cursor, and a retry on a
fresh connection reads it again from the start (`rewind`).

Threads: any; every field is guarded by `_changed`'s lock.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from .deadline import Deadline

#: An item asking the consumer to speak what it holds now.
FLUSH = "\x00flush"


class InputClosed(RuntimeError):
    """Text was given after the input ended."""


class TextInput:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._items: list[str] = []  # pieces and FLUSH, in order
        self._cursor = 0  # the consumer's next item
        self._text: list[str] = []
        self._ended = False
        self._stopped = False
        self._error: BaseException | None = None
        self._closers: list[Callable[[], None]] = []
        #: Called (on the putting thread) after each piece.
        self.on_text: Callable[[], None] | None = None
        #: The event loop reading an async source into this input, if one does.
        self.loop: asyncio.AbstractEventLoop | None = None
        #: True when a thread of its own feeds this input: it ends without the main thread.
        self.fed_by_thread = False

    @classmethod
    def complete(cls, text: str) -> TextInput:
        """An input that already holds all of `text`."""
        done = cls()
        done.put(text)
        done.close()
        return done

    # -- producers ------------------------------------------------------------------------
    def put(self, piece: str) -> None:
        """Add a piece of text (empty pieces are ignored)."""
        if not piece:
            return
        with self._changed:
            if self._ended:
                if self._stopped:
                    return  # the speech was stopped: late pieces are dropped quietly
                raise InputClosed("This speech's text has ended: start a new one to say more.")
            self._items.append(piece)
            self._text.append(piece)
            self._changed.notify_all()
        if self.on_text is not None:
            self.on_text()

    def flush(self) -> None:
        """Speak what was given so far now, without waiting for a sentence to end."""
        with self._changed:
            if not self._ended:
                self._items.append(FLUSH)
                self._changed.notify_all()

    def close(self) -> None:
        """The text is complete."""
        self._end()

    def fail(self, error: BaseException) -> None:
        """The source raised: what it gave is still spoken, then the speech ends in error."""
        self._end(error=error)

    def stop(self) -> None:
        """The speech was stopped: end the input and close the source."""
        if self._end(stopped=True):
            for close in self._closers:
                close()

    def on_stop(self, close: Callable[[], None]) -> None:
        """Call `close()` (once) if the speech is stopped, e.g. to close the source."""
        with self._changed:
            stopped = self._stopped
            if not stopped:
                self._closers.append(close)
        if stopped:
            close()

    def _end(self, *, error: BaseException | None = None, stopped: bool = False) -> bool:
        with self._changed:
            if self._ended:
                return False
            self._ended = True
            self._error = error
            self._stopped = stopped
            self._changed.notify_all()
        return True

    # -- the consumer ---------------------------------------------------------------------
    def take(self, timeout: float | None) -> list[str] | None:
        """The items put since the last call (pieces and FLUSH), waiting up to `timeout`
        seconds for one; `[]` on a timeout; None once the input has ended and all of it
        was taken."""
        deadline = Deadline(timeout)
        with self._changed:
            while not self._stopped and self._cursor == len(self._items) and not self._ended:
                left = deadline.remaining()
                if left == 0:
                    return []
                self._changed.wait(left)
            if self._stopped:
                return None
            items, self._cursor = self._items[self._cursor :], len(self._items)
            return items or None

    def rewind(self) -> None:
        """Let the consumer read everything again (a retry on a fresh connection)."""
        with self._changed:
            self._cursor = 0

    def wake(self) -> None:
        """Wake a consumer waiting in `take` (it returns `[]`)."""
        with self._changed:
            self._changed.notify_all()

    # -- anyone ---------------------------------------------------------------------------
    @property
    def text(self) -> str:
        """All the text received so far."""
        with self._changed:
            return "".join(self._text)

    @property
    def ended(self) -> bool:
        with self._changed:
            return self._ended

    @property
    def stopped(self) -> bool:
        with self._changed:
            return self._stopped

    @property
    def error(self) -> BaseException | None:
        """What the source raised, if it did."""
        with self._changed:
            return self._error
