"""Cartesia's SSML-like transcript tags (sonic-3): parsing a text segment into speech and controls.

Owns ``TagParser`` (one per renderer, so a ``<spell>`` may span segments) and the parts it
yields: ``Words`` (the transcript's words with what is actually spoken for each: a spelled
word becomes its letters and digits, comma-separated), ``Break`` (seconds of silence),
``Speed`` and ``Volume`` (settings from that point on). ``<emotion value="..."/>`` is
accepted and has no effect. Tags never become words: a break separates words, the other
tags do not. Only these five names are tags: other markup (``<b>bold</b>``, ``a<b``, an
``<img>`` in pasted HTML) stays text and is spoken as the engine reads it, so text that
speaks today never fails for looking like markup. A tag with a bad attribute, value or
shape, or left open, raises a ``ProtocolError`` from ``errors`` saying what is allowed.
``check`` validates a whole transcript at once (``/tts/bytes``). Pure functions and
per-context state: called on the render executor, or on the loop for a REST body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import errors

__all__ = ["Break", "MAX_BREAK_SECONDS", "Speed", "TagParser", "Volume", "Words", "check"]

MAX_BREAK_SECONDS = 10.0
SPEED_RANGE = (0.6, 1.5)
VOLUME_RANGE = (0.5, 2.0)

_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)((?:\s[^<>]*?)?)\s*(/?)>\Z", re.DOTALL)
_ATTR = re.compile(r"\s*([A-Za-z_][\w-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')\s*")
_NUMBER = re.compile(r"\s*\+?(\d+(?:\.\d*)?|\.\d+)\s*\Z")
_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)\s*\Z", re.IGNORECASE)
_TOKEN = re.compile(r"\s+|\S+")
_ATTRS = {"break": "time", "speed": "ratio", "volume": "ratio", "emotion": "value"}
# A tag: "<", an optional "/", a tag name as a whole word, up to its ">" (if any).
_NAMES = "|".join([*_ATTRS, "spell"])
_MARKUP = re.compile(rf"</?(?:{_NAMES})(?![\w-])[^<>]*(>)?", re.IGNORECASE)


@dataclass(frozen=True)
class Break:
    seconds: float


@dataclass(frozen=True)
class Speed:
    ratio: float


@dataclass(frozen=True)
class Volume:
    ratio: float


@dataclass
class Words:
    """Transcript words (tags removed) and, for each, the words an engine should speak."""

    display: list[str] = field(default_factory=list)
    spoken: list[list[str]] = field(default_factory=list)


Part = Break | Speed | Volume | Words


class TagParser:
    """Splits segments into parts; remembers an open ``<spell>`` between segments."""

    def __init__(self) -> None:
        self.in_spell = False

    def parse(self, text: str) -> list[Part]:
        out = _Builder()
        pos = 0
        for m in _MARKUP.finditer(text):
            out.text(text[pos : m.start()], self.in_spell)
            pos = m.end()
            if m.group(1) is None:
                raise errors.unclosed_tag(m.group())
            self._tag(m.group(), out)
        out.text(text[pos:], self.in_spell)
        return out.finish()

    def _tag(self, markup: str, out: _Builder) -> None:
        m = _TAG.match(markup)
        if m is None:
            raise errors.malformed_tag(markup, 'write <name attribute="value"/>')
        closing, name, attrs, selfclosing = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        if name == "spell":
            if attrs.strip() or selfclosing:
                raise errors.malformed_tag(markup, "write <spell>ABC</spell> (no attributes)")
            if bool(closing) != self.in_spell:
                raise errors.malformed_tag(markup, "<spell> cannot nest; </spell> closes <spell>")
            self.in_spell = not closing
            return
        if closing:
            raise errors.malformed_tag(markup, f"<{name}> has no closing tag; write <{name} .../>")
        value = _attribute(markup, name, attrs)
        if name == "break":
            out.control(Break(_break_seconds(markup, value)))
        elif name == "speed":
            out.control(Speed(_ratio("<speed> ratio", value, *SPEED_RANGE)))
        elif name == "volume":
            out.control(Volume(_ratio("<volume> ratio", value, *VOLUME_RANGE)))
        elif not value.strip():
            raise errors.malformed_tag(markup, 'give a value, e.g. <emotion value="happy"/>')


def check(text: str) -> None:
    """Validate every tag of a whole transcript (``ProtocolError`` on the first bad one)."""
    parser = TagParser()
    parser.parse(text)
    if parser.in_spell:
        raise errors.unclosed_tag("<spell>", "</spell>")


def _attribute(markup: str, name: str, attrs: str) -> str:
    """The value of the tag's one attribute (``_ATTRS[name]``); anything else is an error."""
    found: dict[str, str] = {}
    pos = 0
    for m in _ATTR.finditer(attrs):
        if m.start() != pos:
            break
        found[m.group(1).lower()] = m.group(2) if m.group(2) is not None else m.group(3)
        pos = m.end()
    wanted = _ATTRS[name]
    if attrs[pos:].strip() or set(found) != {wanted}:
        raise errors.malformed_tag(markup, f'<{name}> takes one attribute, {wanted}="..."')
    return found[wanted]


def _break_seconds(markup: str, value: str) -> float:
    m = _DURATION.match(value)
    if m is None:
        raise errors.invalid_break_time(markup)
    seconds = float(m.group(1)) / (1000.0 if m.group(2).lower() == "ms" else 1.0)
    if seconds > MAX_BREAK_SECONDS:
        raise errors.invalid_break_time(markup)
    return seconds


def _ratio(name: str, value: str, lo: float, hi: float) -> float:
    m = _NUMBER.match(value)
    if m is None:
        raise errors.invalid_number(name, lo, hi)
    number = float(m.group(1))
    if not lo <= number <= hi:
        raise errors.out_of_range(name, value, lo, hi)
    return number


def spell(chars: str) -> str:
    """What to say for spelled characters: each letter or digit on its own, comma-separated
    (both engines then say letter names: "A, B, C" is "ay, bee, see")."""
    return ", ".join(c for c in chars if c.isalnum())


class _Builder:
    """Collects words (with their spoken forms) and controls, in order."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.words = Words()
        self.display = ""  # the word being built (no whitespace seen since it began)
        self.spoken = ""  # what is said for it
        self.last_spelled = False  # the last thing said for it was spelled

    def text(self, text: str, spelled: bool) -> None:
        for m in _TOKEN.finditer(text):
            token = m.group()
            if token.isspace():
                self.end_word()
                continue
            self.display += token
            said = spell(token) if spelled else token
            if not said:
                continue
            if self.spoken and (spelled or self.last_spelled) and said[0].isalnum():
                self.spoken += " "  # spelled letters are words of their own
            self.spoken += said
            self.last_spelled = spelled

    def end_word(self) -> None:
        if self.display:
            self.words.display.append(self.display)
            self.words.spoken.append(self.spoken.split())
        self.display = self.spoken = ""
        self.last_spelled = False

    def control(self, part: Part) -> None:
        self.end_word()
        if self.words.display:
            self.parts.append(self.words)
            self.words = Words()
        self.parts.append(part)

    def finish(self) -> list[Part]:
        self.end_word()
        if self.words.display:
            self.parts.append(self.words)
        return self.parts
