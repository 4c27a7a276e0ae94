"""Splitting a cell's text into sentences for continuations.

The pieces concatenate back to the exact original text (Cartesia joins
continuations verbatim), so every piece keeps its trailing whitespace.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets)
# plus whitespace, or at a blank line.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n\s*\n")


def sentences(text: str) -> list[str]:
    """Split `text` into sentences whose concatenation is `text`."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if text[start:end].strip():
            pieces.append(text[start:end])
            start = end
    if start < len(text):
        if text[start:].strip() or not pieces:
            pieces.append(text[start:])
        else:
            pieces[-1] += text[start:]
    return pieces
