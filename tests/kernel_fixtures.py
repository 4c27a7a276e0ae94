"""Helpers for kernel-side tests (the fixtures themselves are in conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def use_server(srv: Any) -> None:
    """Point the kernel side at a specific LocalServer (e.g. one with fault knobs)."""
    from cartesia_widget import configure

    configure(api_key=srv.api_key, base_url=srv.base_url, websocket_url=srv.websocket_url)


def player_of(utterance: Any) -> Any:
    """The widget showing `utterance` (widgets own the binding; the handle holds none)."""
    from ipywidgets.widgets.widget import _instances

    return next(w for w in list(_instances.values()) if getattr(w, "utterance", None) is utterance)


def wait_for(condition: Callable[[], object], seconds: float = 10.0, what: str = "") -> float:
    """Seconds until `condition()` held (fails after `seconds`, saying `what` it waited for)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, f"{what or 'condition'} never held"
        time.sleep(0.005)
    return time.monotonic() - start
