"""`Engine`: the kernel's channel into the page's audio engine.

One per kernel (`engine()`), created when the extension loads or with the
first widget, and shown once — a one-line status — so that every frontend
creates its model (Colab creates models only for shown widgets). In the
browser its model connects the page's AudioEngine (js/engine.ts) and opens
the AudioContext before the first speech. The audio of every stream goes
through it, never through a widget created in the same breath (a frontend may
drop or delay a new widget's first messages); each cell's widget only shows
its stream's state. The browser's reports about a stream come back through
it and are handed to the widget that shows that stream; a page's hello has the
kernel make the next player ahead (spare_player.py).

Threads: the outbox thread sends audio through it; the main thread creates
it, shows it, routes streams (`route`) and receives the reports.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from . import spare_player
from .bundles import bundle

if TYPE_CHECKING:
    from .config import Backend
    from .widget import SpeechWidget


class Engine(anywidget.AnyWidget):
    """The page's audio engine, as the kernel sees it (see the module docs)."""

    _esm = bundle("engine.js")  # with the widgets' CSS (js/styles.ts)

    #: The rate to open the AudioContext at before the first speech.
    sample_rate = traitlets.Int(44100).tag(sync=True)
    #: One line about the voice in use (e.g. that the offline voice speaks).
    notice = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shown = False
        self._widgets: weakref.WeakValueDictionary[str, SpeechWidget] = (
            weakref.WeakValueDictionary()
        )
        self.on_msg(self._on_message)

    def show(self) -> None:
        """Display the engine once (in the current cell's output)."""
        if not self.shown:
            from IPython.display import display

            self.shown = True
            display(self)

    def route(self, stream: str, widget: SpeechWidget) -> None:
        """Hand the browser's reports about `stream` to `widget`."""
        self._widgets[stream] = widget

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "hello":  # a page listens: make the next player ahead
            spare_player.prepare()
            return
        widget = self._widgets.get(str(content.get("stream")))
        if widget is not None:
            widget._report(content)

    def __repr__(self) -> str:
        return "Cartesia speech engine"


_engine: Engine | None = None
_lock = threading.Lock()


def engine() -> Engine:
    """The kernel's engine (created on first use)."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = Engine()
        return _engine


def warm_up() -> None:
    """Show the engine (the browser loads its module and opens its AudioContext), open
    the connection to the backend in the background, and start the audio thread."""
    from . import main_thread
    from .streamer import streamer

    channel = engine()
    channel.show()
    main_thread.capture()

    def ready(backend: Backend) -> None:
        main_thread.post(lambda: setattr(channel, "notice", backend.notice))

    streamer().warm_up(ready)
    streamer().outbox.hello(channel)
