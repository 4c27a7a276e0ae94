"""Hands work from background threads to the kernel's main thread.

Widget traits change on the kernel's main thread only: that is where ipywidgets
handles the browser's updates and where a user's `observe` callbacks are
expected to run. The streaming, outbox and voices threads therefore never set a
trait; they `post()` the change here. In a kernel the main thread runs an
asyncio loop (ipykernel), and posted work runs on it as soon as the kernel is
between cells or awaiting, as jupyter_rfb hands its work to the kernel's loop.
A cell that blocks the main thread in `wait()` runs the posted work meanwhile,
so a player keeps updating while `%%speak --wait` waits.

Where the main thread runs no loop (a script, a test without a kernel), posted
work runs at once on the posting thread: nobody else would ever run it.

Owner: the module's `_dispatcher`; its queue is guarded by its lock, and its
loop is (re)captured on the main thread by `capture()`, which the widgets call
when they are created and when they start speaking.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
from collections.abc import Callable

from .deadline import Deadline

log = logging.getLogger(__name__)

#: How often a main thread blocked in `wait()` runs the work posted meanwhile, seconds.
PUMP_INTERVAL = 0.05


def on_main_thread() -> bool:
    """Whether the caller runs on the kernel's main thread."""
    return threading.current_thread() is threading.main_thread()


class _Dispatcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: collections.deque[Callable[[], None]] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None

    def capture(self) -> None:
        if not on_main_thread():
            return
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            self._loop = loop

    def _live_loop(self) -> asyncio.AbstractEventLoop | None:
        loop = self._loop
        return loop if loop is not None and loop.is_running() else None

    def post(self, work: Callable[[], None]) -> None:
        on_main = on_main_thread()
        with self._lock:
            loop = self._live_loop()
            if loop is not None and not on_main:
                self._pending.append(work)
                first = len(self._pending) == 1
            else:
                loop = None
        if loop is None:
            if on_main:
                self.run_pending()  # what other threads posted comes first
            _run(work)
        elif first:
            try:
                loop.call_soon_threadsafe(self.run_pending)
            except RuntimeError:  # the loop closed meanwhile
                self.run_pending()

    def run_pending(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                work = self._pending.popleft()
            _run(work)

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        if not on_main_thread() or not self._live_loop():
            return event.wait(timeout)
        deadline = Deadline(timeout)
        while True:
            self.run_pending()
            if event.wait(deadline.remaining(PUMP_INTERVAL)):
                self.run_pending()
                return True
            if deadline.expired:
                return False


def _run(work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:  # a closed widget must not break the caller or the loop
        log.exception("cartesia-widget: posted work failed")


_dispatcher = _Dispatcher()


def capture() -> None:
    """Remember the main thread's running loop (a no-op off the main thread)."""
    _dispatcher.capture()


def post(work: Callable[[], None]) -> None:
    """Run `work()` on the kernel's main thread, in posting order."""
    _dispatcher.post(work)


def run_pending() -> None:
    """Run the work posted so far (call it on the main thread)."""
    _dispatcher.run_pending()


def wait(event: threading.Event, timeout: float | None = None) -> bool:
    """`event.wait(timeout)`; on the main thread, run posted work while waiting."""
    return _dispatcher.wait(event, timeout)
