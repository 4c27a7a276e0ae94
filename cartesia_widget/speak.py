"""The Python API: `speak()`, `Speaker` and `stop_all()`."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from .config import DEFAULT_MODEL, resolve_backend
from .stream import streamer
from .utterance import SpeechOptions, Utterance
from .widget import Player

#: Seconds between two `duration` updates of a player while audio streams in.
DURATION_UPDATE_INTERVAL = 0.25
FINAL = ("done", "stopped", "error")


def speak(
    text: str,
    *,
    voice: str | None = None,
    model: str = DEFAULT_MODEL,
    language: str | None = None,
    speed: float | None = None,
    volume: float | None = None,
    emotion: str | None = None,
    sample_rate: int = 44100,
    encoding: str = "pcm_f32le",
    timestamps: bool = False,
    timeout: float = 15.0,
    display: bool = True,
    wait: bool = False,
) -> Utterance:
    """Speak `text` in the browser while it is being generated; returns its handle.

    With `display=True` (the default) a player is shown in the cell's output.
    The call returns at once; `wait=True` blocks until playback has ended (and
    stops the speech if the kernel is interrupted meanwhile).
    """
    if not isinstance(text, str):
        raise TypeError(f"speak() needs a str, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("Nothing to speak: the text is empty.")
    options = SpeechOptions(
        voice=voice,
        model=model,
        language=language,
        speed=speed,
        volume=volume,
        emotion=emotion,
        sample_rate=sample_rate,
        encoding=encoding,
        timestamps=timestamps,
        timeout=timeout,
    )
    utterance = Utterance(text, options, resolve_backend())
    player = None
    if display:
        from IPython.display import display as show

        player = Player()
        utterance.player = player
        bind_player(player, utterance)
        show(player)
    streamer().submit(utterance, player)
    if wait:
        wait_or_stop(utterance)
    return utterance


def wait_or_stop(utterance: Utterance) -> Utterance:
    """Wait for playback to end; on KeyboardInterrupt stop the speech, then re-raise."""
    try:
        return utterance.wait()
    except KeyboardInterrupt:
        utterance.stop()
        raise


def stop_all() -> None:
    """Stop the speech in progress and everything queued after it."""
    streamer().stop_all()


class Speaker:
    """Keeps voice and format defaults for repeated `speak()` calls (validated up front)."""

    def __init__(
        self,
        *,
        voice: str | None = None,
        model: str = DEFAULT_MODEL,
        language: str | None = None,
        speed: float | None = None,
        volume: float | None = None,
        emotion: str | None = None,
        sample_rate: int = 44100,
        encoding: str = "pcm_f32le",
        timestamps: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self.options = SpeechOptions(
            voice=voice,
            model=model,
            language=language,
            speed=speed,
            volume=volume,
            emotion=emotion,
            sample_rate=sample_rate,
            encoding=encoding,
            timestamps=timestamps,
            timeout=timeout,
        )
        self._utterances: list[Utterance] = []

    def speak(
        self, text: str, *, display: bool = True, wait: bool = False, **overrides: Any
    ) -> Utterance:
        """Speak with this speaker's defaults; keyword arguments override them."""
        options = dataclasses.replace(self.options, **overrides)
        utterance = speak(text, **dataclasses.asdict(options), display=display, wait=wait)
        self._utterances = [u for u in self._utterances if u.status not in FINAL]
        self._utterances.append(utterance)
        return utterance

    def stop(self) -> None:
        """Stop every utterance this speaker started."""
        for utterance in self._utterances:
            utterance.stop()


def bind_player(player: Player, utterance: Utterance) -> None:
    """Mirror the utterance on the player, and route the browser's reports back."""
    excerpt = " ".join(utterance.text.split())
    player.label = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
    player.notice = utterance.notice
    last_update = 0.0

    def update(u: Utterance) -> None:
        nonlocal last_update
        status = u.status
        if player.status != status:
            player.status = status
        error = u.error
        if error is not None and player.error != str(error):
            player.error = str(error)
        now = time.monotonic()
        if status in FINAL or now - last_update >= DURATION_UPDATE_INTERVAL:
            player.duration = round(u.duration, 3)
            last_update = now

    def on_message(_widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "stop":
            utterance.stop()
        elif content.get("stream") == utterance.id:
            utterance._browser_report(content)

    utterance._subscribe(update)
    player.on_msg(on_message)
