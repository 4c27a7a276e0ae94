"""Text that arrives while it is spoken: iterables, async iterables, read-along, push
handles and %%speak_output, through the recording comm and the offline server."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time

import pytest
from kernel_fixtures import player_of

import cartesia_widget as cw
from cartesia_widget.simulated_llm import asimulated_llm, simulated_llm, tokens

ANSWER = (
    "Streaming speech starts before the answer is written. Each sentence is sent as soon "
    "as it is complete. The listener hears the first words while the model still thinks."
)


def endless(closed: threading.Event, piece: str, pause: float):
    """A source that never ends by itself; `closed` is set once it was closed."""
    try:
        while True:
            yield piece
            time.sleep(pause)
    finally:
        closed.set()


def pausing(first: str, pause: float, then: str, written: threading.Event | None = None):
    """A source that writes `first`, thinks for `pause` seconds, then writes `then`."""
    yield first
    time.sleep(pause)
    yield then
    if written is not None:
        written.set()


def stream_of(comms, u: cw.Utterance) -> list:
    """Custom messages of one stream so far."""
    return [m for m in comms.custom() if m.data["content"].get("stream") == u.id]


def ended(comms, u: cw.Utterance, timeout: float = 20) -> None:
    """Wait until the stream's `end` message was sent to the browser."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(m.data["content"]["type"] == "end" for m in stream_of(comms, u)):
            return
        time.sleep(0.005)
    raise AssertionError("the stream never ended")


def first_chunk_time(comms, u: cw.Utterance, timeout: float = 20) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunks = [m for m in stream_of(comms, u) if m.data["content"]["type"] == "chunk"]
        if chunks:
            return chunks[0].time
        time.sleep(0.005)
    raise AssertionError("no chunk reached the browser")


def test_a_generator_is_spoken_while_it_is_still_yielding(comms):
    finished = threading.Event()
    slow_answer = pausing(
        "The first sentence arrives at once. ", 2.0, "The second one comes much later.", finished
    )
    t0 = time.monotonic()
    u = cw.speak(slow_answer, timestamps=True)
    assert time.monotonic() - t0 < 0.5  # the call returns at once
    first = first_chunk_time(comms, u)
    assert not finished.is_set()  # first audio reached the browser during the pause
    assert first - t0 < 1.5
    u.wait(timeout=30, playback=False)
    assert u.status == "done"
    assert u.text == "The first sentence arrives at once. The second one comes much later."
    player = player_of(u)
    assert player.transcript == u.text
    assert [w[0] for w in player.words][-1] == "later."
    statuses = [s["status"] for s in comms.states(player.comm.comm_id) if "status" in s]
    assert "waiting" in statuses  # the player told "waiting for text" from "speaking"
    assert statuses[-1] == "done"


def test_an_llm_stream_is_grouped_into_sentences_not_tokens(comms):
    u = cw.speak(simulated_llm(ANSWER, tokens_per_second=80, first_token=0.1), display=False)
    u.wait(timeout=30)
    assert u.text == ANSWER and u.status == "done"
    whole = cw.speak(ANSWER, display=False).wait(timeout=30)
    # The same text, whether it came in 40 tokens or at once, sounds as long.
    assert len(tokens(ANSWER)) > 30
    assert u.duration == pytest.approx(whole.duration, rel=0.1)


def test_an_async_generator_is_read_on_the_running_loop(comms):
    async def cell() -> tuple[cw.Utterance, bool]:
        loop = asyncio.get_running_loop()
        read_on: list[object] = []

        async def answer():
            read_on.append(asyncio.get_running_loop())
            async for token in asimulated_llm(ANSWER, tokens_per_second=100, first_token=0.05):
                yield token

        u = cw.speak(answer())
        with pytest.raises(RuntimeError, match="await u"):
            u.wait()  # would block the loop that reads the source
        await u
        return u, read_on == [loop]

    u, on_the_cells_loop = asyncio.run(cell())
    assert on_the_cells_loop
    assert u.status == "done" and u.text == ANSWER and u.duration > 3


def test_an_async_generator_without_a_running_loop_gets_a_private_one(comms):
    u = cw.speak(asimulated_llm("No loop runs here, yet it speaks.", first_token=0.01))
    assert u.wait(timeout=30).status == "done"
    assert u.text == "No loop runs here, yet it speaks."


def test_read_along_yields_each_piece_after_handing_it_to_the_speech(comms):
    pieces = tokens(ANSWER)
    seen = []
    reader = cw.read_along(iter(pieces), timestamps=True)
    for piece in reader:
        assert reader.utterance.text.endswith(piece)  # handed over before it came back
        seen.append(piece)
    assert seen == pieces
    assert reader.utterance.wait(timeout=30).status == "done"
    assert len(reader.utterance.words) > 20


def test_async_read_along(comms):
    async def cell() -> tuple[list[str], cw.Utterance]:
        seen = []
        reader = cw.read_along(asimulated_llm(ANSWER, tokens_per_second=200, first_token=0.0))
        async for piece in reader:
            seen.append(piece)
        return seen, await reader.utterance

    seen, u = asyncio.run(cell())
    assert "".join(seen) == ANSWER == u.text and u.status == "done"


def test_push_handle(comms):
    with cw.stream(timestamps=True) as s:
        s.push("Pushed piece by piece, ")
        s.push("and flushed")
        s.flush()
        time.sleep(0.3)
        s.push(" before the end.")
    u = s.utterance.wait(timeout=30)
    assert u.status == "done" and u.text == "Pushed piece by piece, and flushed before the end."
    assert [w.word for w in u.words][-1] == "end."
    with pytest.raises(RuntimeError, match="has ended"):
        s.push("Too late.")


def test_an_exception_in_the_block_ends_the_text_keeps_the_speech_and_is_raised(comms):
    with pytest.raises(ZeroDivisionError), cw.stream() as s:
        s.push("This sentence is spoken although the block fails. ")
        s.push("So is this one. ")
        1 / 0  # noqa: B018
    u = s.utterance
    with pytest.raises(cw.SourceError, match="ZeroDivisionError: division by zero"):
        u.wait(timeout=30)
    assert u.status == "error" and u.duration > 2.0
    assert "ZeroDivisionError" in player_of(u).error


def test_a_source_raising_midway_keeps_what_was_spoken(comms):
    def failing():
        yield "First sentence, spoken in full before the failure. "
        yield "Second sentence, also spoken. "
        raise ConnectionError("the LLM went away")

    u = cw.speak(failing())
    with pytest.raises(cw.SourceError) as info:
        u.wait(timeout=30)
    assert info.value.title == "The text source raised ConnectionError"
    assert info.value.message == "the LLM went away"
    assert isinstance(info.value.__cause__, ConnectionError)
    assert u.duration > 3.0  # both sentences were spoken
    assert "the LLM went away" in player_of(u).error


def test_pieces_that_are_not_text_get_advice(comms):
    u = cw.speak(["Fine so far. ", 42], display=False)
    with pytest.raises(cw.SourceError, match="map the stream to text first"):
        u.wait(timeout=30)
    assert cw.speak(["None pieces ", None, "are skipped."], display=False).wait(
        timeout=30
    ).text == ("None pieces are skipped.")
    with pytest.raises(TypeError, match="decode it first"):
        cw.speak(b"bytes")


@pytest.mark.parametrize("how", ["stop", "speak_stop"])
def test_stop_closes_the_source_and_silences(comms, shell, how):
    closed = threading.Event()
    u = cw.speak(endless(closed, "More and more words keep coming. ", 0.05))
    first_chunk_time(comms, u)
    if how == "stop":
        u.stop()
    else:
        shell.run_line_magic("speak_stop", "")
    assert closed.wait(2)
    assert u.wait(timeout=5).status == "stopped"
    assert [m for m in comms.custom(kind="stop") if m.data["content"]["stream"] == u.id]


def test_an_interrupt_while_reading_along_stops_the_speech_and_closes_the_source(comms):
    closed = threading.Event()
    reader = cw.read_along(endless(closed, "Words. ", 0.02))
    threading.Timer(0.5, _thread.interrupt_main).start()
    with pytest.raises(KeyboardInterrupt):
        for _ in reader:
            pass
    assert closed.is_set()
    assert reader.utterance.wait(timeout=5).status == "stopped"


def test_a_streaming_utterance_keeps_its_place_in_the_queue(comms):
    first = cw.speak(pausing("First in the queue, and slow to write. ", 1.0, "Still first."))
    second = cw.speak("Second, though its text was ready long before.")
    ended(comms, second, timeout=30)
    order = []
    for m in comms.custom(kind="chunk"):
        stream = m.data["content"]["stream"]
        if stream in (first.id, second.id) and (not order or order[-1] != stream):
            order.append(stream)
    assert order == [first.id, second.id]
    assert first.status == "done"


def test_a_long_pause_in_the_source_is_not_a_server_timeout(comms):
    thinking = pausing("Before a long think. ", 2.5, "After it.")
    u = cw.speak(thinking, display=False, timeout=1.0)
    assert u.wait(timeout=30).status == "done"


def test_a_source_without_words_says_nothing_and_ends(comms):
    u = cw.speak(iter(["  ", "\n"]), display=False)
    assert u.wait(timeout=10).status == "done" and u.duration == 0


def test_server_side_buffering_speaks_raw_pieces(comms):
    u = cw.speak(
        simulated_llm(ANSWER, tokens_per_second=200, first_token=0.0),
        display=False,
        buffering="server",
        max_buffer_delay_ms=300,
    )
    assert u.wait(timeout=30).status == "done" and u.duration > 5


def test_speak_output_speaks_what_the_cell_prints(shell, comms, capsys):
    shell.user_ns["simulated_llm"] = simulated_llm
    code = (
        "%%speak_output --timestamps\n"
        "for delta in simulated_llm(answer, tokens_per_second=200, first_token=0.0):\n"
        "    print(delta, end='', flush=True)\n"
    )
    shell.user_ns["answer"] = ANSWER
    result = shell.run_cell(code)
    assert result.success
    assert ANSWER in capsys.readouterr().out  # the printed text still shows
    u = cw.last_utterance()
    assert u.wait(timeout=30).status == "done" and u.text == ANSWER and u.words


def test_speak_output_when_the_cell_fails(shell, comms):
    shell.run_cell("%%speak_output\nprint('Printed before the failure, and spoken.')\n1 / 0")
    u = cw.last_utterance()
    with pytest.raises(cw.SourceError, match="ZeroDivisionError"):
        u.wait(timeout=30)
    assert u.duration > 1.0


def test_an_interrupt_during_speak_output_stops_the_speech(shell, comms):
    threading.Timer(0.5, _thread.interrupt_main).start()
    shell.run_cell(
        "%%speak_output\nimport time\nwhile True:\n    print('Still talking.', flush=True)\n"
        "    time.sleep(0.05)\n"
    )
    u = cw.last_utterance()
    assert u.wait(timeout=5).status == "stopped"
    assert u.text.startswith("Still talking.")
