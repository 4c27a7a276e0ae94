"""Grouping pieces of text (an LLM's tokens, a cell's prints) into continuations.

Cartesia concatenates continuations verbatim and speaks best from whole
sentences (../shared/notes/llm-streaming.md), so pieces are held and released
at natural boundaries, with `max_buffer_delay_ms=0` on the context:

- the first push as early as prosody allows: at the first sentence end, or a
  clause end (, ; : —) after `FIRST_WORDS` words, or — when the source is slow —
  `FIRST_WAIT` seconds after the first words arrived, at a word boundary after
  at least `FIRST_WORDS` words;
- then sentence by sentence, never fewer than `MIN_WORDS` words per push
  (short sentences join the next) except at the end;
- a run-on text without sentence ends is released at a clause or word
  boundary once it passes `MAX_CHARS` characters;
- when the source pauses (`PAUSE_WAIT` seconds without a piece), what is
  pending is spoken, rather than waiting for a period that may never come.

A push never ends inside a word, a number, an abbreviation or a URL (cuts are
made only at sentence ends found by sentencex, a maintained multilingual
segmenter, or at white space), nor inside a tag such as `<break time="1s"/>`
or a `<spell>…</spell>` element. The pushes concatenate to exactly the text fed.

Pure logic with an injected clock (`now` arguments); one owner at a time.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

import sentencex

#: Fewest words per push, except the last one.
MIN_WORDS = 3
#: The first push may end at a clause (or, when the source is slow, at a word) once it
#: has this many words.
FIRST_WORDS = 4
#: Seconds after the first words arrived before they are pushed at a word boundary.
FIRST_WAIT = 0.35
#: Seconds without a new piece after which pending text is spoken.
PAUSE_WAIT = 0.6
#: A run-on text longer than this is released at a clause or word boundary.
MAX_CHARS = 300
#: Characters segmented at a time: work per step stays bounded however long the text.
WINDOW = 4000

# Tags such as <break time="1s"/> and whole <spell>…</spell> elements are never cut; a
# tag still being written (an unclosed "<tag" near the end) is held until it closes.
_PROTECTED = re.compile(r"<spell>.*?</spell>|</?[A-Za-z][^<>]*>", re.S)
_UNCLOSED = re.compile(r"<spell>(?:(?!</spell>).)*\Z|</?[A-Za-z][^<>\n]{0,63}\Z", re.S)
_CLAUSE_END = re.compile(r"[,;:—–]\s")
_SPACE = re.compile(r"\s+")
# A word: letters or digits with inner . , ' - (3.50, e.g, don't), or one CJK character.
_CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+(?:[.,'’-][^\W{_CJK}]+)*")
_SPEAKABLE = re.compile(r"[^\W_]")
_CJK_END = "。！？"
_CLOSING = "\"'”’)]»」』"
#: Appended for the segmenter to judge the end of the text ("Hi. |Xy" ends a sentence,
#: "Dr. |Xy" and "e.g. |Xy" do not).
_PROBE = "Xy"


def speakable(text: str) -> bool:
    """Whether `text` holds a letter or a digit outside tags (Cartesia refuses anything else
    as a context's first transcript)."""
    return bool(_SPEAKABLE.search(_mask(text)))


def words(text: str) -> int:
    """How many words `text` holds (tags are not words)."""
    return len(_WORD.findall(_mask(text, fill=" ")))


def _mask(text: str, fill: str = "x") -> str:
    """`text` with every tag replaced by `fill` characters (same length)."""
    return _PROTECTED.sub(lambda m: fill * len(m.group()), text)


class _View:
    """A text (at most a window of it) and where it may be cut."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = _mask(text)
        self._tags = [(m.start(), m.end()) for m in _PROTECTED.finditer(text)]
        self._tag_starts = [start for start, _ in self._tags]
        unclosed = _UNCLOSED.search(text)
        #: Nothing from here on may be released: a tag still being written.
        self.limit = unclosed.start() if unclosed else len(text)
        self._word_ends = [m.end() for m in _WORD.finditer(_mask(text, fill=" "))]

    def cuttable(self, at: int) -> bool:
        """Whether the text may be cut before index `at` (not inside a tag)."""
        if at > self.limit:
            return False
        i = bisect_right(self._tag_starts, at - 1) - 1
        return i < 0 or not self._tags[i][0] < at < self._tags[i][1]

    def words(self, start: int, end: int) -> int:
        """Words wholly inside text[start:end] (as counted on the whole view)."""
        return bisect_right(self._word_ends, end) - bisect_right(self._word_ends, start)

    def sentence_ends(self, language: str, *, at_end: bool) -> list[int]:
        """Ends of sentences, moved past closing quotes and brackets, where white space
        (or CJK end punctuation) follows. `at_end`: the text ends here (a probe judges
        its last sentence); otherwise the last sentence may go on past the view."""
        text = self.text
        probed = self.masked + _PROBE if at_end else self.masked
        spans = sentencex.get_sentence_boundaries(language, probed)
        ends: list[int] = []
        walked = 0  # where the last walk past closers and white space stopped
        for span in spans[:-1]:  # the last one holds the probe, or goes on past the view
            end = span["end_index"]
            if end < walked:
                # Inside the run the last walk crossed (a segmenter splits white space
                # such as "\n" * 9000 into many spans): it would walk to the same place.
                # Skipping keeps this linear in the text.
                continue
            while end < len(text) and text[end] in _CLOSING:
                end += 1
            while end < len(text) and text[end].isspace():
                end += 1
            walked = end
            breaks = text[end - 1].isspace() or text[end - 1] in _CJK_END
            if breaks and (not ends or end > ends[-1]) and self.cuttable(end):
                ends.append(end)
        return ends

    def clause_ends(self) -> list[int]:
        return [m.end() for m in _CLAUSE_END.finditer(self.text) if self.cuttable(m.end())]

    def word_cut(self, at_least: int) -> int:
        """The end of the last complete word (white space follows) with at least
        `at_least` words before it; 0 if none."""
        for m in reversed(list(_SPACE.finditer(self.text, 0, self.limit))):
            if self.cuttable(m.end()) and self.words(0, m.end()) >= at_least:
                return m.end()
        return 0


class Aggregator:
    """Pieces in (`feed`), pushes out (`feed`, `poll`, `flush`); see the module docs."""

    def __init__(self, language: str | None = None) -> None:
        self.language = (language or "en").split("-")[0].lower()
        self.pending = ""
        self.pushed = 0  # pushes released so far
        self._started: float | None = None  # when the pending text got its first word
        self._last_piece: float | None = None

    # -- input and output -----------------------------------------------------------------
    def feed(self, piece: str, now: float) -> list[str]:
        """Add a piece; returns the pushes it completes."""
        if not piece:
            return []
        self.pending += piece
        self._last_piece = now
        if self._started is None and speakable(self.pending[:WINDOW]):
            self._started = now
        pushes: list[str] = []
        while released := self._release(self._early_cut()):
            pushes += released
        return pushes

    def poll(self, now: float) -> list[str]:
        """The pushes due by `now` because the source is slow or has paused."""
        pause = self._pause_due()
        if pause is not None and now >= pause:
            self._last_piece = None
            return self._release(_View(self.pending).limit, final=True)
        first = self._first_due()
        if first is not None and now >= first:
            return self._release(_View(self.pending[:WINDOW]).word_cut(FIRST_WORDS))
        return []

    def deadline(self) -> float | None:
        """When `poll` will release something unless more text comes (None: never)."""
        due = [t for t in (self._pause_due(), self._first_due()) if t is not None]
        return min(due) if due else None

    def flush(self) -> list[str]:
        """Everything pending (a flush, or the end of the text), sentence by sentence."""
        return self._release(len(self.pending), final=True)

    # -- when ---------------------------------------------------------------------------
    def _pause_due(self) -> float | None:
        if self._last_piece is None:
            return None
        if not speakable(self.pending[: _View(self.pending).limit]):
            return None
        return self._last_piece + PAUSE_WAIT

    def _first_due(self) -> float | None:
        if self.pushed or self._started is None:
            return None
        if not _View(self.pending[:WINDOW]).word_cut(FIRST_WORDS):
            return None
        return self._started + FIRST_WAIT

    # -- where ----------------------------------------------------------------------------
    def _early_cut(self) -> int:
        """Where to cut as text comes in: after the last complete sentence that makes
        enough words, or an early first clause, or inside a run-on; 0 to wait."""
        at_end = len(self.pending) <= WINDOW
        view = _View(self.pending[:WINDOW])
        for end in reversed(view.sentence_ends(self.language, at_end=at_end)):
            if view.words(0, end) >= MIN_WORDS:
                return end
        if self.pushed == 0:
            for end in view.clause_ends():
                if view.words(0, end) >= FIRST_WORDS:
                    return end
        if len(self.pending) > MAX_CHARS:
            clauses = [e for e in view.clause_ends() if view.words(0, e) >= MIN_WORDS]
            cut = clauses[-1] if clauses else view.word_cut(MIN_WORDS)
            return cut or (view.limit if not at_end else 0)  # a window without words
        return 0

    # -- releasing ------------------------------------------------------------------------
    def _release(self, cut: int, *, final: bool = False) -> list[str]:
        """Release `pending[:cut]` as sentence-sized pushes; `final` allows short ones.

        The first push must have words (Cartesia refuses anything else), so text
        without any stays pending until words follow.
        """
        text = self.pending[:cut]
        if not text or not speakable(text) and (not final or self.pushed == 0):
            return []
        self.pending = self.pending[cut:]
        pushes = list(split_text(text, self.language))
        if not final and len(pushes) > 1 and words(pushes[-1]) < MIN_WORDS:
            pushes[-2:] = [pushes[-2] + pushes[-1]]  # more text follows: no short push
        self.pushed += len(pushes)
        self._started = self._last_piece if speakable(self.pending[:WINDOW]) else None
        return pushes


def warm(language: str | None = None) -> None:
    """Have sentencex load its rules for `language` now (about 1 ms on first use)."""
    for _ in split_text("Warm up. It is ready now.", language):
        pass


def split_text(text: str, language: str | None = None) -> Iterator[str]:
    """A whole text as sentence-sized pushes, lazily: the first comes as soon as the
    first window is segmented, however long the text. The pushes join to `text`; each
    has at least MIN_WORDS words but the last."""
    language = (language or "en").split("-")[0].lower()
    start = 0
    while start < len(text):
        last = len(text) - start <= WINDOW
        view = _View(text[start : start + WINDOW])
        pos = 0
        for end in view.sentence_ends(language, at_end=False):
            if view.words(pos, end) >= MIN_WORDS:
                yield view.text[pos:end]
                pos = end
        if last:
            if pos < len(view.text):
                yield view.text[pos:]
            return
        if pos == 0:  # no sentence end in a whole window: cut at a word, or anywhere
            pos = view.word_cut(MIN_WORDS) or view.limit or len(view.text)
            yield view.text[:pos]
        start += pos
