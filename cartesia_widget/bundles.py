"""The widgets' built JavaScript (`static/`, made by esbuild from js/, the CSS inside), as
anywidget should be given it.

As text, read once: anywidget then keeps no class-wide file watcher, whose callbacks
would hold every widget ever made alive (and with it its speech). With
`ANYWIDGET_HMR=1` (developing the JavaScript) the path is given instead, and anywidget
swaps a rebuilt bundle into the page live.
"""

from __future__ import annotations

import os
from pathlib import Path

STATIC = Path(__file__).parent / "static"


def bundle(name: str) -> str | Path:
    """The built file `name`: its text, or its path while developing with HMR."""
    path = STATIC / name
    if os.environ.get("ANYWIDGET_HMR") == "1":
        return path
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ImportError(
            f"{path} is missing: the widgets' JavaScript is built when the package is "
            "installed (pip install -e .), or by `npm install && npm run build`."
        ) from None
    return text if text.endswith("\n") else text + "\n"  # one line would read as a path
