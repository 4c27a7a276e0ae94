"""Notebooks executed with embedding, read later in Chromium: an HTML export with no Jupyter
server at all, and the notebook reopened in JupyterLab with no kernel behind its widgets."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from browser import PAGE, NotebookPage, streams
from executed import execute, notebook
from nbconvert import HTMLExporter

pytestmark = pytest.mark.browser

CELLS = [
    "import cartesia_widget as cw",
    "u = cw.speak('The first recording, kept in the file.')",
    "v = cw.speak('A second, longer recording, at sixteen kilohertz.', sample_rate=16000)",
    "print(round(u.duration, 3), round(v.duration, 3))",
]


@pytest.fixture(scope="module")
def executed() -> tuple[nbformat.NotebookNode, list[float]]:
    nb = notebook(CELLS)
    execute(nb, {"CARTESIA_WIDGET_EMBED": "1"})
    durations = [float(x) for x in nb.cells[3].outputs[0]["text"].split()]
    return nb, durations


def test_an_html_export_plays_each_utterance_without_a_server(browser, executed, tmp_path):
    nb, durations = executed
    html, _ = HTMLExporter().from_notebook_node(nb)
    path = tmp_path / "export.html"
    path.write_text(html)
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        page.wait_for_function(
            "[...document.querySelectorAll('audio')].length === 2 && "
            "[...document.querySelectorAll('audio')].every(a => a.readyState >= 1)",
            timeout=20_000,
        )
        found = page.evaluate("[...document.querySelectorAll('audio')].map(a => a.duration)")
        for duration, expected in zip(found, durations, strict=True):
            assert duration == pytest.approx(expected, rel=0.05)
        captions = page.evaluate(
            "[...document.querySelectorAll('figure.cartesia-widget-recording figcaption')]"
            ".map(c => c.textContent)"
        )
        assert captions[0] == "The first recording, kept in the file."
        page.evaluate("document.querySelector('audio').play()")
        page.wait_for_function("document.querySelector('audio').currentTime > 0.3", timeout=10_000)
    finally:
        page.close()


def test_a_reopened_notebook_replays_from_its_saved_state_without_a_kernel(
    browser, lab, executed, pages
):
    nb, durations = executed
    nbformat.write(nb, lab.root / "saved.ipynb")
    # Widgets render only in trusted notebooks: trust it as its author would.
    subprocess.run(
        [sys.executable, "-m", "jupyter", "trust", str(lab.root / "saved.ipynb")],
        env=lab.env,
        check=True,
        capture_output=True,
    )
    page = NotebookPage(browser, lab, "saved.ipynb")
    pages.append(page)
    page.wait_js(
        "[...document.querySelectorAll('.cw-player')].length === 2 && "
        "[...document.querySelectorAll('.cw-player')].every(p => p.dataset.status === 'done')",
        what="the players restored from the saved widget state",
    )
    lab.stop_kernels()  # nothing but the saved state behind the widgets now
    page.page.locator(".cw-player .cw-replay").nth(1).click()
    page.wait_js(f"{PAGE} && {PAGE}.log.length > 0", what="the replay to be scheduled")
    page.wait_js(
        "[...document.querySelectorAll('.cw-player')][1].textContent.startsWith('Played')",
        timeout=30,
        what="the replay to play out",
    )
    (chunks,) = streams(page.log()).values()
    assert chunks[0]["stream"].endswith("#replay1")
    played = sum(c["frames"] / c["sampleRate"] for c in chunks)
    assert played == pytest.approx(durations[1], rel=0.05)
