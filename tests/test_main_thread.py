"""Traits change on the kernel's main thread; `wait()` means the same for every widget.

A kernel's main thread runs an asyncio loop; here `asyncio.run` plays that part.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import cartesia_widget as cw
from cartesia_widget import main_thread
from cartesia_widget.utterance import FINAL

TEXT = "This sentence takes a few seconds to say. And here is another one, to be sure."


def watch(widget, names: list[str]) -> list[tuple[str, str]]:
    """Record (trait, thread name) for every change of `names`."""
    seen: list[tuple[str, str]] = []
    widget.observe(
        lambda change: seen.append((change["name"], threading.current_thread().name)), names
    )
    return seen


def test_speaker_say_waits_for_playback_like_speak(comms):
    """Speaker.say(...).wait() used to return at once: the handle did not know its widget."""
    elapsed = {}
    for how, start in {
        "speak": lambda: cw.speak(TEXT),
        "speaker": lambda: cw.Speaker().say(TEXT),
        "player": lambda: cw.Player().say(TEXT),
    }.items():
        t0 = time.monotonic()
        u = start().wait(timeout=60)
        elapsed[how] = time.monotonic() - t0
        assert u.duration > 2.0
        assert elapsed[how] >= u.duration, (how, elapsed[how], u.duration)
    print({how: f"{seconds:.2f} s" for how, seconds in elapsed.items()})


def test_observe_callbacks_run_on_the_main_thread(comms):
    async def cell() -> tuple[list, list]:
        speaker = cw.Speaker()
        player = cw.Player()
        on_speaker = watch(speaker, ["status", "duration", "words", "voices", "voice", "metrics"])
        on_player = watch(player, ["status", "duration"])
        spoken = [speaker.say("Hello from the Speaker."), player.say("Hello from the Player.")]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            any(u.status not in FINAL for u in spoken) or not speaker.voices
        ):
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # the last posted changes
        assert [u.status for u in spoken] == ["done", "done"]
        return on_speaker, on_player

    on_speaker, on_player = asyncio.run(cell())
    assert {name for name, _ in on_speaker} >= {"status", "duration", "words", "voices", "voice"}
    assert {name for name, _ in on_player} >= {"status", "duration"}
    threads = {thread for _, thread in on_speaker + on_player}
    assert threads == {"MainThread"}


def test_the_widget_shows_the_error_before_wait_raises(comms):
    async def cell() -> list[str]:
        shown = []
        for _ in range(10):
            player = cw.Player()
            u = player.say("Hello.", voice="no-such-voice")
            with pytest.raises(cw.SpeechError):
                u.wait(timeout=10)
            shown.append(player.error)
            assert player.status == "error"
        return shown

    shown = asyncio.run(cell())
    assert all("no-such-voice" in error for error in shown), shown


def test_a_blocked_main_thread_runs_posted_work_while_it_waits():
    async def cell() -> list[str]:
        main_thread.capture()
        ran: list[str] = []
        done = threading.Event()

        def worker() -> None:
            for i in range(5):
                main_thread.post(
                    lambda i=i: ran.append(f"{i} on {threading.current_thread().name}")
                )
                time.sleep(0.01)
            done.set()

        threading.Thread(target=worker).start()
        assert main_thread.wait(done, timeout=5)  # blocks the loop, like a waiting cell
        return ran

    ran = asyncio.run(cell())
    assert ran == [f"{i} on MainThread" for i in range(5)]


def test_without_a_loop_posted_work_runs_on_the_posting_thread():
    main_thread.capture()  # pytest's main thread runs no loop
    ran: list[str] = []
    thread = threading.Thread(
        target=lambda: main_thread.post(lambda: ran.append(threading.current_thread().name)),
        name="poster",
    )
    thread.start()
    thread.join()
    assert ran == ["poster"]
