"""``python -m cartesia_widget.local --port N [--api-key KEY]``: run the local TTS server.

Owns the command line only: parses it, starts a ``LocalServer`` (its own thread and loop)
and waits on the main thread until Ctrl+C.
"""

from __future__ import annotations

import argparse
import threading

from .catalogue import DEFAULT_VOICE_ID
from .server import LocalServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m cartesia_widget.local",
        description="Offline Cartesia-compatible TTS server (neural + espeak-ng) on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (0 = a free port)")
    parser.add_argument("--api-key", default=None, help="API key to accept (default: random)")
    parser.add_argument("--chunk-duration", type=float, default=0.04, help="seconds per chunk")
    parser.add_argument(
        "--realtime-factor", type=float, default=None, help="pace audio (e.g. 1.0 = real time)"
    )
    args = parser.parse_args(argv)
    server = LocalServer(
        args.port,
        api_key=args.api_key,
        chunk_duration=args.chunk_duration,
        realtime_factor=args.realtime_factor,
    ).start()
    print(f"Cartesia local TTS server listening on {server.base_url}", flush=True)
    print(f"  base_url           = {server.base_url}")
    print(f"  websocket_base_url = {server.websocket_url}")
    if args.api_key is None:
        print(f"  api_key            = {server.api_key}")
    print(f"  default voice      = {DEFAULT_VOICE_ID}")
    print(f"  engine             = {server.engine_line}")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
