"""The continuation text buffer of a context, and sentence segmentation.

Owns ``TextBuffer``: transcript pieces are concatenated verbatim. Complete sentences are
released as soon as they are complete; an incomplete tail is held until more text, a flush,
the end of input, or a buffer delay. Long sentences are split at clause or whitespace
boundaries. Pure functions and state without I/O; used on the server's asyncio loop.
"""

from __future__ import annotations

import re

__all__ = ["MAX_SEGMENT_CHARS", "TextBuffer", "split_long", "is_speakable", "words_with_spans"]

MAX_SEGMENT_CHARS = 200
_FIRST_SEGMENT_CHARS = 120

# A sentence ends at . ! ? ; … (plus closing quotes/brackets) followed by whitespace, or at
# the end of the buffer for ! ? … and for a "." not preceded by a digit.
_SENTENCE_END = re.compile(r"[.!?;…。！？]+[\"'”’)\]]*(?=\s)")
_END_AT_BUFFER_END = re.compile(r"(?:[!?…。！？]|(?<!\d)\.)+[\"'”’)\]]*\s*$")
_CLAUSE = re.compile(r"[,:;—–)]\s")
_WORD_CHAR = re.compile(r"\w", re.UNICODE)


def is_speakable(text: str) -> bool:
    """True when ``text`` holds at least one letter or digit."""
    return bool(_WORD_CHAR.search(text))


def split_long(text: str, limit: int = MAX_SEGMENT_CHARS) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` chars at clause/whitespace boundaries.

    Pieces are consecutive slices: ``"".join(pieces) == text``.
    """
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for m in _CLAUSE.finditer(window):
            if m.end() > limit // 3:
                cut = m.end()
        if cut < 0:
            ws = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
            cut = ws + 1 if ws > 0 else limit
        pieces.append(text[:cut])
        text = text[cut:]
    if text:
        pieces.append(text)
    return pieces


class TextBuffer:
    """Accumulates transcript pieces and releases speakable segments."""

    def __init__(self) -> None:
        self._text = ""
        self.released_any = False

    def __len__(self) -> int:
        return len(self._text)

    @property
    def pending(self) -> str:
        return self._text

    def add(self, piece: str) -> None:
        self._text += piece

    def take_complete(self) -> list[str]:
        """Release every complete sentence (split when long); keep the tail."""
        text = self._text
        end = 0
        for m in _SENTENCE_END.finditer(text):
            end = m.end()
        tail_match = _END_AT_BUFFER_END.search(text, end)
        if tail_match and is_speakable(text[end:]):
            end = len(text)
        if end == 0:
            # No sentence end: still release leading pieces of a very long run-on tail.
            if len(text) <= MAX_SEGMENT_CHARS:
                return []
            pieces = split_long(text)
            self._text = pieces[-1]
            return self._segments("".join(pieces[:-1]))
        self._text = text[end:]
        return self._segments(text[:end])

    def take_all(self) -> list[str]:
        """Release everything (flush, end of input or buffer delay)."""
        text, self._text = self._text, ""
        return self._segments(text)

    def _segments(self, text: str) -> list[str]:
        out: list[str] = []
        pos = 0
        for m in _SENTENCE_END.finditer(text):
            out.extend(self._limit(text[pos : m.end()]))
            pos = m.end()
        out.extend(self._limit(text[pos:]))
        # Attach unspeakable fragments (whitespace, stray punctuation) to a neighbour.
        merged: list[str] = []
        for seg in out:
            if merged and (not is_speakable(seg) or not is_speakable(merged[-1])):
                merged[-1] += seg
            else:
                merged.append(seg)
        return [s for s in merged if s]

    def _limit(self, sentence: str) -> list[str]:
        if not sentence:
            return []
        limit = MAX_SEGMENT_CHARS if self.released_any else _FIRST_SEGMENT_CHARS
        pieces = split_long(sentence, limit)
        if len(pieces) > 1:
            pieces = pieces[:1] + split_long("".join(pieces[1:]))
        self.released_any = True
        return pieces


def words_with_spans(text: str) -> list[tuple[str, int, int]]:
    """Whitespace-separated words of ``text`` with their [start, end) character spans."""
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
