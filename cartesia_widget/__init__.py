"""Cartesia streaming text-to-speech in Jupyter.

    %load_ext cartesia_widget
    %%speak --voice <id>
    Any text, as long as you like.

or from Python: `cartesia_widget.speak("Hello!")`. Without CARTESIA_API_KEY the
built-in offline voices speak (a neural English voice, and espeak-ng for other
languages, behind a local Cartesia-compatible server).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import lazy_loader

# The public names are listed once, in __init__.pyi, and imported on first use (SPEC 1
# lazy loading): importing the package stays cheap where little of it runs, as in the
# Jupyter server extension (server_extension.py).
__getattr__, __dir__, _lazy = lazy_loader.attach_stub(__name__, __file__)

try:
    __version__ = version("cartesia-widget")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = [*_lazy, "load_ipython_extension"]


def load_ipython_extension(ipython) -> None:  # noqa: ANN001 - IPython's shell
    """`%load_ext cartesia_widget` registers %%speak, %speak, %%speak_output and
    %speak_stop, shows the page's speech engine and opens the connection, so that the
    first `%%speak` pays for neither."""
    from .engine import warm_up
    from .magic import SpeakMagics

    ipython.register_magics(SpeakMagics)
    warm_up()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension, enabled on install (see server_extension.py)."""
    return [{"module": "cartesia_widget.server_extension"}]
