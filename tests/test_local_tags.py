"""Cartesia's transcript tags in the local server, for both engines, through the real SDK."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import cartesia
import numpy as np
import pytest

from cartesia_widget.local import DEFAULT_VOICE_ID, VOICES
from cartesia_widget.local.neural import available
from cartesia_widget.local.transcript import MAX_SEGMENT_CHARS, TextBuffer, split_long
from cartesia_widget.pcm import decode

ESPEAK_VOICE = next(v.id for v in VOICES if v.slug == "en-us-male")
ENGINES = [
    pytest.param(
        DEFAULT_VOICE_ID,
        id="neural",
        marks=pytest.mark.skipif(not available(), reason="hibari-tts is not installed"),
    ),
    pytest.param(ESPEAK_VOICE, id="espeak"),
]
RATE = 24000
FRAME = RATE // 100  # 10 ms


def speak(lt: Any, srv: Any, pieces: list[str], **ctx_kw: Any) -> SimpleNamespace:
    """Push ``pieces`` on one context; its audio (f32, 24 kHz), word timestamps and errors."""
    ctx_kw.setdefault("output_format", lt.fmt("pcm_f32le", RATE))
    ctx_kw.setdefault("add_timestamps", True)
    with lt.connect(lt.client(srv)) as conn:
        ctx = lt.context(conn, **ctx_kw)
        for piece in pieces:
            ctx.push(piece)
        ctx.no_more_inputs()
        events = lt.collect(ctx)
    out = SimpleNamespace(words=[], start=[], end=[], events=events)
    for e in events:
        if e.type == "timestamps":
            out.words += e.word_timestamps.words
            out.start += e.word_timestamps.start
            out.end += e.word_timestamps.end
    out.audio = decode(b"".join(e.audio for e in events if e.type == "chunk"), "pcm_f32le")
    out.errors = [e for e in events if e.type == "error"]
    out.duration = len(out.audio) / RATE
    return out


def quiet_runs(x: np.ndarray, min_s: float = 0.0) -> list[tuple[float, float]]:
    """(start, end) seconds of the runs of 10 ms frames 40 dB below the loudest frame."""
    n = len(x) // FRAME
    rms = np.sqrt((x[: n * FRAME].reshape(n, FRAME).astype(np.float64) ** 2).mean(axis=1))
    quiet = np.concatenate([[False], rms < rms.max() * 0.01, [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    runs = [(a / 100, b / 100) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return [r for r in runs if r[1] - r[0] >= min_s]


def longest_quiet(x: np.ndarray) -> tuple[float, float]:
    return max(quiet_runs(x), key=lambda r: r[1] - r[0])


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


# ------------------------------------------------------------------ breaks
@pytest.mark.parametrize("voice", ENGINES)
@pytest.mark.parametrize(
    "text",
    [
        'Hello, my name is Sonic.<break time="1s"/>Nice to meet you.',
        'Hello, my name is Sonic. <break time="1000ms"/> Nice to meet you.',
    ],
)
def test_a_break_is_that_much_silence_between_the_words(lt, local_server, voice, text) -> None:
    r = speak(lt, local_server, [text], voice=voice)
    assert not r.errors and r.events[-1].type == "done"
    assert r.words == ["Hello,", "my", "name", "is", "Sonic.", "Nice", "to", "meet", "you."]
    a, b = longest_quiet(r.audio)
    assert abs((b - a) - 1.0) <= 0.05, (a, b)
    i = r.words.index("Sonic.")
    # The silence lies between the word before and the word after, which starts after it.
    assert abs(r.end[i] - a) <= 0.05 and abs(r.start[i + 1] - b) <= 0.05, (r.end[i], a, b)
    assert r.start[i + 1] >= b - 0.02
    assert r.start == sorted(r.start) and r.end[-1] <= r.duration + 1e-6


@pytest.mark.parametrize("voice", ENGINES)
def test_a_short_break_and_the_word_after_it(lt, local_server, voice) -> None:
    plain = speak(lt, local_server, ["One two three four five six."], voice=voice)
    r = speak(lt, local_server, ['One two three <break time="500ms"/> four five six.'], voice=voice)
    assert r.words == plain.words == ["One", "two", "three", "four", "five", "six."]
    a, b = longest_quiet(r.audio)
    assert abs((b - a) - 0.5) <= 0.05, (a, b)
    assert r.end[2] <= a + 0.05 and r.start[3] >= b - 0.02, (r.end[2], r.start[3], a, b)
    # The words after the break move by about the break; those before do not move at all.
    assert r.start[:3] == pytest.approx(plain.start[:3], abs=0.06)
    assert r.start[3] - plain.start[3] > 0.3


# ------------------------------------------------------------------ other tags
@pytest.mark.parametrize("voice", ENGINES)
def test_tags_are_never_spoken_nor_words(lt, local_server, voice) -> None:
    text = (
        '<emotion value="happy"/>Hi <speed ratio="1.2"/>there, <volume ratio="0.8"/>my code '
        'is <spell>AB1</spell>.<break time="200ms"/> Bye.'
    )
    r = speak(lt, local_server, [text], voice=voice)
    assert not r.errors and r.events[-1].type == "done"
    assert r.words == ["Hi", "there,", "my", "code", "is", "AB1.", "Bye."]
    assert all(s <= e for s, e in zip(r.start, r.end, strict=True))
    assert r.start == sorted(r.start) and r.end[-1] <= r.duration + 1e-6
    # <emotion> has no effect: the same words sound the same without it.
    same = speak(lt, local_server, ["Hi there."], voice=voice)
    tagged = speak(lt, local_server, ['<emotion value="sad"/>Hi there.'], voice=voice)
    assert abs(tagged.duration - same.duration) < 0.01 and tagged.words == same.words


@pytest.mark.parametrize("voice", ENGINES)
def test_speed_and_volume_tags_apply_from_that_point_on(lt, local_server, voice) -> None:
    first, second = "This first part stays the same.", " The second part changes its pace."
    plain = speak(lt, local_server, [first + second], voice=voice)
    fast = speak(lt, local_server, [first + '<speed ratio="1.5"/>' + second], voice=voice)
    slow = speak(lt, local_server, [first + '<speed ratio="0.6"/>' + second], voice=voice)
    n = len(first.split())
    assert fast.start[:n] == pytest.approx(plain.start[:n], abs=0.06)

    def span(r: SimpleNamespace) -> float:
        return r.end[-1] - r.start[n]

    assert span(fast) < 0.85 * span(plain) < span(plain) < 0.85 * span(slow)
    quiet = speak(lt, local_server, [first + '<volume ratio="0.5"/>' + second], voice=voice)

    def loudness(r: SimpleNamespace, a: float, b: float) -> float:
        return _rms(r.audio[int(a * RATE) : int(b * RATE)])

    before = loudness(quiet, quiet.start[0], quiet.end[n - 1])
    after = loudness(quiet, quiet.start[n], quiet.end[-1])
    ref_after = loudness(plain, plain.start[n], plain.end[-1])
    assert 0.4 < after / ref_after < 0.6, after / ref_after
    assert after < 0.7 * before


@pytest.mark.parametrize("voice", ENGINES)
def test_spell_says_each_letter(lt, local_server, voice) -> None:
    word = speak(lt, local_server, ["My name is Bob."], voice=voice)
    spelled = speak(lt, local_server, ["My name is <spell>Bob</spell>."], voice=voice)
    assert word.words == spelled.words == ["My", "name", "is", "Bob."]
    # "B, O, B" lasts much longer than "Bob".
    assert spelled.end[3] - spelled.start[3] > 1.5 * (word.end[3] - word.start[3])
    digits = speak(lt, local_server, ["Call <spell>(123) 456</spell> now."], voice=voice)
    assert digits.words == ["Call", "(123)", "456", "now."] and not digits.errors


# ------------------------------------------------------------------ streaming
@pytest.mark.parametrize("voice", ENGINES)
def test_tags_may_arrive_split_across_pushes(lt, local_server, voice) -> None:
    whole = speak(lt, local_server, ['Hello <break time="1s"/> world.'], voice=voice)
    split = speak(lt, local_server, ["Hello <bre", 'ak time="1', 's"/', "> world."], voice=voice)
    assert whole.words == split.words == ["Hello", "world."] and not split.errors
    for r in (whole, split):
        a, b = longest_quiet(r.audio)
        assert abs((b - a) - 1.0) <= 0.05, (a, b)
    # A flush (or the buffer delay) never cuts a tag in two: the unfinished tag waits.
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn, voice=voice, output_format=lt.fmt("pcm_f32le", RATE))
        ctx.push('One two <break time="500')
        ctx.push("", flush=True)
        ctx.push('ms"/> three.')
        ctx.no_more_inputs()
        events = lt.collect(ctx)
    assert [e.type for e in events if e.type in ("error", "done")] == ["done"]
    audio = decode(b"".join(e.audio for e in events if e.type == "chunk"), "pcm_f32le")
    a, b = longest_quiet(audio)
    assert abs((b - a) - 0.5) <= 0.05, (a, b)  # the flushed text kept its tail back


def test_the_buffer_holds_an_unfinished_tag() -> None:
    buf = TextBuffer()
    assert buf.step("Hi there. And <brea", release_all=False) == ["Hi there."]
    assert buf.step("", release_all=True) == [" And "]  # a flush: the tag waits
    assert buf.pending == "<brea"
    assert buf.step('k time="1s"/> more.', release_all=False) == ['<break time="1s"/> more.']
    buf.step("a < b, x <", release_all=True)
    assert buf.pending == "<"  # a "<" last may still open a tag ...
    assert buf.step(" y.", release_all=True) == ["< y."]  # ... and here did not
    assert buf.step("<spell>AB", release_all=True, final=True) == ["<spell>AB"]
    held = TextBuffer()
    held.add("<emotion " + "x" * 300)  # too long to be a tag: released (then rejected)
    assert held.take_all(final=False) and held.pending == ""


def test_splits_never_cut_a_tag() -> None:
    tag = '<break time="1s"/>'
    for pos in range(0, 2 * MAX_SEGMENT_CHARS, 7):
        text = "word " * (pos // 5) + tag + " more" * 60
        pieces = split_long(text, MAX_SEGMENT_CHARS, 120)
        assert "".join(pieces) == text
        for piece in pieces:
            assert piece.count("<") == piece.count(">"), (pos, piece)


@pytest.mark.parametrize("voice", ENGINES)
def test_other_markup_stays_text(lt, local_server, voice) -> None:
    # Only Cartesia's tag names are tags: HTML pasted into a notebook, or "a<b", is spoken
    # (as the engine reads it) and shown as the words it is, never refused.
    text = "Hi <whisper>there</whisper>, <b>bold</b> and a<b or <breakfast>."
    r = speak(lt, local_server, [text], voice=voice)
    assert not r.errors and r.events[-1].type == "done"
    assert r.words == text.split() and r.duration > 1.0


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('Hi <Speed ratio="1.2">there</speed>.', ["malformed", "no closing tag"]),
        ('Hi <break duration="1s"/>.', ["malformed", 'time="..."']),
        ('Hi <break time="soon"/>.', ["break time", "s or ms"]),
        ('Hi <break time="1 minute"/>.', ["break time", "s or ms"]),
        ('Hi <break time="60s"/>.', ["break time", "0 to 10 s"]),
        ('Hi <speed ratio="2"/>.', ["speed", "0.6 to 1.5"]),
        ('Hi <volume ratio="0.1"/>.', ["volume", "0.5 to 2"]),
        ('Hi <volume ratio="loud"/>.', ["volume", "0.5, 2.0"]),
        ("Hi <spell>abc", ["unclosed", "</spell>"]),
        ("Hi </spell>.", ["malformed", "<spell>"]),
        ('Hi <break time="1s"', ["unclosed", "'>'"]),
        ('Hi <emotion value=""/>.', ["malformed", 'emotion value="happy"']),
    ],
)
def test_malformed_tags_get_a_clear_error(lt, local_server, text, needles) -> None:
    r = speak(lt, local_server, [text], voice=ESPEAK_VOICE)
    assert len(r.errors) == 1 and r.events[-1] is r.errors[0], [e.type for e in r.events]
    err = r.errors[0]
    assert err.status_code == 400 and err.context_id == r.events[0].context_id
    message = f"{err.title} {err.message}".lower()
    for needle in needles:
        assert needle.lower() in message, message


def test_rest_checks_tags_before_any_audio(lt, local_server) -> None:
    client = lt.client(local_server)
    fmt = {"container": "raw", "encoding": "pcm_f32le", "sample_rate": RATE}
    with pytest.raises(cartesia.BadRequestError) as exc:
        client.tts.generate(
            model_id="sonic-3", transcript="Fine. <spell/>", voice=ESPEAK_VOICE, output_format=fmt
        )
    assert "Malformed tag" in str(exc.value.body)
    data = client.tts.generate(
        model_id="sonic-3",
        transcript='Before.<break time="700ms"/>After.',
        voice=ESPEAK_VOICE,
        output_format=fmt,
    ).read()
    a, b = longest_quiet(decode(data, "pcm_f32le"))
    assert abs((b - a) - 0.7) <= 0.05
