"""The Python API: `speak()` and `stop_all()`, and how an utterance shows on a widget."""

from __future__ import annotations

import time
from typing import Any

from .config import DEFAULT_MODEL, resolve_backend
from .stream import streamer
from .utterance import SpeechOptions, Utterance
from .widget import DEFAULT_LEAD, Player, SpeechWidget

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
    lead: float = DEFAULT_LEAD,
) -> Utterance:
    """Speak `text` in the browser while it is being generated; returns its handle.

    With `display=True` (the default) a player is shown in the cell's output.
    The call returns at once; `wait=True` blocks until playback has ended (and
    stops the speech if the kernel is interrupted meanwhile). `lead` is how many
    seconds the browser schedules ahead when playback starts.
    """
    check_text(text)
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

        player = Player(sample_rate=sample_rate, lead=lead)
        utterance.player = player
        bind_player(player, utterance)
        show(player)
    streamer().submit(utterance, player)
    if wait:
        wait_or_stop(utterance)
    return utterance


def check_text(text: object) -> None:
    """Raise a clear error unless `text` is a non-blank string."""
    if not isinstance(text, str):
        raise TypeError(f"Text to speak must be a str, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("Nothing to speak: the text is empty.")


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


def bind_player(player: Player, utterance: Utterance) -> None:
    """Mirror the utterance on its player, and route the browser's reports back."""

    def on_message(_widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "stop":
            utterance.stop()
        elif content.get("stream") == utterance.id:
            utterance._browser_report(content)

    mirror(player, utterance)
    player.on_msg(on_message)


def mirror(widget: SpeechWidget, utterance: Utterance) -> None:
    """Keep the widget's status, error, duration, label and notice in step with `utterance`."""
    excerpt = " ".join(utterance.text.split())
    widget.label = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
    widget.notice = utterance.notice
    widget.error = ""
    widget.duration = 0.0
    last_update = 0.0

    def update(u: Utterance) -> None:
        nonlocal last_update
        status = u.status
        if widget.status != status:
            widget.status = status
        error = u.error
        if error is not None and widget.error != str(error):
            widget.error = str(error)
        now = time.monotonic()
        if status in FINAL or now - last_update >= DURATION_UPDATE_INTERVAL:
            widget.duration = round(u.duration, 3)
            last_update = now

    utterance._subscribe(update)
