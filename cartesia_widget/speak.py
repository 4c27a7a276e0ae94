"""The function API: `speak()` and `stop_all()`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .options import SpeechOptions
from .sources import Source
from .streamer import streamer
from .utterance import Utterance
from .widget import Player

if TYPE_CHECKING:
    from typing_extensions import Unpack


def speak(
    text: Source, *, display: bool = True, wait: bool = False, **options: Unpack[SpeechOptions]
) -> Utterance:
    """Speak `text` in the browser while it is being generated; returns its handle.

    `text` is a str, or an iterable of str pieces (a generator, an LLM's stream
    mapped to text), read on a background thread, or an async iterable of str,
    read on the kernel's event loop: the speech starts while the text is still
    being written. `options` are the speech options (see `SpeechOptions`: voice, model,
    language, speed, volume, emotion, sample_rate, encoding, timestamps,
    timeout, lead). With `display=True` (the default) a `Player` is shown in the
    cell's output. The call returns at once; `wait=True` blocks until playback
    has ended (and stops the speech if the kernel is interrupted meanwhile).
    """
    utterance = start(Utterance(text, options), display=display)
    if wait:
        wait_or_stop(utterance)
    return utterance


def start(utterance: Utterance, *, display: bool) -> Utterance:
    """Queue `utterance`, shown in a new `Player` in the cell's output if `display`."""
    if not display:
        return streamer().submit(utterance)
    from IPython.display import display as show

    player = Player(sample_rate=utterance.sample_rate, lead=utterance.options["lead"])
    show(player)
    return player.play(utterance)


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
