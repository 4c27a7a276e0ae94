"""Text streamed from a generator, played in real JupyterLab by headless Chromium."""

from __future__ import annotations

import pytest
from browser import PAGE, streams, wait_played

pytestmark = pytest.mark.browser

SETUP = """import threading, time
import cartesia_widget as cw
written = threading.Event()

def answer():
    yield "The first sentence plays while the generator is still writing. "
    time.sleep(6)  # the model thinks
    yield "The second sentence comes six seconds later."
    written.set()
"""


def test_the_first_sentence_is_scheduled_while_the_generator_still_yields(
    browser, lab, open_notebook
):
    nb = open_notebook(browser, lab, "stream.ipynb", [SETUP, "u = cw.speak(answer())"])
    nb.run_all()
    nb.wait_js(f"{PAGE} && {PAGE}.log.length > 0", what="the first chunk to be scheduled")
    # The kernel is idle (the generator runs on a thread of its own): ask it.
    assert "WRITTEN False" in nb.run_code("print('WRITTEN', written.is_set())", "WRITTEN")
    player = ".cw-player"
    nb.wait_js(
        f"document.querySelector('{player} .cw-transcript').textContent.startsWith("
        "'The first sentence plays')",
        what="the transcript to show the text so far",
    )
    nb.wait_js(
        f"document.querySelector('{player} .cw-status').textContent === 'Waiting for text'",
        timeout=20,
        what="the player to say it waits for text once the first sentence played",
    )
    wait_played(nb, timeout=60)
    (chunks,) = streams(nb.log()).values()
    first_half = [c for c in chunks if c["when"] < chunks[0]["when"] + 3]
    assert first_half and not any(c["late"] for c in first_half)
    text = nb.js(f"document.querySelector('{player} .cw-transcript').textContent")
    assert text.endswith("The second sentence comes six seconds later.")
    assert "WRITTEN True" in nb.run_code("print('WRITTEN', written.is_set())", "WRITTEN True")
