"""`Speaker`: the interactive widget — type, pick a voice, hear, watch and keep speech.

Every speech option is a synced trait (declared in options.py), so
`speaker.voice = ...` in Python updates the UI and the reverse; `say(...)`
speaks in the same widget through the engine `%%speak` uses. The voices are
listed on a background thread, which posts them to the main thread.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import traitlets

from . import main_thread
from .bundles import bundle
from .config import resolve_backend
from .options import SpeechOptions, validate
from .pcm import ENCODINGS, SAMPLE_RATES
from .sources import Source
from .utterance import Utterance
from .voices import voices as list_voices
from .widget import SpeechWidget, option_trait

if TYPE_CHECKING:
    from typing_extensions import Unpack

MODELS = ["sonic-3", "sonic-3.5", "sonic-latest", "sonic-2", "sonic-turbo"]
#: The generation controls each model honours (Cartesia: speed, volume and emotion are
#: sonic-3 controls; sonic-3.5 ignores them). Others are not sent for a model.
MODEL_FEATURES = {"sonic-3": ["speed", "volume", "emotion"]}
GENERATION_CONTROLS = ("speed", "volume", "emotion")
EMOTIONS = ["neutral", "calm", "happy", "content", "excited", "curious", "sad", "angry", "scared"]


class Speaker(SpeechWidget):
    """A Cartesia playground in the notebook: `Speaker()` shows it, `say()` speaks in it."""

    _esm = bundle("speaker.js")

    text = traitlets.Unicode("").tag(sync=True)
    # The speech options.
    voice = option_trait("voice")
    model = option_trait("model")
    language = option_trait("language")
    speed = option_trait("speed")
    volume = option_trait("volume")
    emotion = option_trait("emotion")
    sample_rate = option_trait("sample_rate")
    encoding = option_trait("encoding")
    #: On by default here: the captions highlight each word as it is spoken.
    timestamps = option_trait("timestamps", default=True)
    timeout = option_trait("timeout")
    buffering = option_trait("buffering")
    max_buffer_delay_ms = option_trait("max_buffer_delay_ms")
    lead = option_trait("lead")
    # What the controls offer.
    #: Voices of the backend in use: id, name, language, gender, description.
    voices = traitlets.List(traitlets.Dict()).tag(sync=True)
    models = traitlets.List(traitlets.Unicode(), default_value=MODELS).tag(sync=True)
    features = traitlets.Dict(default_value=MODEL_FEATURES).tag(sync=True)
    emotions = traitlets.List(traitlets.Unicode(), default_value=EMOTIONS).tag(sync=True)
    sample_rates = traitlets.List(traitlets.Int(), default_value=list(SAMPLE_RATES)).tag(sync=True)
    encodings = traitlets.List(traitlets.Unicode(), default_value=list(ENCODINGS)).tag(sync=True)
    # What it shows.
    #: Its latency breakdown (see Utterance.metrics).
    metrics = traitlets.Dict().tag(sync=True)

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(text=text, **kwargs)
        threading.Thread(
            target=self._load_voices, name="cartesia-widget-voices", daemon=True
        ).start()

    def say(self, text: Source | None = None, **options: Unpack[SpeechOptions]) -> Utterance:
        """Speak `text` (or the text area's text) here; the controls apply unless
        `options` differ. Stops what this widget was saying.

        `text` may also be an iterable or async iterable of str pieces: the text
        area then shows them as they arrive."""
        if text is None:
            text = self.text
        self.text = text if isinstance(text, str) else ""
        return super().say(text, **options)

    speak = say

    def settings(self) -> SpeechOptions:
        """The options the controls describe; speed, volume and emotion only where the
        model honours them."""
        honoured = self.features.get(self.model, [])
        values = super().settings()
        for name in GENERATION_CONTROLS:
            if name not in honoured:
                values[name] = None  # type: ignore[literal-required]
        return values

    def options(self, **overrides: Unpack[SpeechOptions]) -> SpeechOptions:
        """The checked options the next `say()` would use."""
        return validate({**self.settings(), **overrides})

    def play(self, utterance: Utterance) -> Utterance:
        if self.utterance is not None:
            self.utterance.stop()
        self.words = []
        self.metrics = {}
        return super().play(utterance)

    # -- main thread -------------------------------------------------------------------
    def _mirror(self, u: Utterance) -> None:
        super()._mirror(u)
        if u is not self.utterance:
            return
        if u.streamed:
            self.text = u.text

    def _reported(self, u: Utterance) -> None:
        self.metrics = u.metrics

    def _request(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        if kind == "speak":
            try:
                self.say()
            except ValueError as exc:
                self.error = str(exc)

    # -- voices thread -----------------------------------------------------------------
    def _load_voices(self) -> None:
        try:
            found = list_voices()
            default = resolve_backend().default_voice
        except Exception as exc:  # noqa: BLE001 - shown in the widget
            message = f"Could not list voices: {exc}"
            main_thread.post(lambda: setattr(self, "error", message))
            return
        main_thread.post(lambda: self._show_voices(found, default))

    def _show_voices(self, found: list[dict[str, Any]], default: str) -> None:
        self.voices = found
        if not self.voice and found:
            self.voice = default
