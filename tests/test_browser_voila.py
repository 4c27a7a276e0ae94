"""A Voilà app with a Speaker renders in Chromium and speaks when its button is pressed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from browser import PAGE, free_port, streams, wait_until_served, write_notebook

pytestmark = pytest.mark.browser

APP = [
    "import cartesia_widget as cw\n"
    "speaker = cw.Speaker('Hello from a Voila app. The button speaks.')\n"
    "speaker"
]


@pytest.fixture
def voila(tmp_path: Path):
    write_notebook(tmp_path / "app.ipynb", APP)
    port = free_port()
    log = open(tmp_path / "voila.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voila",
            "app.ipynb",
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
        ],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_served("voila", f"http://127.0.0.1:{port}/", proc, tmp_path / "voila.log", 60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_a_voila_app_renders_the_speaker_and_speaks(browser, voila):
    page = browser.new_page()
    try:
        page.goto(voila)
        page.wait_for_selector(".cw-speaker .cw-speak", timeout=90_000)
        page.wait_for_function(
            "document.querySelectorAll('.cw-speaker .cw-voice option').length > 1",
            timeout=30_000,
        )  # the voices came from the kernel
        page.click(".cw-speaker .cw-speak")
        page.wait_for_function(
            "document.querySelector('.cw-speaker .cw-status').textContent === 'Played'",
            timeout=60_000,
        )
        log = page.evaluate(f"{PAGE}.log.slice()")
        (chunks,) = streams(log).values()
        assert sum(c["frames"] / c["sampleRate"] for c in chunks) > 1.5
        assert not any(c["late"] for c in chunks)
        assert "Speech ready" in page.inner_text("body")
    finally:
        page.close()
