"""Continuation buffering: split words, the buffer delay, ``max_buffer_delay_ms=0`` and flush."""

from __future__ import annotations

import time

from test_local_streaming import _audio, _words


def _seconds(events) -> float:
    return len(_audio(events)) / 44100


def _spoken(lt, srv, pieces: list[str], gap: float = 0.0, **ctx_kw) -> list:
    with lt.connect(lt.client(srv)) as conn:
        ctx = lt.context(conn, add_timestamps=True, **ctx_kw)
        for piece in pieces:
            ctx.push(piece)
            time.sleep(gap)
        ctx.no_more_inputs()
        return lt.collect(ctx)


def test_split_words_are_spoken_whole_with_the_default_buffering(lt, local_server) -> None:
    whole = _spoken(lt, local_server, ["Hello world."])
    # Pieces arriving like streamed tokens, well within the default 3 s buffer delay.
    split = _spoken(lt, local_server, ["Hel", "lo wor", "ld."], gap=0.1)
    words, starts, ends = _words(split)
    assert words == _words(whole)[0] == ["Hello", "world."]
    for a, b in zip(starts + ends, _words(whole)[1] + _words(whole)[2], strict=True):
        assert abs(a - b) < 0.005
    assert abs(_seconds(split) - _seconds(whole)) < 0.02 * _seconds(whole)


def test_zero_buffer_delay_generates_every_push_as_it_arrives(lt, local_server) -> None:
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn, add_timestamps=True, max_buffer_delay_ms=0)
        t0 = time.perf_counter()
        ctx.push("Hel")
        events = ctx.receive()
        first = next(events)
        assert first.type == "timestamps" and first.word_timestamps.words == ["Hel"]
        assert time.perf_counter() - t0 < 1.0  # no more input was needed
        ctx.push("lo wor")
        ctx.push("ld.")
        ctx.no_more_inputs()
        rest = [e for e in events if e.context_id == ctx._context_id]
    assert _words([first, *rest])[0] == ["Hel", "lo", "wor", "ld."]
    assert rest[-1].type == "done"


def test_held_tail_waits_the_buffer_delay_from_its_own_arrival(lt, local_server) -> None:
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn, add_timestamps=True, max_buffer_delay_ms=300)
        ctx.push("First sentence. ")
        events = ctx.receive()
        first = next(e for e in events if e.type == "timestamps")
        assert first.word_timestamps.words == ["First", "sentence."]  # complete: at once
        time.sleep(0.5)  # longer than the delay; only a space is held meanwhile
        t0 = time.perf_counter()
        ctx.push("second part")
        held = next(e for e in events if e.type == "timestamps")
        waited = time.perf_counter() - t0
        assert held.word_timestamps.words == ["second", "part"]
        assert 0.25 < waited < 2.0, waited
        ctx.no_more_inputs()
        assert [e for e in events][-1].type == "done"


def test_flush_speaks_held_text_at_once_and_answers_flush_done(lt, local_server) -> None:
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn, add_timestamps=True)  # default buffer delay: 3 s
        ctx.push("Held without an end")
        t0 = time.perf_counter()
        ctx.push("", flush=True)
        events = ctx.receive()
        before = []
        for e in events:
            if e.type == "flush_done":
                break
            before.append(e)
        assert time.perf_counter() - t0 < 1.5  # not the 3 s buffer delay
        assert _words(before)[0] == ["Held", "without", "an", "end"]
        assert any(e.type == "chunk" for e in before)
        ctx.no_more_inputs()
        assert [e for e in events][-1].type == "done"
