"""The player the next `speak()` shows, made ahead of it.

JupyterLab handles a kernel's messages one after another, and a widget made in a
cell costs the page a new model just as that cell's first audio chunk comes: the
model's comm_open holds every message behind it while ipywidgets builds the
model and anywidget imports its module (10-15 ms). So once a page has said hello
(its engine is connected), the kernel keeps one `Player` made ahead, and
`speak()` shows it: the page only renders a view of a model it already has, and
the first chunk does not wait. The next one is made once the speech that took
it has been generated, well after that speech's first chunk.

No player is made ahead without a page (nbconvert, papermill: the saved widget
state keeps only the players shown), nor in Colab, which creates a model only
where a widget is shown and has not delivered a later cell's messages to a view
of an earlier one (frontends.md).

Owner: the kernel's main thread makes, takes and replaces the player; a speech's
end is posted to it (main_thread.py).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from . import main_thread
from .config import embed_default
from .utterance import FINAL

if TYPE_CHECKING:
    from .utterance import Utterance
    from .widget import Player

_spare: Player | None = None


def prepare() -> None:
    """Make the player ahead, unless one is ready (main thread; a page said hello)."""
    global _spare
    if not main_thread.on_main_thread() or "google.colab" in sys.modules:
        return
    if _spare is None or _spare.comm is None:  # none yet, or closed (Widget.close_all)
        from .widget import Player

        _spare = Player()


def take(utterance: Utterance, embed: bool | None) -> Player | None:
    """The player made ahead, to show `utterance`, if there is one for `embed` (None:
    the default); another is made once `utterance` has been generated."""
    global _spare
    wanted = embed_default() if embed is None else embed
    player = _spare
    if (
        not main_thread.on_main_thread()
        or player is None
        or player.comm is None
        or player.embed != wanted
    ):
        return None
    _spare = None

    def generated(u: Utterance) -> None:  # any thread, after every change of `u`
        if u.status in FINAL:
            u._unsubscribe(generated)
            main_thread.post(prepare)

    utterance._subscribe(generated)
    generated(utterance)  # it may have ended already (an error before any audio)
    return player
