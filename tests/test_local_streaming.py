"""WebSocket streaming semantics with the real SDK: timestamps, continuations, flush, cancel."""

from __future__ import annotations

import asyncio
import time

import numpy as np

from cartesia_widget.local import DEFAULT_VOICE_ID, VOICES
from cartesia_widget.pcm import decode

TEXT = "Hello world. This is the local voice speaking, slowly and clearly!"


def _audio(events, encoding="pcm_f32le") -> np.ndarray:
    return decode(b"".join(e.audio for e in events if e.type == "chunk"), encoding)


def _words(events):
    words, starts, ends = [], [], []
    for e in events:
        if e.type == "timestamps":
            words += e.word_timestamps.words
            starts += e.word_timestamps.start
            ends += e.word_timestamps.end
    return words, starts, ends


def _run(lt, srv, pieces, **ctx_kw):
    with lt.connect(lt.client(srv)) as conn:
        ctx = lt.context(conn, **ctx_kw)
        for p in pieces:
            ctx.push(p)
        ctx.no_more_inputs()
        return lt.collect(ctx)


def test_word_and_phoneme_timestamps(lt, local_server) -> None:
    events = _run(lt, local_server, [TEXT], add_timestamps=True, add_phoneme_timestamps=True)
    assert events[-1].type == "done" and events[-1].done is True
    for e in events:
        assert e.context_id and e.status_code == 206
    audio = _audio(events)
    duration = len(audio) / 44100
    words, starts, ends = _words(events)
    assert words == TEXT.split()
    assert all(0 <= s <= e <= duration + 1e-6 for s, e in zip(starts, ends, strict=True))
    assert starts == sorted(starts) and ends == sorted(ends)
    assert all(ends[i] <= starts[i + 1] + 1e-9 for i in range(len(starts) - 1))
    assert starts[-1] > 0.5 * duration  # spread over the audio, not bunched at 0
    # The audio around each word start is speech: energy in the word's span.
    for s, e in zip(starts, ends, strict=True):
        seg = audio[int(s * 44100) : int(e * 44100)]
        assert len(seg) and np.sqrt(np.mean(seg**2)) > 0.005
    ph = [e for e in events if e.type == "phoneme_timestamps"]
    assert ph
    phonemes = [p for e in ph for p in e.phoneme_timestamps.phonemes]
    pst = [s for e in ph for s in e.phoneme_timestamps.start]
    assert len(phonemes) > len(words) and pst == sorted(pst) and pst[-1] <= duration + 1e-6


def test_continuation_is_verbatim(lt, local_server) -> None:
    whole = _run(lt, local_server, ["Hello world."], add_timestamps=True)
    split = _run(lt, local_server, ["Hello ", "world."], add_timestamps=True)
    split2 = _run(lt, local_server, ["Hel", "lo wor", "ld."], add_timestamps=True)
    assert _words(whole)[0] == _words(split)[0] == _words(split2)[0] == ["Hello", "world."]
    d1, d2 = len(_audio(whole)), len(_audio(split2))
    assert abs(d1 - d2) < 0.05 * 44100


def test_voice_specifier_shapes_and_voices(lt, local_server) -> None:
    fr = next(v for v in VOICES if v.language == "fr")
    for voice in (DEFAULT_VOICE_ID, {"id": DEFAULT_VOICE_ID}, {"mode": "id", "id": fr.id}):
        events = _run(lt, local_server, ["Bonjour tout le monde."], voice=voice)
        assert events[-1].type == "done", events[-1]
        assert len(_audio(events)) > 0.5 * 44100


def test_speed_and_volume(lt, local_server) -> None:
    text = ["One two three four five six seven eight nine ten."]
    slow = _audio(_run(lt, local_server, text, generation_config={"speed": 0.6}))
    fast = _audio(_run(lt, local_server, text, generation_config={"speed": 1.5}))
    assert len(slow) > 1.8 * len(fast)
    quiet = _audio(_run(lt, local_server, text, generation_config={"volume": 0.5}))
    loud = _audio(_run(lt, local_server, text, generation_config={"volume": 2.0}))
    assert np.sqrt(np.mean(loud**2)) > 2.5 * np.sqrt(np.mean(quiet**2))
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn)
        ctx.push(text[0], speed="fast")  # legacy top-level speed
        ctx.no_more_inputs()
        legacy = _audio(lt.collect(ctx))
    assert len(legacy) < 0.95 * len(_audio(_run(lt, local_server, text)))


def test_flush_done_and_flush_ids(lt, local_server) -> None:
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn)
        ctx.push("First part is here")
        ctx.push("", flush=True)
        ctx.push("Second part after the flush.")
        ctx.no_more_inputs()
        events = lt.collect(ctx)
    types = [e.type for e in events]
    i = types.index("flush_done")
    assert events[i].flush_id == 1 and events[i].flush_done is True
    before = [e.flush_id for e in events[:i] if e.type == "chunk"]
    after = [e.flush_id for e in events[i:] if e.type == "chunk"]
    assert before and set(before) == {1}
    assert after and set(after) == {2}
    assert types[-1] == "done"


def test_cancel_stops_only_that_context(lt, local_server) -> None:
    long_text = "This sentence is going to be spoken many times over. " * 40
    with lt.connect(lt.client(local_server)) as conn:
        a = lt.context(conn)
        b = lt.context(conn)
        a.push(long_text)
        b.push("The other context keeps going.")
        b.no_more_inputs()
        a_id = a._context_id
        a.cancel()
        events = [e for e in b.receive()]
        mine = [e for e in events if e.context_id == b._context_id]
        assert mine[-1].type == "done"
        assert len(_audio(mine)) > 0.5 * 44100
        # No done for the cancelled context, and far less than its full audio.
        stray = [e for e in events if e.context_id == a_id]
        assert not any(e.type == "done" for e in stray)
        assert len(stray) < 200
        # The connection still works afterwards.
        c = lt.context(conn)
        c.push("Still alive.")
        c.no_more_inputs()
        assert lt.collect(c)[-1].type == "done"


def test_three_interleaved_contexts_sync(lt, local_server) -> None:
    texts = ["Alpha bravo charlie.", "Delta echo foxtrot golf.", "Hotel india juliet."]
    with lt.connect(lt.client(local_server)) as conn:
        ctxs = [lt.context(conn, add_timestamps=True) for _ in texts]
        words = [t.split() for t in texts]
        for i in range(max(map(len, words))):  # interleave word by word
            for ctx, w in zip(ctxs, words, strict=True):
                if i < len(w):
                    ctx.push(w[i] + " ")
        for ctx in ctxs:
            ctx.no_more_inputs()
        results = [lt.collect(ctx) for ctx in ctxs]
    for events, text in zip(results, texts, strict=True):
        assert events[-1].type == "done"
        assert _words(events)[0] == text.split()
        assert len(_audio(events)) > 0.7 * 44100


def test_three_interleaved_contexts_async(lt, local_server) -> None:
    texts = ["One small step.", "A giant leap for everyone.", "Houston, we have a result."]

    async def main():
        async with lt.connect(lt.aclient(local_server)) as conn:
            ctxs = [lt.context(conn, add_timestamps=True) for _ in texts]
            for ctx, t in zip(ctxs, texts, strict=True):
                await ctx.push(t[:5])
            for ctx, t in zip(ctxs, texts, strict=True):
                await ctx.push(t[5:])
                await ctx.no_more_inputs()
            return await asyncio.gather(*(lt.acollect(c) for c in ctxs))

    results = asyncio.run(main())
    for events, text in zip(results, texts, strict=True):
        assert events[-1].type == "done"
        assert _words(events)[0] == text.split()


def test_incremental_first_chunk_and_buffer_delay(lt, local_server) -> None:
    long_text = "Streaming should start before the whole text is synthesized. " * 30
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn)
        t0 = time.perf_counter()
        ctx.push(long_text)
        ctx.no_more_inputs()
        first = last = None
        for e in ctx.receive():
            if e.type == "chunk":
                first = first or time.perf_counter()
                last = time.perf_counter()
        assert first - t0 < 0.25
        assert last - first > 2 * (first - t0)
        # An incomplete tail is held until max_buffer_delay_ms elapses.
        ctx2 = lt.context(conn, max_buffer_delay_ms=400)
        t0 = time.perf_counter()
        ctx2.push("no punctuation here")
        it = ctx2.receive()
        ev = next(it)
        assert ev.type == "chunk"
        assert 0.35 < time.perf_counter() - t0 < 2.0
        ctx2.no_more_inputs()
        rest = list(it)
        assert rest[-1].type == "done"
        # A complete sentence is spoken at once, even with a long buffer delay.
        ctx3 = lt.context(conn, max_buffer_delay_ms=5000)
        t0 = time.perf_counter()
        ctx3.push("A complete sentence. And an incomplete")
        it = ctx3.receive()
        assert next(it).type == "chunk"
        assert time.perf_counter() - t0 < 1.0
        ctx3.no_more_inputs()
        assert list(it)[-1].type == "done"


def test_every_voice_and_language_override(lt, local_server) -> None:
    from cartesia_widget.local import espeak as engine

    assert len(VOICES) >= 6 and len({v.id for v in VOICES}) == len(VOICES)
    with lt.connect(lt.client(local_server)) as conn:
        for v in VOICES:
            assert engine.has_voice(v.espeak_name), v
            ctx = lt.context(conn, voice=v.id, output_format=lt.fmt("pcm_s16le", 16000))
            ctx.push("One, two, three.")
            ctx.no_more_inputs()
            events = lt.collect(ctx)
            assert events[-1].type == "done"
            assert len(_audio(events, "pcm_s16le")) > 0.4 * 16000
        # language picks the espeak language: German numbers sound (and last) different.
        lens = {}
        for lang in ("en", "de"):
            ctx = lt.context(conn, language=lang, output_format=lt.fmt("pcm_s16le", 16000))
            ctx.push("123456789")
            ctx.no_more_inputs()
            lens[lang] = len(_audio(lt.collect(ctx), "pcm_s16le"))
        assert abs(lens["en"] - lens["de"]) > 0.05 * lens["en"]
