"""Offline, Cartesia-compatible TTS server: a neural English voice (hibari) and espeak-ng.

Exports ``LocalServer`` (which runs on its own thread and asyncio loop) and the voice
catalogue (``VOICES``, ``DEFAULT_VOICE_ID``: the neural voice, spoken by espeak-ng when the
neural engine is off or missing). Modules, one job each: ``server`` (lifecycle, app,
handshake), ``auth``, ``rest``, ``connection`` (one WebSocket), ``context`` (one generation
context), ``faults``, ``errors``, ``settings``, ``transcript``, ``tags`` (transcript tags),
``catalogue``, ``render``, ``neural`` and ``espeak`` (engines), ``resampler``.

>>> from cartesia_widget.local import LocalServer
>>> with LocalServer() as srv:  # doctest: +SKIP
...     client = Cartesia(api_key=srv.api_key, base_url=srv.base_url,
...                       websocket_base_url=srv.websocket_url)
"""

from .catalogue import DEFAULT_VOICE_ID, VOICES
from .server import LocalServer

__all__ = ["LocalServer", "VOICES", "DEFAULT_VOICE_ID"]
