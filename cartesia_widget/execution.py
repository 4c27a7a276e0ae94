"""How cells are being run: by a person in a frontend, or unattended.

Notebooks are also executed with nobody watching — nbconvert, papermill,
nbval, a docs build, Voilà — and what they save is what readers get. Those
clients record a widget's updates only while the cell that made them is
running, so speech that finishes after its cell would be saved mid-flight.
Interactive frontends (JupyterLab, Notebook 7) name the cell in each
execute request (`cellId`); automated clients send none. When a cell ran
unattended, the `post_run_cell` hook waits, before the cell ends, for the
speech it started to finish generating (not playing: nobody listens), and
runs the widget updates posted meanwhile, so the saved outputs are final.

Main thread only (IPython's hooks).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from . import main_thread

if TYPE_CHECKING:
    from .utterance import Utterance

#: The longest a cell waits at its end for its speech to be generated, seconds.
GENERATION_WAIT = 600.0

_started: weakref.WeakSet[Utterance] = weakref.WeakSet()
_installed = False


def unattended() -> bool:
    """True while the current cell runs without an interactive frontend."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
    except ImportError:
        return False
    if kernel is None:
        return False  # not in a kernel (a script, a test): nothing is saved
    parent: dict[str, Any] = kernel.get_parent() or {}
    header = parent.get("header", {})
    return header.get("msg_type") == "execute_request" and "cellId" not in parent.get(
        "metadata", {}
    )


def started(utterance: Utterance) -> None:
    """Note speech started by the current cell (called by the widgets)."""
    install()
    _started.add(utterance)


def install() -> None:
    """Register the `post_run_cell` hook once (a no-op outside IPython)."""
    global _installed
    if _installed:
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.events.register("post_run_cell", _after_cell)
        _installed = True


def _after_cell(*_args: Any) -> None:
    """Wait for the speech whose text is complete or read by a thread of its own. Speech
    whose text the main thread still writes — a push handle left open, %%speak_output's
    inner cell, an async source on the kernel's loop — is waited for by a later cell."""
    complete = [u for u in _started if u.input.ended or u.input.fed_by_thread]
    for utterance in complete:
        _started.discard(utterance)
    if not main_thread.on_main_thread() or not unattended():
        return
    for utterance in complete:
        main_thread.wait(utterance._generated, GENERATION_WAIT)
    main_thread.run_pending()
