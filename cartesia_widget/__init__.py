"""Cartesia streaming text-to-speech in Jupyter.

    %load_ext cartesia_widget
    %%speak --voice <id>
    Any text, as long as you like.

or from Python: `cartesia_widget.speak("Hello!")`. Without CARTESIA_API_KEY the
built-in offline voices speak (a neural English voice, and espeak-ng for other
languages, behind a local Cartesia-compatible server).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .config import ConfigError, configure
from .magic import last_utterance
from .options import OptionError, SpeechOptions
from .speak import speak, stop_all
from .speaker import Speaker
from .speech_stream import ReadAlong, SpeechStream, read_along, stream
from .utterance import SourceError, SpeechError, Utterance, Word
from .voices import voices
from .widget import Player

try:
    __version__ = version("cartesia-widget")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "ConfigError",
    "OptionError",
    "Player",
    "ReadAlong",
    "SourceError",
    "Speaker",
    "SpeechError",
    "SpeechStream",
    "SpeechOptions",
    "Utterance",
    "Word",
    "configure",
    "last_utterance",
    "load_ipython_extension",
    "read_along",
    "speak",
    "stop_all",
    "stream",
    "voices",
]


def load_ipython_extension(ipython) -> None:  # noqa: ANN001 - IPython's shell
    """`%load_ext cartesia_widget` registers %%speak, %speak, %%speak_output and
    %speak_stop, shows the page's speech engine and opens the connection, so that the
    first `%%speak` pays for neither."""
    from .engine import warm_up
    from .magic import SpeakMagics

    ipython.register_magics(SpeakMagics)
    warm_up()
