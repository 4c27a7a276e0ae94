"""Serves benchmarks/ over loopback HTTP, quietly, for the benchmarks' static pages
(latency_direct.html, start_margin.html)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass


def serve_benchmarks() -> tuple[http.server.ThreadingHTTPServer, int]:
    """A server of this directory on a free loopback port, on a thread; (server, port)."""
    handler = functools.partial(_Quiet, directory=str(HERE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]
