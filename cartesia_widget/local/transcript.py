"""The continuation text buffer of a context, and sentence segmentation.

Owns ``TextBuffer``: transcript pieces are concatenated verbatim. Complete sentences are
released as soon as they are complete; an incomplete tail is held until more text, a flush,
the end of input, or a buffer delay. Long sentences are split at clause or whitespace
boundaries, and a held tail longer than ``MAX_SEGMENT_CHARS`` gives up its leading pieces.
No release cuts a transcript tag (``tags``): an unfinished ``<...`` (a ``<`` then a letter or
``/``, or a ``<`` last) is held until its ``>`` arrives or the input ends (up to
``MAX_TAG_CHARS``), and splits never fall inside one.

Every operation is linear in the text it adds or releases: each piece is scanned once (the
buffer keeps, as state, its last sentence end and whether its text ends a sentence), so a
transcript sent in many small pieces costs no more than one piece, and no pattern
backtracks over long runs of punctuation. Texts are scanned ``_SLICE`` characters at a
time, so no single regex call holds the GIL for long. Pure functions and state without
I/O: used on the server's asyncio loop, or on the render executor for long texts
(``render.off_loop``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["MAX_SEGMENT_CHARS", "TextBuffer", "split_long", "is_speakable", "words_with_spans"]

MAX_SEGMENT_CHARS = 200
MAX_TAG_CHARS = 256  # an unfinished tag held longer than this is released (and rejected)
_FIRST_SEGMENT_CHARS = 120
# Unspeakable fragments are attached to a neighbour only while the result stays this short.
_MERGED_CHARS = 2 * MAX_SEGMENT_CHARS
# Characters per regex call: a call on another thread holds the GIL (and so the event
# loop) for its whole length; 64 Ki characters take well under a millisecond.
_SLICE = 64 * 1024

_TERMINALS = ".!?;…。！？"
_CLOSERS = "\"'”’)]"
_FINAL = "!?…。！？"  # end a sentence at the end of the buffer ("." too, unless after a digit)

# A sentence ends at a terminal plus closing quotes/brackets followed by whitespace. One
# terminal is matched, not a run ("[.!?]+"): the end is the same, and a long run of
# punctuation costs linear time instead of quadratic.
_SENTENCE_END = re.compile(r"[.!?;…。！？][\"'”’)\]]*(?=\s)")
# The last sentence end of a piece (".*" runs to the end, then backs up to it).
_LAST_SENTENCE_END = re.compile(r"(?s:.*)[.!?;…。！？][\"'”’)\]]*(?=\s)")
# Closers then whitespace at the start of a piece end a sentence the text before began.
_LEADING_END = re.compile(r"[\"'”’)\]]*(?=\s)")
_CLAUSE = re.compile(r"[,:;—–)]\s")
_WORD_CHAR = re.compile(r"\w", re.UNICODE)
_TAG_START = re.compile(r"<(?=[A-Za-z/]|\Z)")

# Whether the text ends a sentence at its very end (``_FINAL`` + closers + whitespace).
_NO, _CLOSED, _SPACED = 0, 1, 2  # no / yes, closers last / yes, whitespace last


def is_speakable(text: str) -> bool:
    """True when ``text`` holds at least one letter or digit."""
    return bool(_WORD_CHAR.search(text))


def split_long(text: str, limit: int = MAX_SEGMENT_CHARS, first: int | None = None) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` chars (``first`` for the first one) at
    clause/whitespace boundaries, in time linear in ``len(text)``.

    Pieces are consecutive slices: ``"".join(pieces) == text``.
    """
    pieces: list[str] = []
    start = 0
    size = limit if first is None else first
    while len(text) - start > size:
        cut = _outside_tag(text, start, start + _cut(text[start : start + size], size)) - start
        pieces.append(text[start : start + cut])
        start += cut
        size = limit
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _cut(window: str, limit: int) -> int:
    """Where to end a piece of ``window``: the last clause break past a third of it, else the
    last whitespace, else ``limit``."""
    cut = -1
    for m in _CLAUSE.finditer(window):
        if m.end() > limit // 3:
            cut = m.end()
    if cut < 0:
        ws = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
        cut = ws + 1 if ws > 0 else limit
    return cut


def _outside_tag(text: str, start: int, cut: int) -> int:
    """``cut``, or where to cut instead when it falls inside a tag: before the tag, or after
    it when it is the first thing past ``start``."""
    lt = text.rfind("<", start, cut)
    if lt < 0 or text.find(">", lt, cut) >= 0 or not _TAG_START.match(text, lt):
        return cut
    if lt > start:
        return lt
    gt = text.find(">", cut)
    return gt + 1 if gt >= 0 else len(text)


class TextBuffer:
    """Accumulates transcript pieces and releases speakable segments."""

    def __init__(self) -> None:
        self.released_any = False
        self._reset("")

    def __len__(self) -> int:
        return self._len

    @property
    def pending(self) -> str:
        """The text held (joined on each call: for tests and small buffers)."""
        return "".join(self._parts)

    @property
    def speakable(self) -> bool:
        """Whether the text held has a letter or digit."""
        return self._speakable

    def add(self, piece: str) -> None:
        for start in range(0, len(piece), _SLICE):
            self._scan(piece[start : start + _SLICE])

    def step(self, piece: str, release_all: bool, final: bool = False) -> list[str]:
        """``add(piece)``, then release everything (``release_all``; ``final``: the input
        ended, so an unfinished tag goes too) or what is complete."""
        self.add(piece)
        return self.take_all(final) if release_all else self.take_complete()

    def take_complete(self) -> list[str]:
        """Release every complete sentence (split when long); keep a short tail."""
        held = self._held()
        limit = self._len if held < 0 else held
        end = self._len if self._final != _NO and self._tail_speakable else self._end
        end = min(end if held < 0 else self._end, limit)
        if end == 0 and limit <= MAX_SEGMENT_CHARS:
            return []
        text = "".join(self._parts)
        released, tail = text[:end], text[end:limit]
        if len(tail) > MAX_SEGMENT_CHARS:
            # A long run-on tail: release its leading pieces too.
            pieces = split_long(tail)
            released += "".join(pieces[:-1])
            tail = pieces[-1]
        self._reset(tail + text[limit:])
        return self._segments(released)

    def take_all(self, final: bool = True) -> list[str]:
        """Release everything (end of input: ``final``), or all but an unfinished tag (flush
        or buffer delay)."""
        text = "".join(self._parts)
        held = -1 if final else self._held()
        self._reset(text[held:] if held >= 0 else "")
        return self._segments(text[:held] if held >= 0 else text)

    def _held(self) -> int:
        """Where an unfinished tag starts (-1: none, or too long to be one)."""
        if self._tag < 0 or self._len - self._tag > MAX_TAG_CHARS:
            return -1
        return self._tag

    # ------------------------------------------------------------------ scanning
    def _reset(self, tail: str) -> None:
        self._parts: list[str] = []
        self._len = 0
        self._end = 0  # offset just past the last complete sentence (0: none)
        self._after_terminal = False  # the text, bar trailing closers, ends with a terminal
        self._final = _NO
        self._last = ""  # the text's last character
        self._speakable = False
        self._tail_speakable = False  # the text after ``_end`` has a letter or digit
        self._tag = -1  # offset of an unfinished tag's "<" (-1: none)
        self.add(tail)

    def _scan(self, piece: str) -> None:
        """Take ``piece`` (at most ``_SLICE`` characters) into the text and its state."""
        end = -1
        m = _LAST_SENTENCE_END.match(piece)
        if m:
            end = m.end()
        elif self._after_terminal:
            lead = _LEADING_END.match(piece)
            if lead:
                end = lead.end()
        if end >= 0:
            self._end = self._len + end
            self._tail_speakable = bool(_WORD_CHAR.search(piece, end))
        elif not self._tail_speakable:
            self._tail_speakable = is_speakable(piece)
        self._speakable = self._speakable or self._tail_speakable or is_speakable(piece)
        core = piece.rstrip(_CLOSERS)
        if core:
            self._after_terminal = core[-1] in _TERMINALS
        self._track_tag(piece)
        self._final = self._final_after(piece)
        self._last = piece[-1]
        self._parts.append(piece)
        self._len += len(piece)

    def _track_tag(self, piece: str) -> None:
        """Update ``_tag`` for ``piece`` (not yet counted in ``_len``)."""
        gt = piece.rfind(">")
        if gt >= 0:
            self._tag = -1
        elif self._tag == self._len - 1 and not _TAG_START.match("<" + piece[:1]):
            self._tag = -1  # a "<" that ended the text is followed by neither letter nor "/"
        if self._tag < 0:
            m = _TAG_START.search(piece, gt + 1)
            if m:
                self._tag = self._len + m.start()

    def _final_after(self, piece: str) -> int:
        """``_final`` once ``piece`` is added: the text must end with a final terminal,
        closing quotes/brackets, then whitespace (in that order)."""
        stripped = piece.rstrip()
        spaced = len(stripped) < len(piece)
        core = stripped.rstrip(_CLOSERS)
        if core:
            last = core[-1]
            before = core[-2] if len(core) > 1 else self._last
            if last in _FINAL or (last == "." and not before.isdecimal()):
                return _SPACED if spaced else _CLOSED
            return _NO
        # The piece is closers then whitespace: it extends how the text ended.
        if not spaced:
            return _CLOSED if self._final == _CLOSED else _NO
        if stripped:
            return _SPACED if self._final == _CLOSED else _NO
        return _SPACED if self._final != _NO else _NO

    # ------------------------------------------------------------------ segmenting
    def _segments(self, text: str) -> list[str]:
        out: list[str] = []
        pos = 0
        for end in _sentence_ends(text):
            out.extend(self._limit(text[pos:end]))
            pos = end
        out.extend(self._limit(text[pos:]))
        return _merge_unspeakable(out)

    def _limit(self, sentence: str) -> list[str]:
        if not sentence:
            return []
        first = MAX_SEGMENT_CHARS if self.released_any else _FIRST_SEGMENT_CHARS
        self.released_any = True
        return split_long(sentence, MAX_SEGMENT_CHARS, first)


def _sentence_ends(text: str) -> Iterator[int]:
    """The offsets just past each complete sentence of ``text``, a slice at a time."""
    after_terminal = False  # the text so far, bar trailing closers, ends with a terminal
    for offset in range(0, len(text), _SLICE):
        part = text[offset : offset + _SLICE]
        if after_terminal:
            lead = _LEADING_END.match(part)
            if lead:
                yield offset + lead.end()
        for m in _SENTENCE_END.finditer(part):
            yield offset + m.end()
        core = part.rstrip(_CLOSERS)
        if core:
            after_terminal = core[-1] in _TERMINALS


def _merge_unspeakable(segments: list[str]) -> list[str]:
    """Attach unspeakable fragments (whitespace, stray punctuation) to a neighbour, while the
    result stays under ``_MERGED_CHARS`` (a long run of punctuation stays in pieces).

    One list is reused for the group being merged: a list per segment, alive until the end,
    would make a long text trigger full garbage collections (tens of ms with the GIL held).
    """
    merged: list[str] = []
    group: list[str] = []
    size = 0
    speakable = False
    for seg in segments:
        if not seg:
            continue
        sp = is_speakable(seg)
        if group and not (sp and speakable) and size + len(seg) <= _MERGED_CHARS:
            group.append(seg)
            size += len(seg)
            speakable = speakable or sp
            continue
        if group:
            merged.append("".join(group))
            group.clear()
        group.append(seg)
        size, speakable = len(seg), sp
    if group:
        merged.append("".join(group))
    return merged


def words_with_spans(text: str) -> list[tuple[str, int, int]]:
    """Whitespace-separated words of ``text`` with their [start, end) character spans."""
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
