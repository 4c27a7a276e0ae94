"""The compact player each `%%speak` cell shows (status, elapsed / total, Stop, errors).

The widget only declares synced state; audio arrives as custom messages
(see protocol.py) and is played by the model-level engine in js/player.ts.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

STATIC = Path(__file__).parent / "static"


class Player(anywidget.AnyWidget):
    """Plays the streams sent to it, gaplessly, in the browser."""

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    #: Kernel-side state: queued, connecting, streaming, done, stopped or error.
    status = traitlets.Unicode("queued").tag(sync=True)
    #: A short excerpt of the text being spoken.
    label = traitlets.Unicode("").tag(sync=True)
    #: One line about the voice in use (e.g. that the offline voice is speaking).
    notice = traitlets.Unicode("").tag(sync=True)
    #: The server's error title and message, when something failed.
    error = traitlets.Unicode("").tag(sync=True)
    #: Seconds of audio generated so far.
    duration = traitlets.Float(0.0).tag(sync=True)
