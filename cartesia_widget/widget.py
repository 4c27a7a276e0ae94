"""`SpeechWidget`, the base of both widgets, and `Player`, the one each `%%speak` shows.

A widget owns its binding to the utterance it shows: `say()` (or `play()`)
mirrors the utterance on the widget's traits and routes the browser's reports
back to it; the utterance itself holds no widget. Traits change on the
kernel's main thread only: the streaming thread's changes are posted there
(main_thread.py), so a user's `observe` callbacks never run on a background
thread. The browser's messages arrive on the main thread too (ipywidgets).

Widgets only declare synced state; audio arrives as custom messages
(messages.py) and is played by the model-level engine in js/engine.ts.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from . import main_thread
from .options import OPTIONS, OptionError, SpeechOptions
from .sources import Source
from .streamer import streamer
from .utterance import FINAL, Utterance

if TYPE_CHECKING:
    from typing_extensions import Unpack

STATIC = Path(__file__).parent / "static"
#: Seconds between two `duration` updates of a widget while audio streams in.
DURATION_UPDATE_INTERVAL = 0.25


def option_trait(name: str, default: Any = None) -> traitlets.TraitType:
    """A synced trait for the speech option `name`, with its declared default.

    Its values are checked by `SpeechWidget._check_option`, the one validation of
    options.py (types included), so the error says what to use.
    """
    option = OPTIONS[name]
    return traitlets.Any(option.default if default is None else default).tag(sync=True)


class SpeechWidget(anywidget.AnyWidget):
    """State every speaking widget shows, and its binding to the utterance it plays."""

    _css = STATIC / "widget.css"

    #: Kernel-side state: queued, connecting, streaming, done, stopped or error.
    status = traitlets.Unicode("").tag(sync=True)
    #: A short excerpt of the text being spoken.
    label = traitlets.Unicode("").tag(sync=True)
    #: The text so far, when it arrives piece by piece (an LLM's answer); "" otherwise.
    transcript = traitlets.Unicode("").tag(sync=True)
    #: Word timestamps of the speech: [[word, start, end], ...] in seconds.
    words = traitlets.List().tag(sync=True)
    #: One line about the voice in use (e.g. that the offline voice is speaking).
    notice = traitlets.Unicode("").tag(sync=True)
    #: The server's error title and message, when something failed.
    error = traitlets.Unicode("").tag(sync=True)
    #: Seconds of audio generated so far.
    duration = traitlets.Float(0.0).tag(sync=True)
    #: The rate audio will arrive at: the browser opens its AudioContext ahead of time.
    sample_rate = option_trait("sample_rate")
    #: Seconds scheduled ahead when a stream starts (grows after an underrun).
    lead = option_trait("lead")

    def __init__(self, **kwargs: Any) -> None:
        main_thread.capture()
        super().__init__(**kwargs)
        #: The utterance this widget shows (the last one it was given).
        self.utterance: Utterance | None = None
        self._mirror_lock = threading.Lock()
        self.on_msg(self._on_message)

    @traitlets.validate(*OPTIONS)
    def _check_option(self, proposal: dict[str, Any]) -> Any:
        try:
            return OPTIONS[proposal["trait"].name].check(proposal["value"])
        except OptionError as exc:
            raise traitlets.TraitError(str(exc)) from None

    # -- speaking ------------------------------------------------------------------------
    def say(self, text: Source, **options: Unpack[SpeechOptions]) -> Utterance:
        """Speak `text` in this widget; the widget's settings apply unless `options` differ.

        `text` is a str, or an iterable or async iterable of str pieces (e.g. an LLM's
        stream), spoken while it arrives.
        """
        return self.play(Utterance(text, {**self.settings(), **options}))

    def settings(self) -> SpeechOptions:
        """The speech options this widget's traits hold."""
        return {name: getattr(self, name) for name in OPTIONS if self.has_trait(name)}  # type: ignore[return-value]

    def play(self, utterance: Utterance) -> Utterance:
        """Show and play `utterance` here: it joins the kernel's queue of speech."""
        main_thread.capture()
        self.sample_rate = utterance.sample_rate
        self.lead = utterance.options["lead"]
        self._show(utterance)
        return streamer().submit(utterance, self)

    def stop(self) -> None:
        """Stop the utterance this widget shows."""
        if self.utterance is not None:
            self.utterance.stop()

    # -- the binding -----------------------------------------------------------------------
    def _show(self, utterance: Utterance) -> None:
        self.utterance = utterance
        self.label = _excerpt(utterance.text)
        self.transcript = ""
        self.words = []
        self.notice = utterance.notice
        self.error = ""
        self.duration = 0.0
        self.status = utterance.status
        utterance._will_play()
        utterance._subscribe(self._listener())

    def _listener(self) -> Any:
        """Post the utterance's changes to the main thread; `duration` at most 4 times/s."""
        posted = {"status": "", "at": 0.0}

        def on_change(u: Utterance) -> None:  # any thread
            status, now = u.status, time.monotonic()
            with self._mirror_lock:
                due = now - posted["at"] >= DURATION_UPDATE_INTERVAL
                if status == posted["status"] and status not in FINAL and not due:
                    return
                posted.update(status=status, at=now)
            main_thread.post(lambda: self._mirror(u))

        return on_change

    def _mirror(self, u: Utterance) -> None:
        """Copy `u`'s state onto the traits (main thread)."""
        if u is not self.utterance:
            return
        self.status = u.status
        error = u.error
        if error is not None:
            self.error = str(error)
        self.duration = round(u.duration, 3)
        if u.streamed:
            text = u.text
            self.transcript = text
            self.label = _excerpt(text)
        if len(u.words) != len(self.words):
            self.words = [[w.word, w.start, w.end] for w in u.words]

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        u = self.utterance
        if content.get("type") == "stop":
            self.stop()
        elif u is not None and content.get("stream") == u.id:
            u._browser_report(content)
            self._reported(u)
        else:
            self._request(content)

    def _reported(self, u: Utterance) -> None:
        """The browser reported on `u` (first audio, finished)."""

    def _request(self, content: dict[str, Any]) -> None:
        """A request from the browser other than Stop (none for the compact player)."""


def _excerpt(text: str) -> str:
    excerpt = " ".join(text.split())
    return excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"


class Player(SpeechWidget):
    """The compact player of `%%speak`: status, time, Stop. `say()` speaks in it."""

    _esm = STATIC / "player.js"

    status = traitlets.Unicode("queued").tag(sync=True)
