"""Fault injection: the knobs, and what they decide for each connection and after each chunk.

Owns ``Faults`` (frozen; built once from ``LocalServer``'s keyword arguments) and
``ConnectionFaults`` (one per WebSocket connection: whether its handshake is refused and,
after each chunk, whether to drop, close or inject an error). Deciding only: the
connection carries the decisions out. Runs on the server's asyncio loop.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Faults", "ConnectionFaults", "Fault"]


class Fault(enum.Enum):
    """What the connection must do after a chunk went out."""

    NONE = "none"
    DROP = "drop"  # abort the TCP connection without a close frame
    CLOSE = "close"  # close the WebSocket with ``Faults.close_code``
    ERROR = "error"  # send an ``injected_fault`` error for the context and stop it


@dataclass(frozen=True)
class Faults:
    """Fault-injection knobs (see ``LocalServer`` for their meaning); all off by default."""

    close_after_chunks: int | None = None
    close_code: int = 1011
    reject_handshake_status: int | None = None
    error_after_chunks: int | None = None
    drop_after_chunks: int | None = None
    fault_connections: int | None = None

    def for_connection(self, index: int) -> ConnectionFaults:
        """The faults of the ``index``-th WebSocket connection (0-based, in handshake order)."""
        active = self.fault_connections is None or index < self.fault_connections
        return ConnectionFaults(self, active)


class ConnectionFaults:
    """The fault decisions of one connection; counts the chunks it sent."""

    def __init__(self, faults: Faults, active: bool) -> None:
        self.faults = faults
        self.active = active
        self.chunks_sent = 0
        self.error_injected = False

    @property
    def close_code(self) -> int:
        return self.faults.close_code

    def handshake_status(self) -> int | None:
        """HTTP status to refuse the handshake with, or ``None`` to accept it."""
        if self.active and self.faults.reject_handshake_status:
            return self.faults.reject_handshake_status
        return None

    def after_chunk(self) -> Fault:
        """Count a chunk that went out; the fault to apply now (drop, close, error first)."""
        self.chunks_sent += 1
        if not self.active:
            return Fault.NONE
        f, n = self.faults, self.chunks_sent
        if f.drop_after_chunks is not None and n >= f.drop_after_chunks:
            return Fault.DROP
        if f.close_after_chunks is not None and n >= f.close_after_chunks:
            return Fault.CLOSE
        limit = f.error_after_chunks
        if limit is not None and n >= limit and not self.error_injected:
            self.error_injected = True
            return Fault.ERROR
        return Fault.NONE
