"""Helpers for notebooks executed with nobody watching (the fixtures are in conftest.py)."""

from __future__ import annotations

import base64
import os
import time

import nbformat
from nbclient import NotebookClient

WIDGET = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


def notebook(cells: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def execute(nb: nbformat.NotebookNode, env: dict[str, str] | None = None) -> float:
    """Run the notebook as nbconvert --execute does, with widget state; returns seconds."""
    os.environ.update(env or {})
    t0 = time.monotonic()
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True).execute()
    finally:
        for name in env or {}:
            os.environ.pop(name, None)
    return time.monotonic() - t0


def players(nb: nbformat.NotebookNode) -> list[tuple[dict, dict]]:
    """(output data, saved widget state) of every Player output, in cell order."""
    states = nb.metadata["widgets"][STATE]["state"]
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data:
                model = states[data[WIDGET]["model_id"]]
                state = dict(model["state"])
                for buffer in model.get("buffers", []):  # binary traits are saved apart
                    state[buffer["path"][0]] = base64.b64decode(buffer["data"])
                if "label" in state:
                    out.append((data, state))
    return out
