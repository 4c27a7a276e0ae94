"""The function API: `speak()` and `stop_all()`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import spare_player
from .engine import engine
from .options import SpeechOptions
from .sources import Source
from .streamer import streamer
from .utterance import Utterance
from .widget import Player

if TYPE_CHECKING:
    from typing_extensions import Unpack

#: How long `speak()` lets the first request go out before it builds the player, seconds.
REQUEST_WAIT = 0.01


def speak(
    text: Source,
    *,
    display: bool = True,
    wait: bool = False,
    embed: bool | None = None,
    **options: Unpack[SpeechOptions],
) -> Utterance:
    """Speak `text` in the browser while it is being generated; returns its handle.

    `text` is a str, or an iterable of str pieces (a generator, an LLM's stream
    mapped to text), read on a background thread, or an async iterable of str,
    read on the kernel's event loop: the speech starts while the text is still
    being written. `options` are the speech options (see `SpeechOptions`). With
    `display=True` (the default) a `Player` is shown in the cell's output;
    `embed=True` also keeps the finished speech in the notebook, playable without
    a kernel (default: `configure(embed=...)` or CARTESIA_WIDGET_EMBED). The call
    returns at once; `wait=True` blocks until playback has ended (and stops the
    speech if the kernel is interrupted meanwhile).
    """
    utterance = start(Utterance(text, options), display=display, embed=embed)
    if wait:
        wait_or_stop(utterance)
    return utterance


def start(utterance: Utterance, *, display: bool, embed: bool | None = None) -> Utterance:
    """Queue `utterance`, shown in a `Player` in the cell's output if `display` (the one
    made ahead, spare_player.py, when there is one)."""
    if not display:
        return streamer().submit(utterance)
    from IPython.display import display as show

    idle = streamer().idle
    streamer().submit(utterance, engine())
    if idle:  # let the request go out first: making or updating the player holds the GIL
        utterance._requested.wait(REQUEST_WAIT)
    player = spare_player.take(utterance, embed)  # a model the page already has
    if player is None:
        player = Player() if embed is None else Player(embed=embed)
    player._adopt(utterance)
    show(player)
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
