"""When each step of an utterance happened, and the latency breakdown made from it.

Owned by its `Utterance`, whose lock guards every field.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


def _ms(later: float | None, earlier: float | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier) * 1000.0, 3)


@dataclass
class Timings:
    """Unix times (the kernel's clock, the browser's for `browser`)."""

    submitted_at: float = field(default_factory=time.time)
    requested_at: float | None = None
    first_chunk_at: float | None = None
    first_sent_at: float | None = None
    finished_at: float | None = None
    #: The browser's `first_audio` report.
    browser: dict[str, Any] = field(default_factory=dict)
    #: The browser's `finished` report.
    played: dict[str, Any] = field(default_factory=dict)

    def metrics(self, audio_seconds: float) -> dict[str, Any]:
        """Latency breakdown in milliseconds, kernel request → first sample scheduled."""
        browser, requested = self.browser, self.requested_at
        generation = (self.finished_at or time.time()) - (requested or self.submitted_at)
        return {
            "queued_ms": _ms(requested, self.submitted_at),
            "first_server_chunk_ms": _ms(self.first_chunk_at, requested),
            "first_sent_ms": _ms(self.first_sent_at, requested),
            "first_browser_chunk_ms": _ms(browser.get("received_at"), requested),
            "first_scheduled_ms": _ms(browser.get("scheduled_at"), requested),
            "schedule_ms": browser.get("schedule_ms"),
            "lead_ms": browser.get("lead_ms"),
            "audio_seconds": round(audio_seconds, 4),
            "generation_seconds": round(generation, 4) if requested else None,
            "realtime_factor": round(audio_seconds / generation, 2)
            if self.finished_at and generation > 0
            else None,
            "underruns": self.played.get("underruns"),
        }
