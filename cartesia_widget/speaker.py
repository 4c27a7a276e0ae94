"""`Speaker`: the interactive widget — type, pick a voice, hear, watch and keep speech.

The controls are synced traits, so `speaker.voice = ...` in Python updates the
UI and the reverse; `speaker.say(...)` speaks in the same widget. The audio
engine, comm protocol and streaming thread are the ones `%%speak` uses.
"""

from __future__ import annotations

import threading
from typing import Any

import traitlets

from .config import DEFAULT_MODEL, resolve_backend
from .pcm import ENCODINGS, SAMPLE_RATES, wav_bytes
from .speak import check_text, mirror
from .stream import streamer
from .utterance import SpeechOptions, Utterance
from .voices import voices as list_voices
from .widget import STATIC, SpeechWidget

MODELS = ["sonic-3", "sonic-3.5", "sonic-latest", "sonic-2", "sonic-turbo"]
#: The generation controls each model honours (Cartesia: speed, volume and emotion are
#: sonic-3 controls; sonic-3.5 ignores them).
MODEL_FEATURES = {"sonic-3": ["speed", "emotion"]}
EMOTIONS = ["neutral", "calm", "happy", "content", "excited", "curious", "sad", "angry", "scared"]
#: Seconds of audio per chunk message when a finished utterance is sent again (replay).
REPLAY_CHUNK_SECONDS = 0.5


class Speaker(SpeechWidget):
    """A Cartesia playground in the notebook: `Speaker()` shows it, `say()` speaks in it."""

    _esm = STATIC / "speaker.js"

    text = traitlets.Unicode("").tag(sync=True)
    voice = traitlets.Unicode("").tag(sync=True)
    #: Voices of the backend in use: id, name, language, gender, description.
    voices = traitlets.List(traitlets.Dict()).tag(sync=True)
    model = traitlets.Unicode(DEFAULT_MODEL).tag(sync=True)
    models = traitlets.List(traitlets.Unicode(), default_value=MODELS).tag(sync=True)
    features = traitlets.Dict(default_value=MODEL_FEATURES).tag(sync=True)
    #: "" lets the voice speak its own language.
    language = traitlets.Unicode("").tag(sync=True)
    speed = traitlets.Float(1.0).tag(sync=True)
    #: "" for none.
    emotion = traitlets.Unicode("").tag(sync=True)
    emotions = traitlets.List(traitlets.Unicode(), default_value=EMOTIONS).tag(sync=True)
    sample_rate = traitlets.Int(44100).tag(sync=True)
    sample_rates = traitlets.List(traitlets.Int(), default_value=list(SAMPLE_RATES)).tag(sync=True)
    encoding = traitlets.Unicode("pcm_f32le").tag(sync=True)
    encodings = traitlets.List(traitlets.Unicode(), default_value=list(ENCODINGS)).tag(sync=True)
    #: Id of the utterance the widget shows.
    stream = traitlets.Unicode("").tag(sync=True)
    #: Word timestamps of that utterance: [[word, start, end], ...] in seconds.
    words = traitlets.List().tag(sync=True)
    #: Its latency breakdown (see Utterance.metrics).
    metrics = traitlets.Dict().tag(sync=True)
    #: Keep the finished utterance in widget state as 16-bit WAV (`wav`), so a saved
    #: notebook replays without a kernel. Off by default: notebooks stay small.
    embed = traitlets.Bool(False).tag(sync=True)
    wav = traitlets.Bytes(b"").tag(sync=True)

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(text=text, **kwargs)
        self.utterance: Utterance | None = None
        self._replays = 0
        self.on_msg(self._on_message)
        threading.Thread(
            target=self._load_voices, name="cartesia-widget-voices", daemon=True
        ).start()

    @traitlets.validate("sample_rate")
    def _valid_rate(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] not in SAMPLE_RATES:
            raise traitlets.TraitError(
                f"Unsupported sample rate {proposal['value']}: use one of "
                f"{', '.join(map(str, SAMPLE_RATES))}."
            )
        return proposal["value"]

    @traitlets.validate("encoding")
    def _valid_encoding(self, proposal: dict[str, Any]) -> str:
        if proposal["value"] not in ENCODINGS:
            raise traitlets.TraitError(
                f"Unsupported encoding {proposal['value']!r}: use one of {', '.join(ENCODINGS)}."
            )
        return proposal["value"]

    @traitlets.validate("speed")
    def _valid_speed(self, proposal: dict[str, Any]) -> float:
        if not 0.6 <= proposal["value"] <= 1.5:
            raise traitlets.TraitError(
                f"Speed {proposal['value']} is out of range: use 0.6 to 1.5 (1 = normal)."
            )
        return proposal["value"]

    def options(self, **overrides: Any) -> SpeechOptions:
        """The SpeechOptions the controls describe (keyword arguments override them)."""
        features = self.features.get(self.model, [])
        values: dict[str, Any] = {
            "voice": self.voice or None,
            "model": self.model,
            "language": self.language or None,
            "speed": self.speed if "speed" in features and self.speed != 1.0 else None,
            "emotion": self.emotion if "emotion" in features and self.emotion else None,
            "sample_rate": self.sample_rate,
            "encoding": self.encoding,
            "timestamps": True,
        }
        values.update(overrides)
        return SpeechOptions(**values)

    def say(self, text: str | None = None, **overrides: Any) -> Utterance:
        """Speak `text` (or the text area's text) in this widget; returns the handle."""
        if text is not None:
            self.text = text
        check_text(self.text)
        utterance = Utterance(self.text, self.options(**overrides), resolve_backend())
        if self.utterance is not None:
            self.utterance.stop()
        self.utterance = utterance
        self.stream = utterance.id
        self.words = []
        self.metrics = {}
        self.wav = b""
        mirror(self, utterance)
        utterance._subscribe(self._follow)
        streamer().submit(utterance, self)
        return utterance

    speak = say

    def stop(self) -> None:
        """Stop the utterance being spoken."""
        if self.utterance is not None:
            self.utterance.stop()

    def replay(self) -> None:
        """Send the last finished utterance to the browser again (e.g. after a page reload)."""
        u = self.utterance
        if u is None or u.duration == 0:
            self.error = "Nothing to replay yet: speak something first."
            return
        self._replays += 1
        stream = f"{u.id}-replay{self._replays}"
        audio = u.audio
        step = int(REPLAY_CHUNK_SECONDS * u.sample_rate)
        outbox = streamer().outbox
        for start in range(0, len(audio), step):
            outbox.chunk(self, stream, u.sample_rate, audio[start : start + step])
        outbox.end(self, stream, u.sample_rate)

    # -- threads other than the caller's -----------------------------------------------
    def _load_voices(self) -> None:
        try:
            found = list_voices()
        except Exception as exc:  # noqa: BLE001 - shown in the widget
            self.error = f"Could not list voices: {exc}"
            return
        self.voices = found
        if not self.voice and found:
            self.voice = resolve_backend().default_voice

    def _follow(self, u: Utterance) -> None:
        if u is not self.utterance:
            return
        words = [[w.word, w.start, w.end] for w in u.words]
        if len(words) != len(self.words):
            self.words = words
        if u.status == "done" and self.embed and not self.wav:
            self.wav = wav_bytes(u.audio, u.sample_rate)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "speak":
            try:
                self.say()
            except ValueError as exc:
                self.error = str(exc)
        elif kind == "stop":
            self.stop()
        elif kind == "replay":
            self.replay()
        elif self.utterance is not None and content.get("stream") == self.utterance.id:
            self.utterance._browser_report(content)
            self.metrics = self.utterance.metrics
