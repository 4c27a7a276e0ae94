"""Notebooks executed with nobody watching (nbclient, as nbconvert/papermill/nbval do)
save what a reader needs: final widget state, readable text, and embedded speech."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys

import nbformat
import pytest
import soundfile
from executed import execute, notebook, players

from cartesia_widget.local import LocalServer


def recordings(nb: nbformat.NotebookNode) -> list[str]:
    """The HTML of every recording output (the `<audio>` kept for readers)."""
    return [
        output["data"]["text/html"]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "<audio" in output.get("data", {}).get("text/html", "")
    ]


@pytest.fixture
def slow_server():
    with LocalServer(first_chunk_delay=1.0) as srv:
        yield srv


def test_saved_players_are_final_and_true(slow_server):
    """A server answering 1 s late used to leave players saved mid-flight."""
    srv = slow_server
    cells = [
        "%load_ext cartesia_widget",
        "%%speak\nThe first cell speaks.",
        "%%speak\nThe second cell speaks too.",
        "%%speak --voice no-such-voice\nThis one fails.",
        "%%speak\nThe last cell speaks last.",
    ]
    env = {
        "CARTESIA_API_KEY": srv.api_key,
        "CARTESIA_BASE_URL": srv.base_url,
        "CARTESIA_WEBSOCKET_URL": srv.websocket_url,
    }
    nb = notebook(cells)
    seconds = execute(nb, env)
    saved = players(nb)
    assert [s["status"] for _, s in saved] == ["done", "done", "error", "done"]
    assert all(s["duration"] > 0.5 for i, (_, s) in enumerate(saved) if i != 2)
    assert "no-such-voice" in saved[2][1]["error"]
    for data, state in saved:
        text = data["text/plain"]
        assert "object at 0x" not in text
        assert state["status"] in text and state["label"].split()[0] in text
    assert "no-such-voice" in saved[2][0]["text/plain"]
    assert seconds < 60  # no browser was waited for


def test_embedded_speech_is_playable_html(tmp_path):
    cells = [
        "import cartesia_widget as cw",
        "u = cw.speak('Kept in the notebook, playable anywhere.', timestamps=True)",
        "v = cw.speak('A second one, at another rate.', sample_rate=16000)",
        "print(round(u.duration, 3), round(v.duration, 3))",
    ]
    sizes = {}
    for embed in ("1", "0"):
        nb = notebook(cells)
        execute(nb, {"CARTESIA_WIDGET_EMBED": embed})
        path = tmp_path / f"embed{embed}.ipynb"
        nbformat.write(nb, path)
        sizes[embed] = path.stat().st_size
        if embed == "1":
            embedded = nb
    durations = [float(x) for x in embedded.cells[3].outputs[0]["text"].split()]
    saved = players(embedded)
    kept = recordings(embedded)
    assert len(saved) == len(kept) == 2
    for (_, state), html, duration in zip(saved, kept, durations, strict=True):
        assert html.count("<audio") == 1
        src = re.search(r'src="data:(audio/[a-z]+);base64,([^"]+)"', html)
        assert src and src.group(1) == "audio/mpeg"
        audio, rate = soundfile.read(io.BytesIO(base64.b64decode(src.group(2))))
        assert len(audio) / rate == pytest.approx(duration, rel=0.05)
        assert state["recording_type"] == "audio/mpeg" and state["recording"]
    assert "Kept in the notebook" in kept[0]
    per_second = (sizes["1"] - sizes["0"]) / sum(durations)
    print(f"embedding costs {per_second / 1000:.1f} KB per second of speech in the .ipynb")
    assert per_second < 16_000  # documented: ~14 KB/s (the <audio> output and widget state)


def test_nbconvert_command_line_executes_and_keeps_speech(tmp_path):
    """The command a docs build runs, end to end, with CARTESIA_WIDGET_EMBED."""
    path = tmp_path / "docs.ipynb"
    nbformat.write(notebook(["%load_ext cartesia_widget", "%%speak\nFrom the command line."]), path)
    env = dict(os.environ, CARTESIA_WIDGET_EMBED="1")
    for name in ("CARTESIA_API_KEY", "CARTESIA_BASE_URL", "CARTESIA_WEBSOCKET_URL"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute", str(path)],
        check=True,
        env=env,
        capture_output=True,
        timeout=180,
    )
    html = (tmp_path / "docs.html").read_text()
    assert html.count("<audio controls") == 1
    assert "From the command line." in html
    assert "object at 0x" not in html
