"""Memory that returns (issue 11, items 1-2): closed players release their speech,
long speech is kept on disk rather than in memory, and embedding has a limit."""

from __future__ import annotations

import gc
import wave
import weakref

import numpy as np
from kernel_fixtures import player_of, wait_for

import cartesia_widget as cw
from cartesia_widget import audio_store, main_thread, recording
from cartesia_widget.audio_store import AudioStore


def test_closed_players_release_their_utterances_and_themselves(comms):
    from ipywidgets.widgets.widget import _instances

    alive, players = weakref.WeakSet(), weakref.WeakSet()
    open_before = len(_instances)
    for i in range(12):
        u = cw.speak(f"Sentence number {i}.")
        u.wait(timeout=30, playback=False)
        alive.add(u)
        player = player_of(u)
        players.add(player)
        player.close()
        del u, player
    last = cw.speak("One more, still shown.").wait(timeout=30, playback=False)
    # The outbox holds each utterance until its audio is sent (in order): wait for that.
    stream = last.id
    del last
    wait_for(
        lambda: [m for m in comms.custom(kind="end") if m.data["content"]["stream"] == stream],
        30,
        "the last utterance's end sent",
    )
    gc.collect()
    # Before: all 13 utterances and their players stayed alive for good.
    assert len(players) == 0
    assert len(alive) <= 1  # the streaming thread may still name the last one it ran
    # Nor does any widget stay open behind them (each player's Layout did: 12 here).
    assert len(_instances) - open_before <= 2  # the last player, and its layout


def test_a_closed_player_is_released_while_its_utterance_is_still_held(comms):
    u = cw.speak("Kept by the caller.")
    u.wait(timeout=30, playback=False)
    player = weakref.ref(player_of(u))
    player().close()
    gc.collect()
    # Before: the utterance's listener held the closed player (for as long as `u` lived).
    assert player() is None and u.status == "done"


def test_speech_beyond_the_memory_budget_moves_to_disk_whole(monkeypatch, tmp_path):
    monkeypatch.setattr(audio_store, "MEMORY_BYTES", 4000)
    monkeypatch.setattr(audio_store, "BLOCK", 300)  # write the WAV in several blocks
    store = AudioStore()
    rng = np.random.default_rng(1)
    chunks = [rng.uniform(-1, 1, n).astype(np.float32) for n in (100, 700, 5, 900, 333)]
    for i, chunk in enumerate(chunks):
        store.append(chunk)
        assert store.in_memory == (sum(map(len, chunks[: i + 1])) * 4 <= 4000)
    whole = np.concatenate(chunks)
    assert not store.in_memory
    np.testing.assert_array_equal(store.read(), whole)
    np.testing.assert_array_equal(store.read(650, 400), whole[650:1050])
    np.testing.assert_array_equal(store.read(2000, 99), whole[2000:])  # clipped at the end
    store.append(np.ones(3, np.float32))  # appending after reading appends at the end
    np.testing.assert_array_equal(store.read()[-4:], [whole[-1], 1, 1, 1])
    with wave.open(str(store.write_wav(tmp_path / "a.wav", 16000))) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert len(frames) == store.frames
    assert np.abs(frames / 32767 - store.read()).max() <= 1 / 32767
    store.close()


def test_an_utterance_reads_its_audio_back_from_the_store(monkeypatch):
    monkeypatch.setattr(audio_store, "MEMORY_BYTES", 20_000)
    u = cw.speak("Long enough to leave memory behind. " * 3, display=False)
    u.wait(timeout=30, playback=False)
    assert not u._audio.in_memory
    audio = u.audio
    assert len(audio) == u.frames and u.duration == u.frames / u.sample_rate
    np.testing.assert_array_equal(u.read_audio(1000, 500), audio[1000:1500])


def test_speech_too_long_to_embed_says_so_in_the_notebook(comms, monkeypatch):
    monkeypatch.setattr(recording, "EMBED_MAX_SECONDS", 1)
    u = cw.speak("This sentence takes longer than one second to say out loud.", embed=True)
    u.wait(timeout=30, playback=False)
    main_thread.run_pending()
    player = player_of(u)
    assert player.status == "done" and player.recording == b""
    assert "to_wav(path)" in player.notice
    assert "to_wav(path)" in player._recording_bundle()["text/plain"]  # the saved output
