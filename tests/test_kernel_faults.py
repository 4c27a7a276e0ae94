"""The kernel's side of the fault matrix (issue 11, items 8-11): stops that are
immediate in every phase, timeouts that mean what they say, and bad arguments or
unreachable servers that get a message saying what to do."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from kernel_fixtures import use_server, wait_for

import cartesia_widget as cw
from cartesia_widget.local import LocalServer


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hanging handshake)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    closing = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not closing.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    closing.set()
    thread.join()
    for s in accepted:
        s.close()
    listener.close()


def test_stop_during_a_hanging_handshake_is_immediate_and_delays_nothing(silent_port):
    url = f"http://127.0.0.1:{silent_port}"
    cw.configure(api_key="sk-test", base_url=url, websocket_url=f"ws://127.0.0.1:{silent_port}")
    first = cw.speak("The handshake of this one hangs.", display=False)
    second = cw.speak("This one is queued behind it.", display=False)
    wait_for(lambda: first.status == "connecting")
    time.sleep(0.3)  # well into the handshake
    start = time.monotonic()
    first.stop()
    stopped_after = wait_for(lambda: first.status == "stopped")
    # The next utterance starts its own connection at once (it too hangs, then is stopped).
    next_after = wait_for(lambda: second.status == "connecting")
    print(
        f"\nstopped {stopped_after * 1000:.0f} ms after stop(); next began after "
        f"{(time.monotonic() - start) * 1000:.0f} ms (before: 9.2-9.6 s)"
    )
    assert stopped_after < 1.0 and next_after < 1.0
    second.stop()
    wait_for(lambda: second.status == "stopped", 1.0)


def test_stop_while_queued_streaming_and_playing():
    with LocalServer() as srv:
        use_server(srv)
        long = "A sentence that goes on for quite a while. " * 8
        for phase in ("queued", "streaming", "playing"):
            blocker = cw.speak(long, display=False) if phase == "queued" else None
            u = cw.speak(long, display=False)
            if phase == "queued":
                assert u.status == "queued"
            elif phase == "playing":
                u.wait(timeout=30, playback=False)
            else:
                wait_for(lambda u=u, phase=phase: u.status == phase)
            u.stop()
            wait_for(lambda u=u: u.status == "stopped", 1.0)
            if blocker is not None:
                blocker.stop()
                blocker.wait(timeout=5, playback=False)
        assert (
            cw.speak("Still fine.", display=False).wait(timeout=30, playback=False).status == "done"
        )


def test_a_silent_server_raises_after_the_timeout_once_not_twice():
    with LocalServer(first_chunk_delay=10.0) as srv:
        use_server(srv)
        u = cw.speak("Nobody answers.", display=False, timeout=1)
        start = time.monotonic()
        with pytest.raises(cw.SpeechError) as info:
            u.wait(timeout=15)
        elapsed = time.monotonic() - start
        print(f"\nraised after {elapsed:.2f} s with timeout=1 (before: twice the timeout)")
        assert 1.0 <= elapsed < 1.9
        text = str(info.value)
        assert "No reply from the server for 1 s" in text and ".." not in text
        assert "timeout" in text  # the advice names the option to raise


@pytest.mark.parametrize(
    ("kwargs", "advice"),
    [
        ({"speed": "fast"}, "use a number from 0.6 to 1.5"),
        ({"emotion": 5}, "use a non-blank string"),
        ({"timeout": "10"}, "use a number from 0.1 to 600"),
        ({"volume": float("nan")}, "not a finite number"),
        ({"sample_rate": "44100"}, "8000, 16000"),
    ],
)
def test_wrong_types_get_advice_not_python_internals(kwargs, advice):
    with pytest.raises(ValueError, match=advice) as info:
        cw.speak("Hello.", display=False, **kwargs)
    assert "object has no attribute" not in str(info.value)
    assert "not supported between" not in str(info.value)


def test_a_lone_surrogate_is_a_clear_error_in_every_input_path():
    text = "Broken \ud800 text."
    with pytest.raises(ValueError, match="unpaired surrogate.*errors='replace'"):
        cw.speak(text, display=False)
    with pytest.raises(cw.SourceError, match="unpaired surrogate"):
        cw.speak(iter(["Fine, ", text]), display=False).wait(timeout=30, playback=False)
    pushed = cw.stream(display=False)
    pushed.push("Fine so far. ")
    with pytest.raises(ValueError, match="unpaired surrogate"):
        pushed.push(text)
    pushed.close()  # what was pushed before is still spoken
    assert pushed.utterance.wait(timeout=30, playback=False).status == "done"


def test_voices_from_an_unreachable_server_name_the_url_and_what_to_do(monkeypatch):
    monkeypatch.setenv("CARTESIA_API_KEY", "sk-marker-789")
    monkeypatch.setenv("CARTESIA_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(ConnectionError) as info:
        cw.voices()
    text = str(info.value)
    assert "http://127.0.0.1:9" in text and "CARTESIA_BASE_URL" in text
    assert "sk-marker-789" not in text
