"""`Deadline`: one timeout shared by several waits (python-websockets' `sync/utils.py` idea)."""

from __future__ import annotations

import time


class Deadline:
    """A point in time by which something must be done; `None` means never."""

    def __init__(self, timeout: float | None) -> None:
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def remaining(self, at_most: float | None = None) -> float | None:
        """Seconds left (never negative), capped at `at_most`; None when unbounded."""
        if self.deadline is None:
            return at_most
        left = max(0.0, self.deadline - time.monotonic())
        return left if at_most is None else min(left, at_most)

    @property
    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline
