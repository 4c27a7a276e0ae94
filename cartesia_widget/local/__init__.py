"""Offline, Cartesia-compatible TTS server backed by espeak-ng.

>>> from cartesia_widget.local import LocalServer
>>> with LocalServer() as srv:  # doctest: +SKIP
...     client = Cartesia(api_key=srv.api_key, base_url=srv.base_url,
...                       websocket_base_url=srv.websocket_url)
"""

from .server import LocalServer
from .voices import DEFAULT_VOICE_ID, VOICES

__all__ = ["LocalServer", "VOICES", "DEFAULT_VOICE_ID"]
