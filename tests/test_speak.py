"""speak(), Utterance and the comm messages, against the real offline server."""

from __future__ import annotations

import time
import wave

import numpy as np
import pytest
from kernel_fixtures import player_of, use_server, wait_for
from recording import browser_says, chunk_audio

import cartesia_widget as cw
from cartesia_widget.engine import engine
from cartesia_widget.local import LocalServer
from cartesia_widget.outbox import MIN_CHUNK_INTERVAL
from cartesia_widget.pcm import ENCODINGS, decode
from cartesia_widget.widget import DURATION_UPDATE_INTERVAL

TEXT = "The quick brown fox jumps over the lazy dog. It was not amused! Why would it be?"


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def speak_and_wait(text: str = TEXT, **kw) -> cw.Utterance:
    u = cw.speak(text, **kw)
    u.wait(timeout=30, playback=False)
    return u


def sent_for(comms, u: cw.Utterance) -> list:
    """The custom messages of one stream, once its `end` has been sent."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mine = [m for m in comms.custom() if m.data["content"].get("stream") == u.id]
        if mine and mine[-1].data["content"]["type"] == "end":
            return mine
        time.sleep(0.01)
    raise AssertionError(f"no end message for {u}")


def test_chunks_are_float32_buffers_in_order_and_end_last(comms):
    u = speak_and_wait(sample_rate=24000)
    messages = sent_for(comms, u)
    kinds = [m.data["content"]["type"] for m in messages]
    assert kinds[-1] == "end" and kinds.count("end") == 1
    chunks = [m for m in messages if m.data["content"]["type"] == "chunk"]
    assert len(chunks) >= 1
    for i, m in enumerate(chunks):
        c = m.data["content"]
        assert c["stream"] == u.id
        assert c["seq"] == i
        assert c["sample_rate"] == 24000
        assert abs(c["t_kernel"] - time.time()) < 60
    audio = np.concatenate([chunk_audio(m) for m in chunks])
    np.testing.assert_array_equal(audio, u.audio)
    assert messages[-1].data["content"]["frames"] == len(u.audio)
    assert 2.0 < u.duration < 12.0
    assert rms(u.audio) > 0.02
    assert all(m.thread == "cartesia-widget-outbox" for m in chunks)


def test_chunk_messages_respect_the_rate_limit(comms):
    u = speak_and_wait(TEXT * 4)
    chunks = [m for m in sent_for(comms, u) if m.data["content"]["type"] == "chunk"]
    assert len(chunks) >= 2
    gaps = np.diff([m.time for m in chunks])
    # The outbox sleeps MIN_CHUNK_INTERVAL between sends (sleep never returns early).
    assert gaps.min() >= MIN_CHUNK_INTERVAL * 0.95


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_arrives_as_the_same_float32_speech(comms, encoding):
    reference = speak_and_wait("Hello from the notebook.", sample_rate=16000, display=False)
    u = speak_and_wait("Hello from the notebook.", sample_rate=16000, encoding=encoding)
    sent = np.concatenate([chunk_audio(m) for m in sent_for(comms, u)[:-1]])
    assert sent.dtype == np.float32
    np.testing.assert_array_equal(sent, u.audio)
    assert np.abs(sent).max() <= 1.0
    # espeak-ng is not bit-exact from call to call: compare duration and energy ...
    assert len(sent) == pytest.approx(len(reference.audio), rel=0.02)
    assert rms(sent) == pytest.approx(rms(reference.audio), rel=0.15)
    assert rms(sent) > 0.02
    # ... and check that every value is one the encoding can represent.
    if encoding == "pcm_s16le":
        np.testing.assert_array_equal(sent * 32768, np.round(sent * 32768))
    elif encoding in ("pcm_mulaw", "pcm_alaw"):
        every_code = decode(bytes(range(256)), encoding)
        assert np.isin(sent, every_code).all()
    else:
        assert len(np.unique(sent)) > 1000  # continuous values, not a quantised grid


def test_words_and_metrics(comms):
    u = speak_and_wait("One two three. Four five six.", timestamps=True)
    words = [w.word.strip(".") for w in u.words]
    assert words == ["One", "two", "three", "Four", "five", "six"]
    starts = [w.start for w in u.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= u.duration + 1e-3 for w in u.words)
    m = u.metrics
    assert m["first_server_chunk_ms"] is not None and m["first_server_chunk_ms"] >= 0
    assert m["audio_seconds"] == pytest.approx(u.duration, abs=1e-3)
    assert m["realtime_factor"] > 1


def test_browser_reports_complete_the_metrics(comms):
    u = speak_and_wait("Short.")
    channel = engine()  # the audio, and the reports about it, go through the engine
    assert sent_for(comms, u)[0].comm_id == channel.comm.comm_id
    assert player_of(u).stream == u.id
    now = time.time()
    browser_says(
        channel,
        {
            "type": "first_audio",
            "stream": u.id,
            "received_at": now,
            "scheduled_at": now + 0.001,
            "schedule_ms": 1.0,
            "lead_ms": 40.0,
        },
    )
    browser_says(channel, {"type": "finished", "stream": u.id, "how": "played", "underruns": 0})
    m = u.metrics
    assert m["schedule_ms"] == 1.0 and m["lead_ms"] == 40.0 and m["underruns"] == 0
    assert m["first_browser_chunk_ms"] > 0
    assert m["first_scheduled_ms"] > m["first_browser_chunk_ms"]
    t = time.monotonic()
    u.wait(timeout=5)  # "finished" arrived: no playback estimate to sit out
    assert time.monotonic() - t < 0.5


def test_player_state_follows_the_utterance(comms):
    u = speak_and_wait("A little status test.")
    assert player_of(u).label == "A little status test."
    player_id = player_of(u).comm.comm_id
    statuses = [s["status"] for s in comms.states(player_id) if "status" in s]
    assert statuses[-1] == "done"
    assert "streaming" in statuses
    durations = [s["duration"] for s in comms.states(player_id) if "duration" in s]
    assert durations[-1] == pytest.approx(u.duration, abs=1e-3)
    assert "Offline voice (neural, built in)" in comms.everything()  # hibari-tts is installed


def test_a_player_starts_showing_an_utterance_in_one_update(comms):
    """The page handles each update as it comes, while the speech's first audio is due."""
    player = cw.Player()
    before = len(comms.states(player.comm.comm_id))
    player._show(cw.Utterance("One message.", {}))
    assert len(comms.states(player.comm.comm_id)) == before + 1
    assert player.label == "One message." and player.status == "queued"
    player.close()


def test_a_player_shows_the_duration_an_interval_after_the_audio_began(comms):
    """Sent as the first audio arrived, the player's `duration` update reached the page
    before the audio did, and the page rendered a frame that the audio waited behind."""
    u = cw.Utterance("Nothing is sent: this test feeds the audio.", {})
    player = cw.Player()

    def durations() -> list[float]:
        return [s["duration"] for s in comms.states(player.comm.comm_id) if "duration" in s]

    shown_at = time.monotonic()
    player._show(u)
    shown = len(durations())
    u._add_audio(np.zeros(u.sample_rate // 25, np.float32))  # the first 40 ms arrive
    if time.monotonic() - shown_at < DURATION_UPDATE_INTERVAL:  # not stalled meanwhile
        assert len(durations()) == shown, "the duration was sent with the first audio"
    time.sleep(DURATION_UPDATE_INTERVAL)
    u._add_audio(np.zeros(u.sample_rate // 25, np.float32))
    wait_for(lambda: len(durations()) > shown, 5, "the duration update")
    assert durations()[-1] == pytest.approx(0.08, abs=1e-3)
    player.close()


def test_stop_silences_the_browser_and_ends_generation(comms):
    u = cw.speak("A long text that keeps going. " * 300)
    deadline = time.monotonic() + 10
    while u.duration == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    u.stop()
    u.wait(timeout=5)
    assert u.status == "stopped"
    stops = [m for m in comms.custom(kind="stop") if m.data["content"]["stream"] == u.id]
    assert stops
    frozen = u.duration
    time.sleep(0.3)
    assert u.duration == frozen  # nothing more arrives after the stop
    chunks_after = [
        m
        for m in comms.custom(kind="chunk")
        if m.time > stops[0].time and m.data["content"]["stream"] == u.id
    ]
    assert chunks_after == []
    assert frozen < 300 * 2  # far from the whole text
    # The connection stays usable.
    assert speak_and_wait("Still here.", display=False).status == "done"


def test_stop_from_the_browser_button(comms):
    u = cw.speak("Another long text to interrupt. " * 300)
    while u.duration == 0:
        time.sleep(0.005)
    browser_says(player_of(u), {"type": "stop"})
    u.wait(timeout=5)
    assert u.status == "stopped"


def test_stop_all_drops_queued_utterances(comms):
    first = cw.speak("First of many. " * 200, display=False)
    queued = [cw.speak(f"Queued number {i}.", display=False) for i in range(3)]
    cw.stop_all()
    for u in [first, *queued]:
        u.wait(timeout=5)
        assert u.status == "stopped"
    assert all(u.duration == 0 for u in queued)


def test_utterances_play_in_submission_order(comms):
    handles = [cw.speak(f"Sentence number {i}.") for i in range(3)]
    for u in handles:
        u.wait(timeout=30, playback=False)
    sent_for(comms, handles[-1])
    ids = {u.id for u in handles}
    order = []
    for m in comms.custom():
        stream = m.data["content"].get("stream")
        if stream in ids and (not order or order[-1] != stream):
            order.append(stream)
    assert order == [u.id for u in handles]


def test_server_error_becomes_speech_error_with_title_and_message(comms):
    u = cw.speak("Hello.", voice="no-such-voice")
    with pytest.raises(cw.SpeechError) as info:
        u.wait(timeout=10)
    assert info.value.title and "no-such-voice" in info.value.message
    assert u.status == "error"
    time.sleep(0.1)
    assert "no-such-voice" in comms.everything()  # shown in the player


def test_bad_options_fail_fast_with_what_to_do():
    with pytest.raises(ValueError, match="8000, 16000, 22050, 24000, 44100, 48000"):
        cw.speak("Hi", sample_rate=12345)
    with pytest.raises(ValueError, match="pcm_f32le"):
        cw.speak("Hi", encoding="mp3")
    with pytest.raises(ValueError, match="0.6 to 1.5"):
        cw.speak("Hi", speed=3)
    with pytest.raises(ValueError, match="empty"):
        cw.speak("   ")


def test_to_wav_round_trip(tmp_path):
    u = speak_and_wait("Save me to a file.", display=False, sample_rate=22050)
    path = u.to_wav(tmp_path / "out.wav")
    with wave.open(str(path)) as w:
        assert w.getframerate() == 22050 and w.getnchannels() == 1 and w.getsampwidth() == 2
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0
    assert len(data) == len(u.audio)
    assert np.abs(data - u.audio).max() < 1e-3


def test_reconnects_after_the_server_dropped_the_connection(comms):
    from cartesia_widget.streamer import streamer

    assert speak_and_wait("Before.", display=False).status == "done"
    streamer()._conn.conn.close()  # as an idle timeout would
    u = speak_and_wait("After the drop.", display=False)
    assert u.status == "done" and u.duration > 0.3


def test_mid_stream_close_is_an_error_and_the_next_utterance_works():
    with LocalServer(close_after_chunks=3, close_code=1011, fault_connections=1) as srv:
        use_server(srv)
        u = cw.speak("This one breaks in the middle. " * 5, display=False)
        with pytest.raises(cw.SpeechError, match="Connection"):
            u.wait(timeout=10)
        assert u.duration > 0  # what arrived is kept
        assert speak_and_wait("This one works.", display=False).status == "done"


def test_timeout_when_the_server_does_not_answer():
    with LocalServer(first_chunk_delay=3.0) as srv:
        use_server(srv)
        u = cw.speak("Slow server.", display=False, timeout=0.5)
        with pytest.raises(cw.SpeechError, match="No reply from the server for 0.5 s"):
            u.wait(timeout=15)


def test_wrong_key_is_reported_without_revealing_it(comms):
    with LocalServer() as srv:
        cw.configure(api_key="sk-wrong-secret-123", base_url=srv.base_url)
        u = cw.speak("Hello.")
        with pytest.raises(cw.SpeechError) as info:
            u.wait(timeout=10)
        assert "401" in str(info.value)
        assert "sk-wrong-secret-123" not in str(info.value)
        assert "sk-wrong-secret-123" not in repr(u.backend)
        time.sleep(0.1)
        assert "sk-wrong-secret-123" not in comms.everything()


def test_key_never_reaches_the_browser(comms):
    with LocalServer(api_key="sk-live-secret-456") as srv:
        cw.configure(api_key="sk-live-secret-456", base_url=srv.base_url)
        u = speak_and_wait("The key stays in the kernel.", timestamps=True)
        assert u.status == "done"
        time.sleep(0.1)
        assert comms.custom(kind="chunk")
        assert "sk-live-secret-456" not in comms.everything()


def test_url_without_key_is_a_clear_config_error(monkeypatch):
    monkeypatch.setenv("CARTESIA_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(cw.ConfigError, match="CARTESIA_API_KEY"):
        cw.speak("Hello.")


def test_websocket_url_is_derived_from_the_base_url(monkeypatch):
    from cartesia_widget.config import resolve_backend

    monkeypatch.setenv("CARTESIA_API_KEY", "k")
    monkeypatch.setenv("CARTESIA_BASE_URL", "https://tts.example.com/prefix/")
    b = resolve_backend()
    assert b.websocket_url == "wss://tts.example.com/prefix"
    assert not b.offline and not b.loopback
    monkeypatch.setenv("CARTESIA_WEBSOCKET_URL", "ws://127.0.0.1:1234")
    assert resolve_backend().websocket_url == "ws://127.0.0.1:1234"
    monkeypatch.delenv("CARTESIA_BASE_URL")
    assert resolve_backend().base_url == "https://api.cartesia.ai"


def test_speaker_widget_speaks_with_its_controls(comms):
    import traitlets

    with pytest.raises(traitlets.TraitError, match="0.6 to 1.5"):
        cw.Speaker(speed=9)
    speaker = cw.Speaker(sample_rate=22050, encoding="pcm_s16le")
    u = speaker.say("Defaults apply.")
    u.wait(timeout=20, playback=False)
    assert u.sample_rate == 22050 and u.options["encoding"] == "pcm_s16le"
    assert speaker.text == "Defaults apply." and speaker.stream == u.id
    assert [w[0].strip(".") for w in speaker.words] == ["Defaults", "apply"]
    assert speaker.status == "done" and speaker.duration == pytest.approx(u.duration, abs=1e-3)
    chunks = [m for m in sent_for(comms, u) if m.data["content"]["type"] == "chunk"]
    assert chunks[0].comm_id == engine().comm.comm_id  # through the page's engine ...
    assert speaker.stream == u.id  # ... shown by this widget
    v = speaker.say("Overrides win.", sample_rate=8000).wait(timeout=20, playback=False)
    assert v.sample_rate == 8000 and v.options["encoding"] == "pcm_s16le"
    with pytest.raises(traitlets.TraitError, match="pcm_f32le"):
        speaker.encoding = "mp3"
    long = speaker.say("Speaker stop. " * 200)
    speaker.stop()
    assert long.wait(timeout=5, playback=False).status == "stopped"


def test_speaker_controls_map_onto_the_request():
    from cartesia_widget.sdk import context_params

    speaker = cw.Speaker(model="sonic-3", speed=1.2, emotion="happy", language="fr")
    opts = speaker.options()
    assert context_params(opts, "v")["generation_config"] == {"speed": 1.2, "emotion": "happy"}
    assert opts["language"] == "fr" and opts["timestamps"]
    speaker.model = "sonic-3.5"  # ignores speed and emotion: not sent
    assert context_params(speaker.options(), "v")["generation_config"] is None


def test_speaker_embeds_a_recording_and_replays_from_the_kernel(comms):
    import io

    import soundfile

    speaker = cw.Speaker(embed=True)
    u = speaker.say("Keep me in the notebook.")
    u.wait(timeout=20, playback=False)
    assert speaker.recording_type == "audio/mpeg"
    recorded, rate = soundfile.read(io.BytesIO(speaker.recording))
    assert len(recorded) / rate == pytest.approx(u.duration, rel=0.05)
    assert len(speaker.recording) < 8_000 * u.duration  # compact: ~5 KB per second
    speaker.replay()
    deadline = time.monotonic() + 10
    replayed: list = []
    while time.monotonic() < deadline:
        replayed = [
            m
            for m in comms.custom(engine().comm.comm_id)
            if m.data["content"].get("stream", "").startswith(f"{u.id}-replay")
        ]
        if replayed and replayed[-1].data["content"]["type"] == "end":
            break
        time.sleep(0.01)
    audio = np.concatenate([chunk_audio(m) for m in replayed[:-1]])
    np.testing.assert_array_equal(audio, u.audio)
    assert speaker.stream == replayed[0].data["content"]["stream"]  # the view follows it


def test_speaker_lists_the_offline_voices():
    speaker = cw.Speaker()
    deadline = time.monotonic() + 10
    while not speaker.voices and time.monotonic() < deadline:
        time.sleep(0.01)
    assert {v["language"] for v in speaker.voices} >= {"en", "fr", "de"}
    assert speaker.voice in {v["id"] for v in speaker.voices}
    default = next(v for v in speaker.voices if v["id"] == speaker.voice)
    assert default["engine"] == "neural"  # the picker marks it (voice_picker.ts)
    assert {v["engine"] for v in speaker.voices} == {"neural", "espeak"}


def test_a_failed_warm_up_still_reports_the_backend_and_speech_works(local_server, monkeypatch):
    """`%load_ext`'s warm-up opens the connection, reports the backend, then pays the SDK's
    first-use costs: should that last step break (an SDK change), nothing else does."""
    import threading

    from cartesia_widget import sdk
    from cartesia_widget.streamer import streamer

    use_server(local_server)

    def broken(self: sdk.Connection) -> None:
        raise RuntimeError("the SDK changed")

    monkeypatch.setattr(sdk.Connection, "warm", broken)
    reported: list = []
    ready = threading.Event()
    streamer().warm_up(lambda backend: (reported.append(backend), ready.set()))
    assert ready.wait(10), "the backend was never reported"
    assert reported[0].websocket_url == local_server.websocket_url
    u = speak_and_wait("Still speaking after a failed warm-up.", display=False)
    assert u.status == "done" and u.duration > 0


def test_the_warm_up_sends_a_hello_from_the_audio_thread_before_any_audio(local_server, comms):
    """ipykernel opens a thread's pipe to IOPub on its first message: `%load_ext` has the
    outbox thread send one, so that a first chunk does not pay for it."""
    from cartesia_widget import engine

    use_server(local_server)
    engine.warm_up()
    wait_for(lambda: comms.custom(kind="hello"), what="a hello sent")
    (hello,) = comms.custom(kind="hello")
    assert hello.comm_id == engine.engine().comm.comm_id and hello.buffers == []
    u = speak_and_wait("Audio follows on the same thread.")
    chunks = [m for m in comms.custom(kind="chunk") if m.data["content"]["stream"] == u.id]
    assert chunks and {m.thread for m in chunks} == {hello.thread}
    assert hello.time < chunks[0].time
