"""`SpeechWidget`, the base of both widgets, and `Player`, the one each `%%speak` shows.

A widget owns its binding to the utterance it shows: `say()` (or `play()`)
mirrors the utterance on the widget's traits and routes the browser's reports
back to it; the utterance itself holds no widget. Traits change on the
kernel's main thread only: the streaming thread's changes are posted there
(main_thread.py), so a user's `observe` callbacks never run on a background
thread. The browser's messages arrive on the main thread too (ipywidgets).

Widgets only declare synced state and name the stream they show: the audio
travels through the kernel's `Engine` widget (engine.py) to the page's audio
engine (js/engine.ts), and each widget's view shows its stream's state.

What a widget leaves in a saved notebook must be true for a reader without a
kernel: its text fallback says what was spoken and how it ended, and once the
speech has ended the outputs that show the widget are updated (IPython
display handles). With `embed`, the finished speech is also kept as a compact
recording (recording.py): in the widget's state, for Replay without a kernel,
and as `<audio controls>` with the transcript in an output of its own right
below the widget — renderers that can show a widget never show its other
formats, so nbconvert's HTML, nbviewer and GitHub play it from there.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from . import execution, main_thread
from .bundles import bundle
from .config import embed_default
from .engine import engine
from .options import OPTIONS, OptionError, SpeechOptions
from .recording import audio_html, encode, too_long
from .sources import Source
from .streamer import streamer
from .utterance import FINAL, Utterance

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: Seconds between two `duration` updates of a widget while audio streams in.
DURATION_UPDATE_INTERVAL = 0.25
#: Seconds of audio per chunk message when a finished utterance is sent again (replay).
REPLAY_CHUNK_SECONDS = 0.5


def option_trait(name: str, default: Any = None) -> traitlets.TraitType:
    """A synced trait for the speech option `name`, with its declared default.

    Its values are checked by `SpeechWidget._check_option`, the one validation of
    options.py (types included), so the error says what to use.
    """
    option = OPTIONS[name]
    return traitlets.Any(option.default if default is None else default).tag(sync=True)


class SpeechWidget(anywidget.AnyWidget):
    """State every speaking widget shows, and its binding to the utterance it plays.

    Each subclass's `_esm` brings the widgets' CSS too (js/styles.ts): anywidget would
    apply a `_css` again for every new widget."""

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
    #: Id of the stream (the utterance) shown; its audio comes through the Engine.
    stream = traitlets.Unicode("").tag(sync=True)
    #: Keep the finished speech in the notebook: `recording` in the widget state (Replay
    #: without a kernel) and `<audio controls>` in the output. Default: `configure(embed=)`
    #: or CARTESIA_WIDGET_EMBED.
    embed = traitlets.Bool().tag(sync=True)
    #: The finished speech as a compact audio file (MP3, or WAV), when `embed`.
    recording = traitlets.Bytes(b"").tag(sync=True)
    recording_type = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        main_thread.capture()
        engine().show()  # the page's engine must be alive before any audio comes
        kwargs.setdefault("embed", embed_default())
        super().__init__(**kwargs)
        #: The utterance this widget shows (the last one it was given).
        self.utterance: Utterance | None = None
        self._mirror_lock = threading.Lock()
        self._displays: list[Any] = []  # IPython display handles of the outputs showing it
        self._recordings: list[Any] = []  # … and of the outputs keeping its recording
        self._ended_id = ""  # the utterance whose end the outputs show
        self._replays = 0
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
        streamer().submit(utterance, engine())  # first: the request goes out at once
        self._adopt(utterance)
        return utterance

    def stop(self) -> None:
        """Stop the utterance this widget shows."""
        if self.utterance is not None:
            self.utterance.stop()

    def close(self) -> None:
        """Close the widget; the speech it showed is released (and stops, if it still plays)."""
        # Attributes may be missing when a constructor failed and ipywidgets closes from `__del__`.
        utterance = getattr(self, "utterance", None)
        if utterance is not None and utterance.status not in FINAL:
            utterance.stop()
        self._release()
        if hasattr(self, "utterance"):
            self.utterance = None
        getattr(self, "_displays", []).clear()
        getattr(self, "_recordings", []).clear()
        # Every DOMWidget makes a `Layout` widget of its own, which ipywidgets leaves open
        # (and so alive) when its owner closes; it is ours alone, so it closes with us.
        layout = getattr(self, "_trait_values", {}).get("layout")
        super().close()
        if layout is not None:
            layout.close()

    def replay(self) -> None:
        """Send the speech shown to the browser again (e.g. after a page reload)."""
        u = self.utterance
        if u is None or u.duration == 0:
            self.error = "Nothing to replay yet: speak something first."
            return
        self._replays += 1
        stream = f"{u.id}-replay{self._replays}"
        self.stream = stream  # the view follows the replay
        frames, step = u.frames, int(REPLAY_CHUNK_SECONDS * u.sample_rate)
        outbox, channel = streamer().outbox, engine()
        for start in range(0, frames, step):  # ranges: the outbox reads each when it sends it
            outbox.chunk(channel, stream, u.sample_rate, u, start, min(step, frames - start))
        outbox.end(channel, stream, u.sample_rate)

    # -- the binding -----------------------------------------------------------------------
    def _adopt(self, utterance: Utterance) -> None:
        """Show `utterance` (already queued) here, and take the browser's reports on it."""
        main_thread.capture()
        engine().route(utterance.id, self)
        execution.started(utterance)
        self._show(utterance)

    def _show(self, utterance: Utterance) -> None:
        self._release()
        self.utterance = utterance
        with self.hold_sync():  # one update message: the page handles each as it comes
            self.stream = utterance.id
            self.label = _excerpt(utterance.text)
            self.transcript = ""
            self.words = []
            self.notice = utterance.notice
            self.error = ""
            self.duration = 0.0
            self.recording, self.recording_type = b"", ""
            utterance._will_play()
            self._on_change = self._listener(utterance.status)
            utterance._subscribe(self._on_change)
            self._mirror(utterance)  # after subscribing: no change can slip between

    def _release(self) -> None:
        """Stop listening to the utterance shown, so that it no longer holds this widget
        (a handle the user keeps, or the outbox's last item, would keep it alive)."""
        utterance, listener = getattr(self, "utterance", None), getattr(self, "_on_change", None)
        if utterance is not None and listener is not None:
            utterance._unsubscribe(listener)

    def _listener(self, status: str) -> Any:
        """Post the utterance's changes to the main thread; `duration` at most 4 times/s.

        `status` is the one the widget shows (`_mirror` follows at once). The first
        `duration` update waits an interval too: sent as the first audio arrives, it
        reached the page before the audio did and made it render a frame (~5 ms in
        JupyterLab) that the audio then waited behind.
        """
        posted = {"status": status, "at": time.monotonic()}

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
        if u.status in FINAL:
            self._ended(u)

    def _ended(self, u: Utterance) -> None:
        """The speech ended: keep its recording if asked, and make the outputs true (once)."""
        if self._ended_id == u.id:
            return
        self._ended_id = u.id
        if u.status == "done" and self.embed and u.duration > 0:
            if reason := too_long(u.duration):
                self.notice = reason
            else:
                self.recording, self.recording_type = encode(u.audio, u.sample_rate)
        self._refresh_outputs()

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "stop":
            self.stop()
        elif content.get("type") == "replay":
            self.replay()
        else:
            self._request(content)

    def _report(self, content: dict[str, Any]) -> None:
        """The browser's report about this widget's stream (through the Engine)."""
        u = self.utterance
        if u is not None and content.get("stream") == u.id:
            u._browser_report(content)
            self._reported(u)

    def _reported(self, u: Utterance) -> None:
        """The browser reported on `u` (first audio, finished)."""

    def _request(self, content: dict[str, Any]) -> None:
        """A request from the browser other than Stop (none for the compact player)."""

    # -- what the notebook keeps -------------------------------------------------------------
    def _ipython_display_(self, **_kwargs: Any) -> None:
        from IPython.display import display

        data, metadata = self._repr_mimebundle_()
        self._displays.append(display(data, metadata=metadata, raw=True, display_id=True))
        if self.embed:  # the recording's own output, filled once the speech has ended
            self._recordings.append(display(self._recording_bundle(), raw=True, display_id=True))

    def _recording_bundle(self) -> dict[str, str]:
        u = self.utterance
        if u is not None and self.embed and u.status in FINAL and (reason := too_long(u.duration)):
            return {"text/plain": reason}
        if not self.recording or u is None:
            return {"text/plain": "", "text/html": ""}
        text = " ".join(u.text.split())
        return {
            "text/plain": f"Recording: {text}",
            "text/html": audio_html(self.recording, self.recording_type, text),
        }

    def _refresh_outputs(self) -> None:
        """Show the final state in every output that shows this widget (main thread)."""
        data, metadata = self._repr_mimebundle_()
        for handle in self._displays:
            if handle is not None:
                handle.update(data, metadata=metadata, raw=True)
        for handle in self._recordings:
            if handle is not None:
                handle.update(self._recording_bundle(), raw=True)

    def __repr__(self) -> str:
        """The text a reader without widgets sees: what was said and how it went."""
        u = self.utterance
        if u is None:
            return f"{type(self).__name__}: nothing spoken yet"
        text = " ".join(u.text.split())
        line = f"{type(self).__name__} ({u.status}, {u.duration:.1f} s): {text!r}"
        return f"{line}\n{u.error}" if u.error is not None else line


def _excerpt(text: str) -> str:
    excerpt = " ".join(text.split())
    return excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"


class Player(SpeechWidget):
    """The compact player of `%%speak`: status, time, Stop. `say()` speaks in it."""

    _esm = bundle("player.js")

    status = traitlets.Unicode("queued").tag(sync=True)
