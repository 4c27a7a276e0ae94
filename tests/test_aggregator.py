"""The aggregator on generated texts, piece splits and timings."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cartesia_widget.aggregator import (
    FIRST_WAIT,
    FIRST_WORDS,
    MIN_WORDS,
    PAUSE_WAIT,
    WINDOW,
    Aggregator,
    speakable,
    split_text,
    words,
)

VOCABULARY = [
    "Hello", "world", "the", "answer", "is", "about", "3.14", "$2.50", "e.g.", "Dr.", "Smith",
    "U.S.", "https://example.com/a.b?c=d", "don't", "well-known", "東京", "café",
    '<break time="1s"/>', '<speed ratio="1.2"/>', "<spell>A.B.C.</spell>",
]  # fmt: skip
ENDS = ["", "", "", ",", ".", "!", "?", ":", ";", "…", '."']
SEPARATORS = [" ", " ", " ", " ", "\n", "\n\n", "  "]


@st.composite
def texts(draw: st.DrawFn) -> str:
    n = draw(st.integers(min_value=1, max_value=40))
    out = []
    for _ in range(n):
        out.append(draw(st.sampled_from(VOCABULARY)) + draw(st.sampled_from(ENDS)))
        out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


@st.composite
def streamed(draw: st.DrawFn) -> tuple[str, list[tuple[str, float]]]:
    """A text, cut into pieces anywhere, each arriving some time after the one before."""
    text = draw(texts())
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=max(1, len(text) - 1)))))
    bounds = [0, *[c for c in cuts if c < len(text)], len(text)]
    gaps = st.sampled_from([0.0, 0.01, 0.03, 0.05, 0.2, PAUSE_WAIT + 0.1])
    pieces = [(text[a:b], draw(gaps)) for a, b in zip(bounds, bounds[1:], strict=False)]
    return text, pieces


def run(pieces: list[tuple[str, float]]) -> list[tuple[str, str]]:
    """Feed the pieces, polling at every deadline as the sender does: (how, push) pairs."""
    aggregator = Aggregator()
    now = 0.0
    out: list[tuple[str, str]] = []
    for piece, gap in pieces:
        arrival = now + gap
        while (due := aggregator.deadline()) is not None and due <= arrival:
            now = max(now, due)
            kind = "pause" if aggregator._pause_due() == due else "first"
            out += [(kind, p) for p in aggregator.poll(now)]
        now = arrival
        out += [("feed", p) for p in aggregator.feed(piece, now)]
    out += [("end", p) for p in aggregator.flush()]
    return out


TAG = re.compile(r"<spell>.*?</spell>|</?[A-Za-z][^<>]*>", re.S)


@settings(max_examples=300, deadline=None)
@given(streamed())
def test_the_pushes_concatenate_to_the_text(case):
    text, pieces = case
    pushes = run(pieces)
    assert "".join(p for _, p in pushes) == text
    if pushes:
        assert speakable(pushes[0][1])  # Cartesia refuses a first push without words


@settings(max_examples=300, deadline=None)
@given(streamed())
def test_no_push_ends_inside_a_word_or_a_tag(case):
    text, pieces = case
    at = 0
    for how, push in run(pieces):
        at += len(push)
        if at == len(text) or how == "pause":
            continue
        assert text[at - 1].isspace() or text[at - 1] in "。！？", (how, push, text[at:])
        assert not any(m.start() < at < m.end() for m in TAG.finditer(text)), (push, text)


@settings(max_examples=300, deadline=None)
@given(streamed())
def test_pushes_have_at_least_three_words_except_at_the_end_or_a_pause(case):
    _, pieces = case
    pushes = run(pieces)
    for i, (how, push) in enumerate(pushes):
        if how in ("end", "pause") or i == len(pushes) - 1:
            continue
        assert words(push) >= MIN_WORDS, (how, push)


@given(texts())
def test_a_pause_speaks_what_is_pending(text):
    aggregator = Aggregator()
    pushed = aggregator.feed(text, 0.0)
    while (due := aggregator.deadline()) is not None:
        pushed += aggregator.poll(due)
    assert not speakable(aggregator.pending) or aggregator.pending.rstrip().endswith(
        tuple(m.group() for m in TAG.finditer(text))
    )
    assert "".join(pushed) + aggregator.pending == text


@given(texts())
def test_a_whole_text_splits_into_sentences_that_join_back(text):
    pushes = list(split_text(text))
    assert "".join(pushes) == text
    assert all(words(p) >= MIN_WORDS for p in pushes[:-1])


@settings(max_examples=20, deadline=None)
@given(st.lists(texts(), min_size=1, max_size=4), st.sampled_from(["", "x" * 5000, "\n" * 9000]))
def test_long_texts_split_window_by_window(parts, filler):
    text = filler.join(parts) * 30
    pushes = list(split_text(text))
    assert "".join(pushes) == text
    assert max(len(p) for p in pushes) <= WINDOW


def test_the_first_push_of_a_megabyte_text_is_ready_at_once():
    text = "The quick brown fox jumps over the lazy dog, again. Dr. Smith agreed! " * 15000
    first = next(split_text(text))
    assert first == "The quick brown fox jumps over the lazy dog, again. "


def test_the_first_push_comes_at_a_clause_or_after_a_short_wait():
    aggregator = Aggregator()
    assert aggregator.feed("Well, to be honest", 0.0) == []
    assert aggregator.feed(", I think", 0.05) == ["Well, to be honest, "]
    slow = Aggregator()
    assert slow.feed("One two three four five", 0.0) == []
    assert slow.deadline() == FIRST_WAIT
    assert slow.poll(FIRST_WAIT) == ["One two three four "]
    assert slow.pending == "five"
    few = Aggregator()
    few.feed("Only three words", 0.0)  # fewer than FIRST_WORDS complete words: wait
    assert FIRST_WORDS > 3 and few.deadline() == PAUSE_WAIT


def test_sentences_wait_for_what_follows_abbreviations():
    aggregator = Aggregator()
    assert aggregator.feed("I met Dr. ", 0.0) == []  # "Dr." does not end a sentence
    assert aggregator.feed("Smith at 3 p.m. today. Then", 0.05) == [
        "I met Dr. Smith at 3 p.m. today. "
    ]
    assert aggregator.pending == "Then"


def test_a_tag_being_written_is_never_cut():
    aggregator = Aggregator()
    assert aggregator.feed('Wait for it, wait for it <break time="', 0.0) == []
    assert aggregator.poll(FIRST_WAIT) == ["Wait for it, wait for it "]
    assert aggregator.poll(PAUSE_WAIT + 1) == []  # the tag is not closed yet
    assert aggregator.deadline() is None
    assert aggregator.feed('1s"/> now. And now more. Then', 2.0) == [
        '<break time="1s"/> now. And now more. '
    ]


def test_text_without_words_waits_for_words():
    aggregator = Aggregator()
    assert aggregator.feed("\n\n", 0.0) == []
    assert aggregator.poll(10.0) == [] and aggregator.deadline() is None
    assert aggregator.flush() == []  # never a first push without words
    assert aggregator.feed("Now some words. And", 10.1) == ["\n\nNow some words. "]
