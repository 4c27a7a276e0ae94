"""Offline, Cartesia-compatible TTS server backed by espeak-ng.

Exports ``LocalServer`` (which runs on its own thread and asyncio loop) and the voice
catalogue (``VOICES``, ``DEFAULT_VOICE_ID``). Modules, one job each: ``server`` (lifecycle,
app, handshake), ``auth``, ``rest``, ``connection`` (one WebSocket), ``context`` (one
generation context), ``faults``, ``errors``, ``settings``, ``transcript``, ``catalogue``,
``render``, ``espeak`` (engine), ``resampler``.

>>> from cartesia_widget.local import LocalServer
>>> with LocalServer() as srv:  # doctest: +SKIP
...     client = Cartesia(api_key=srv.api_key, base_url=srv.base_url,
...                       websocket_base_url=srv.websocket_url)
"""

from .catalogue import DEFAULT_VOICE_ID, VOICES
from .server import LocalServer

__all__ = ["LocalServer", "VOICES", "DEFAULT_VOICE_ID"]
