"""A comm that records what ipywidgets would put on the wire.

`comm.create_comm` is the seam ipykernel itself plugs into; replacing it with
`RecordingComm` keeps ipywidgets' real serialisation (state, custom messages,
binary buffers) and records every message with the time it was sent.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import comm
import numpy as np
from comm.base_comm import BaseComm


@dataclass
class Sent:
    time: float
    comm_id: str
    msg_type: str
    data: dict[str, Any]
    buffers: list[bytes]
    thread: str


class RecordingComm(BaseComm):
    log: list[Sent] = []
    lock = threading.Lock()

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):  # noqa: ANN001
        entry = Sent(
            time.monotonic(),
            self.comm_id,
            msg_type,
            dict(data or {}),
            [bytes(b) for b in (buffers or [])],
            threading.current_thread().name,
        )
        with RecordingComm.lock:
            RecordingComm.log.append(entry)

    # -- helpers for tests ---------------------------------------------------------------
    @classmethod
    def custom(cls, comm_id: str | None = None, kind: str | None = None) -> list[Sent]:
        """Custom messages (audio protocol), optionally of one widget and one type."""
        with cls.lock:
            log = list(cls.log)
        out = []
        for m in log:
            if m.msg_type != "comm_msg" or m.data.get("method") != "custom":
                continue
            if comm_id is not None and m.comm_id != comm_id:
                continue
            if kind is not None and m.data["content"].get("type") != kind:
                continue
            out.append(m)
        return out

    @classmethod
    def states(cls, comm_id: str) -> list[dict[str, Any]]:
        """Trait updates sent for one widget, in order."""
        with cls.lock:
            log = list(cls.log)
        return [
            m.data["state"]
            for m in log
            if m.comm_id == comm_id
            and m.msg_type == "comm_msg"
            and m.data.get("method") == "update"
        ]

    @classmethod
    def everything(cls) -> str:
        """All recorded content as text (to look for secrets)."""
        with cls.lock:
            return repr([(m.data, m.buffers) for m in cls.log])


def browser_says(widget: Any, content: dict[str, Any]) -> None:
    """Deliver a custom message from the browser to the widget, as ipykernel would."""
    widget.comm.handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


def chunk_audio(sent: Sent) -> np.ndarray:
    assert len(sent.buffers) == 1
    return np.frombuffer(sent.buffers[0], dtype="<f4")


def install() -> None:
    comm.create_comm = RecordingComm
