"""The Jupyter server extension: a kernel's messages reach the browser without Nagle's wait.

jupyter_server writes each kernel message to the page's WebSocket as it comes, on a TCP
socket that keeps Nagle's algorithm on (tornado's default). Nagle holds a small write
back while an earlier one is unacknowledged, and the browser delays its ACK: up to 40 ms
on Linux. Speech is a stream of messages, so such a wait lands inside the speech. Measured
on this machine in JupyterLab: the second chunk of a stream, written just after the
kernel's small status messages, reached the page 6-50 ms after the kernel sent it (over
15 ms in 5 of 6 streams); with TCP_NODELAY, 1-9 ms (2 ms typical). Those waits decided
the page's learned lead and its gaps (`benchmarks/bench_latency.py`).

Loaded into a server, the extension sets TCP_NODELAY on every kernel WebSocket, as
browsers and nginx do on theirs. It wraps the server's configured connection class rather
than replacing it, so a gateway's or another extension's class keeps working, and
changes nothing else. Installing the package enables it (jupyter-config/cartesia_widget.json
goes to jupyter_server_config.d); `jupyter server extension disable cartesia_widget`
turns it off. A server started from another environment than the kernel's (some
JupyterHubs) has it only where the package is installed too.
"""

from __future__ import annotations

from typing import Any

#: The tornado setting that names the class of each kernel WebSocket's connection.
SETTING = "kernel_websocket_connection_class"


def without_nagle(base: type) -> type:
    """A subclass of the connection class `base` whose WebSocket sends without delay."""

    class NoDelayConnection(base):  # type: ignore[misc, valid-type]
        def connect(self) -> Any:  # the handler awaits what the base class returns
            handler = self.websocket_handler
            if getattr(handler, "ws_connection", None) is not None:  # the WebSocket is open
                handler.set_nodelay(True)
            return super().connect()

    NoDelayConnection.__name__ = NoDelayConnection.__qualname__ = f"NoDelay{base.__name__}"
    return NoDelayConnection


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    base = settings.get(SETTING)
    if base is None:  # a jupyter_server whose kernel connection class is not configurable
        serverapp.log.info("cartesia-widget: this jupyter_server keeps Nagle's algorithm")
        return
    settings[SETTING] = without_nagle(base)
    serverapp.log.info("cartesia-widget: kernel WebSockets send without Nagle's delay")
