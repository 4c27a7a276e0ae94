"""The widgets: the compact `Player` each `%%speak` cell shows, and the base they share.

Widgets only declare synced state; audio arrives as custom messages (see
protocol.py) and is played by the model-level engine in js/player.ts. The
interactive `Speaker` widget is in speaker.py.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

STATIC = Path(__file__).parent / "static"
#: Seconds of audio the browser schedules ahead of the clock when a stream starts.
#: 40 ms is the smallest lead with no underrun in benchmarks/bench_player.py.
DEFAULT_LEAD = 0.04


class SpeechWidget(anywidget.AnyWidget):
    """State every speaking widget shows."""

    _css = STATIC / "widget.css"

    #: Kernel-side state: queued, connecting, streaming, done, stopped or error.
    status = traitlets.Unicode("").tag(sync=True)
    #: A short excerpt of the text being spoken.
    label = traitlets.Unicode("").tag(sync=True)
    #: One line about the voice in use (e.g. that the offline voice is speaking).
    notice = traitlets.Unicode("").tag(sync=True)
    #: The server's error title and message, when something failed.
    error = traitlets.Unicode("").tag(sync=True)
    #: Seconds of audio generated so far.
    duration = traitlets.Float(0.0).tag(sync=True)
    #: The rate audio will arrive at: the browser opens its AudioContext ahead of time.
    sample_rate = traitlets.Int(44100).tag(sync=True)
    #: Seconds scheduled ahead when a stream starts (grows after an underrun); raise it
    #: for slow or remote connections.
    lead = traitlets.Float(DEFAULT_LEAD, min=0.005, max=2.0).tag(sync=True)


class Player(SpeechWidget):
    """Plays the streams sent to it, gaplessly, in the browser."""

    _esm = STATIC / "widget.js"

    status = traitlets.Unicode("queued").tag(sync=True)
