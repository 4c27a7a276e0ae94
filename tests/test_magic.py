"""%%speak, %speak and %speak_stop through a real IPython shell."""

from __future__ import annotations

import _thread
import threading
import time

import pytest
from kernel_fixtures import player_of

import cartesia_widget as cw
from cartesia_widget.magic import MagicUsageError, interpolate


def run(shell, source: str):
    return shell.run_cell(source)


def test_cell_magic_speaks_the_cell_with_options(shell, comms):
    result = run(
        shell, "%%speak --sample-rate 16000 --encoding pcm_s16le --timestamps\nHello cell."
    )
    assert result.success, result.error_in_exec
    u = cw.last_utterance()
    assert u.text == "Hello cell."
    assert u.options["sample_rate"] == 16000 and u.options["encoding"] == "pcm_s16le"
    u.wait(timeout=20, playback=False)
    assert u.status == "done" and u.duration > 0.3
    assert [w.word.strip(".") for w in u.words] == ["Hello", "cell"]
    assert player_of(u).status == "done"


def test_cell_returns_before_the_audio_is_generated(shell, comms):
    result = run(shell, "%%speak\n" + "A long cell that takes a while to generate. " * 60)
    assert result.success
    u = cw.last_utterance()
    assert u.status in ("queued", "connecting", "streaming")  # the cell did not wait
    u.stop()


def test_variables_are_interpolated(shell, comms):
    shell.user_ns["who"] = "Ada"
    run(shell, "%%speak\nHello {who}, {{literal}} braces.")
    assert cw.last_utterance().text == "Hello Ada, {literal} braces."


def test_line_form_and_voice_from_a_variable(shell, comms):
    french = cw.voices("French")[0]["id"]
    shell.user_ns["french"] = french
    result = run(shell, "%speak --voice {french} --language fr Bonjour tout le monde.")
    assert result.success, result.error_in_exec
    u = cw.last_utterance()
    assert u.text == "Bonjour tout le monde." and u.voice == french
    assert u.wait(timeout=20, playback=False).status == "done"


def test_wait_blocks_until_playback_would_have_ended(shell, comms):
    t0 = time.monotonic()
    result = run(shell, "%%speak --wait\nWait for me.")
    elapsed = time.monotonic() - t0
    assert result.success
    u = cw.last_utterance()
    assert u.status == "done"
    assert elapsed >= u.duration  # the audio itself takes this long to play


def test_interrupt_during_wait_stops_the_speech(shell, comms):
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    result = run(shell, "%%speak --wait\n" + "This would take minutes to play. " * 40)
    timer.join()
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    u = cw.last_utterance()
    u.wait(timeout=5, playback=False)
    assert u.status in ("stopped", "done")
    stops = [m for m in comms.custom(kind="stop") if m.data["content"]["stream"] == u.id]
    assert stops  # the browser was told to fall silent


def test_speak_stop_stops_everything(shell, comms):
    run(shell, "%%speak\n" + "First long cell. " * 100)
    first = cw.last_utterance()
    run(shell, "%%speak\nSecond, queued.")
    second = cw.last_utterance()
    run(shell, "%speak_stop")
    for u in (first, second):
        u.wait(timeout=5, playback=False)
        assert u.status == "stopped"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("%%speak --speed fast\nHi", "invalid float value"),
        ("%%speak --bogus\nHi", "unrecognized arguments"),
        ("%%speak extra words\nHi", "Put the text in the cell body"),
        ("%speak", "give the text"),
        ("%%speak\nHello {undefined_name_xyz}", "not a defined variable"),
        ("%%speak --sample-rate 1000\nHi", "8000, 16000"),
        ("%%speak\n   ", "Nothing to speak"),
    ],
)
def test_bad_input_gets_an_error_that_says_what_to_do(shell, source, message):
    result = run(shell, source)
    assert not result.success
    assert message in str(result.error_in_exec)


def test_interpolate_rejects_unbalanced_braces():
    with pytest.raises(MagicUsageError, match="literal braces"):
        interpolate("a { b", {})


def test_the_first_speak_finds_its_parser_built(shell, comms):
    from cartesia_widget.magic import SpeakMagics, _parser

    _parser.cache_clear()
    SpeakMagics(shell)  # as %load_ext registers the magics
    built = _parser.cache_info().misses
    for source in ("%%speak\nHello.", "%speak Hello.", "%%speak_output\nprint('Hello.')"):
        assert run(shell, source).success
        cw.last_utterance().stop()
    assert _parser.cache_info().misses == built  # none built on the way to a request
