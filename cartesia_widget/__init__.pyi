# The package's public API: __init__.py imports each name from here on first use.
from .config import ConfigError as ConfigError
from .config import configure as configure
from .magic import last_utterance as last_utterance
from .options import OptionError as OptionError
from .options import SpeechOptions as SpeechOptions
from .speak import speak as speak
from .speak import stop_all as stop_all
from .speaker import Speaker as Speaker
from .speech_stream import ReadAlong as ReadAlong
from .speech_stream import SpeechStream as SpeechStream
from .speech_stream import read_along as read_along
from .speech_stream import stream as stream
from .utterance import SourceError as SourceError
from .utterance import SpeechError as SpeechError
from .utterance import Utterance as Utterance
from .utterance import Word as Word
from .voices import voices as voices
from .widget import Player as Player

__version__: str
__all__: list[str]

def load_ipython_extension(ipython: object) -> None: ...
def _jupyter_server_extension_points() -> list[dict[str, str]]: ...
