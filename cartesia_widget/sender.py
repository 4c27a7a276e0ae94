"""`Sender`: pushes an utterance's text to the server while its audio is read.

One `Sender` per utterance being generated, on a thread of its own
("cartesia-widget-send"), from the moment its context opens until its input
ends: it takes the pieces from the `TextInput`, groups them into
continuations (aggregator.py; the context has `max_buffer_delay_ms=0`) or,
with `buffering="server"`, pushes them as they come and lets the server
buffer. Sending never waits for audio and reading audio never waits for the
rest of the text. At the end of the input it sends `no_more_inputs`; if the
input had no words at all it sends nothing (Cartesia refuses an empty first
transcript) and says so in `silent`. It keeps at most `AHEAD_SECONDS` of
speech pushed beyond the audio received: a long text is not flooded onto the
socket (which would delay the first audio and fill the server's buffers),
and stopping leaves little generated in vain.

Threads: created, started and joined by the streaming thread, which also
calls `answered()` after each event and reads `quiet()`, `done`, `error` and
`silent`; those are single assignments from the sender thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .aggregator import Aggregator, speakable, split_text
from .text_input import FLUSH, TextInput

#: Seconds without a new piece after which the speech counts as waiting for text.
WAITING_AFTER = 0.25
#: Seconds of speech pushed ahead of the audio received, at most, …
AHEAD_SECONDS = 20.0
#: … counting generously this many characters per second of speech.
CHARS_PER_SECOND = 25.0


class Sender:
    def __init__(
        self,
        ctx: Any,
        text_input: TextInput,
        *,
        language: str | None,
        buffering: str,
        on_waiting: Callable[[bool], None],
        heard: Callable[[], float] = lambda: float("inf"),
        pushed: Callable[[], None] = lambda: None,
    ) -> None:
        self._ctx = ctx
        self._input = text_input
        self._language = language
        self._buffering = buffering
        self._on_waiting = on_waiting
        self._heard = heard  # seconds of audio received so far
        self._pushed = pushed  # told after each push
        self._sent_chars = 0
        self._waiting = False
        self._cancelled = False
        self._pushes = 0
        self._answered = 0
        #: Set once the sender is done: the input ended (or stopped) and all was sent.
        self.done = threading.Event()
        #: What failed while pushing (the connection, usually).
        self.error: BaseException | None = None
        #: True when the input ended without a single word: nothing was sent.
        self.silent = False
        self._thread = threading.Thread(target=self._run, name="cartesia-widget-send", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def cancel(self) -> None:
        """Stop sending (the context is over): the thread ends within moments."""
        self._cancelled = True
        self._input.wake()

    # -- the streaming thread's questions -------------------------------------------------
    def answered(self) -> None:
        """An event arrived: whatever was pushed so far has been answered."""
        self._answered = self._pushes

    def quiet(self) -> bool:
        """True while the server owes nothing: every push answered, more text to come."""
        return not self.done.is_set() and self._answered == self._pushes

    # -- the sender thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            if self._buffering == "server":
                self._send_raw()
            else:
                self._send_grouped()
            if not self._over:
                self._end()
        except Exception as exc:  # noqa: BLE001 - read by the streaming thread
            self.error = exc
        finally:
            self.done.set()

    def _send_grouped(self) -> None:
        aggregator = Aggregator(self._language)
        while True:
            due = aggregator.deadline()
            wait = WAITING_AFTER if due is None else max(0.0, due - time.monotonic())
            items = self._input.take(wait)
            if items is None or self._over:
                break
            now = time.monotonic()
            self._set_waiting(not items and not aggregator.pending.strip())
            self._push(aggregator.poll(now))
            for item in items:
                if item == FLUSH:
                    self._push(aggregator.flush())
                elif len(item) > 20_000 and not aggregator.pending:
                    self._push(split_text(item, self._language))  # a long text: lazily
                else:
                    self._push(aggregator.feed(item, now))
        if not self._over:
            self._push(aggregator.flush())

    def _send_raw(self) -> None:
        held = ""  # the first push must have words: hold what comes before them
        while (items := self._input.take(WAITING_AFTER)) is not None and not self._over:
            self._set_waiting(not items)
            for item in items:
                if item == FLUSH:
                    self._push_one("", flush=True)
                    continue
                held += item
                if self._pushes or speakable(held):
                    self._push_one(held)
                    held = ""

    def _set_waiting(self, waiting: bool) -> None:
        if waiting != self._waiting:
            self._waiting = waiting
            self._on_waiting(waiting)

    @property
    def _over(self) -> bool:
        """Stopped by the user, or cancelled by the streaming thread."""
        return self._cancelled or self._input.stopped

    def _push(self, pushes: Iterable[str]) -> None:
        for text in pushes:
            if self._over:
                return
            self._push_one(text)

    def _push_one(self, text: str, **flags: bool) -> None:
        while (
            self._sent_chars > (self._heard() + AHEAD_SECONDS) * CHARS_PER_SECOND and not self._over
        ):
            time.sleep(0.02)  # far enough ahead: let the audio catch up
        self._ctx.push(text, **flags)
        self._pushes += 1
        self._sent_chars += len(text)
        self._pushed()

    def _end(self) -> None:
        self._set_waiting(False)
        if self._pushes == 0:
            self.silent = True
        else:
            self._ctx.no_more_inputs()
            self._pushes += 1
