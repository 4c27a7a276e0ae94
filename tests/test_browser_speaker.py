"""The Speaker widget in JupyterLab + Chromium, clicked through against the offline server."""

from __future__ import annotations

import json
import time
import wave
from pathlib import Path

import pytest
from browser import PAGE, assert_gapless, streams

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
WORDS = "One two three four five six seven eight nine ten."
# The default (adaptive) lead, as in test_browser.py.
SETUP = "import cartesia_widget as cw\nspeaker = cw.Speaker({text!r})\nspeaker"


def open_speaker(browser, lab, open_notebook, name: str, text: str = WORDS):
    nb = open_notebook(browser, lab, name, [SETUP.format(text=text)])
    nb.run_cell(0)
    nb.wait_js("document.querySelectorAll('.cw-voice option').length >= 8", what="the voices")
    return nb


def voice_id(nb, language: str) -> str:
    """The id of the first voice the picker lists for `language`."""
    return nb.js(
        "[...document.querySelectorAll('.cw-voice option')]"
        f".find(o => o.textContent.endsWith('· {language}')).value"
    )


def active_words(nb, timeout: float = 30) -> list[int]:
    """Indices of the highlighted caption word, sampled until playback ends."""
    return nb.js(
        f"""new Promise(resolve => {{
            const seen = [];
            const t0 = performance.now();
            const poll = () => {{
                const a = Number(document.querySelector('.cw-captions').dataset.active);
                if (a >= 0 && seen[seen.length - 1] !== a) seen.push(a);
                const played = document.querySelector('.cw-status').textContent === 'Played';
                if ((played && seen.length) || performance.now() - t0 > {timeout * 1000}) {{
                    resolve(seen);
                }} else setTimeout(poll, 10);
            }};
            poll();
        }})"""
    )


def test_pick_voice_speak_highlight_stop_replay_download(browser, lab, open_notebook, tmp_path):
    nb = open_speaker(browser, lab, open_notebook, "tour.ipynb")
    page = nb.page
    # Search narrows the voices; pick the German one.
    page.fill(".cw-voice-search", "german")
    options = nb.js("[...document.querySelectorAll('.cw-voice option')].map(o => o.textContent)")
    assert any("· de" in o for o in options) and not any("· fr" in o for o in options)
    german = voice_id(nb, "de")
    page.select_option(".cw-voice", german)
    assert "German" in nb.js("document.querySelector('.cw-voice-description').textContent")
    # Speak: the captions highlight the words in spoken order.
    page.click(".cw-speak")
    nb.wait_js("document.querySelectorAll('.cw-word').length === 10", what="the captions")
    seen = active_words(nb)
    assert seen == sorted(seen) and len(seen) >= 8, seen
    latency = nb.js("document.querySelector('.cw-latency').textContent")
    assert latency.startswith("First audio") and "server" in latency
    # The kernel spoke with the picked voice.
    assert f"VOICE {german}" in nb.run_code("print('VOICE', speaker.utterance.voice)", "VOICE")
    # Ctrl+Enter speaks a long text; Stop silences it.
    page.fill(".cw-text", "This sentence keeps the speaker busy for a while. " * 6)
    page.focus(".cw-text")
    page.keyboard.press("Control+Enter")
    nb.wait_js(f"{PAGE}.level() > 0.01", what="audible speech")
    page.click(".cw-stop")
    nb.wait_js(f"{PAGE}.level() === 0", timeout=2, what="silence after Stop")
    nb.wait_js("document.querySelector('.cw-speaker').dataset.status === 'stopped'", what="Stopped")
    # Replay plays what was received, back to back, from the browser's cache.
    page.click(".cw-replay")
    nb.wait_js("document.querySelector('.cw-status').textContent === 'Played'", what="the replay")
    replays = {k: v for k, v in streams(nb.log()).items() if "#replay" in k}
    assert len(replays) == 1
    (chunks,) = replays.values()
    assert_gapless(chunks)
    played_frames = sum(c["frames"] for c in chunks)
    # Download WAV gives what was played.
    with page.expect_download() as info:
        page.click(".cw-download")
    path = tmp_path / "speech.wav"
    info.value.save_as(path)
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        assert w.getframerate() == chunks[0]["sampleRate"]
        assert w.getnframes() == played_frames


def test_python_and_ui_stay_in_sync(browser, lab, open_notebook):
    nb = open_speaker(browser, lab, open_notebook, "sync.ipynb")
    page = nb.page
    french = voice_id(nb, "fr")
    # Python → UI
    nb.run_code(f"speaker.voice = {french!r}; speaker.speed = 1.3; print('SET done')", "SET")
    nb.wait_js(f"document.querySelector('.cw-voice').value === {json.dumps(french)}", what="voice")
    assert nb.js("document.querySelector('.cw-speed-value').textContent") == "1.30×"
    # UI → Python
    page.select_option(".cw-model", "sonic-3.5")
    assert nb.js("document.querySelector('.cw-speed').disabled") is True  # not a 3.5 control
    page.click(".cw-advanced summary")
    page.select_option(".cw-sample-rate", "16000")
    page.select_option(".cw-encoding", "pcm_mulaw")
    page.fill(".cw-text", "Typed in the browser.")
    out = nb.run_code(
        "print('STATE', speaker.model, speaker.sample_rate, speaker.encoding, repr(speaker.text))",
        "STATE",
    )
    assert "STATE sonic-3.5 16000 pcm_mulaw 'Typed in the browser.'" in out
    # say() from code shows and plays in the same widget.
    nb.run_code("u = speaker.say('Spoken from Python.'); print('SAID')", "SAID")
    nb.wait_js(
        "document.querySelector('.cw-captions').textContent.includes('Python')", what="captions"
    )
    nb.wait_js("document.querySelector('.cw-status').textContent === 'Played'", what="playback")
    assert nb.js("document.querySelectorAll('.cw-speaker').length") == 1
    (stream,) = [s for s in streams(nb.log()) if "#" not in s]
    assert nb.js("document.querySelector('.cw-speaker').dataset.stream") == stream
    # Every control has an accessible label.
    unlabelled = nb.js(
        "[...document.querySelectorAll('.cw-speaker :is(button, select, input, textarea)')]"
        ".filter(e => !e.getAttribute('aria-label')).map(e => e.outerHTML)"
    )
    assert unlabelled == []
    # Escape stops.
    page.fill(".cw-text", "Escape will interrupt this long sentence before it ends. " * 4)
    page.click(".cw-speak")
    nb.wait_js(f"{PAGE}.level() > 0.01", what="audible speech")
    # What the page knows before the key goes down, for the failure message.
    before = nb.js(
        "({focused: document.activeElement?.className,"
        " shown: document.querySelector('.cw-speaker').dataset.stream,"
        " playing: [...new Set(" + PAGE + ".log.map(c => c.stream))].slice(-2)})"
    )
    # Focus and key in one step: JupyterLab may move the focus back to the notebook after
    # it made another cell active (a person's click into the box sets it again).
    page.press(".cw-text", "Escape")
    nb.wait_js(f"{PAGE}.level() === 0", timeout=2, what=f"silence after Escape ({before})")


def test_html_in_the_text_is_shown_as_text(browser, lab, open_notebook):
    text = "<b>bold</b> and <img src=x onerror=alert(1)> stay text."
    nb = open_speaker(browser, lab, open_notebook, "html.ipynb", text=text)
    assert nb.js("document.querySelector('.cw-text').value") == text
    nb.page.click(".cw-speak")
    nb.wait_js("document.querySelector('.cw-status').textContent === 'Played'", what="playback")
    captions = nb.js("document.querySelector('.cw-captions').textContent")
    assert "<b>bold</b>" in captions
    assert nb.js("document.querySelector('.cw-speaker b, .cw-speaker img')") is None


def test_replay_after_reload_comes_from_the_kernel(browser, lab, open_notebook):
    nb = open_speaker(browser, lab, open_notebook, "reload.ipynb", text="Replay me after a reload.")
    nb.page.click(".cw-speak")
    nb.wait_js("document.querySelector('.cw-status').textContent === 'Played'", what="playback")
    received = sum(e["frames"] for e in nb.log())
    nb.page.keyboard.press("Control+s")  # the output (a widget view) is saved with the notebook
    # Wait for the file itself: a page check could pass before the save began (under load,
    # the reload then came first and the notebook reopened without its output).
    saved = lab.root / "reload.ipynb"
    deadline = time.monotonic() + 30
    while "application/vnd.jupyter.widget-view+json" not in saved.read_text():
        assert time.monotonic() < deadline, "the notebook was not saved with its widget output"
        time.sleep(0.1)
    nb.page.reload()
    nb.wait_js("!!document.querySelector('.cw-replay')", timeout=60, what="the restored widget")
    nb.page.click(".cw-replay")
    nb.wait_js("document.querySelector('.cw-status').textContent === 'Played'", what="replay")
    (chunks,) = [c for s, c in streams(nb.log()).items() if "-replay" in s]
    assert_gapless(chunks)
    assert sum(c["frames"] for c in chunks) == received


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_in_light_and_dark_themes(browser, lab, open_notebook, theme):
    text = "Hello! Words light up while they are spoken."
    nb = open_speaker(browser, lab, open_notebook, f"shot-{theme}.ipynb", text=text)
    page = nb.page
    if theme == "dark":
        page.click("#jp-MainMenu >> text=Settings")
        page.click(".lm-Menu >> text=Theme")
        page.click(".lm-Menu >> text=JupyterLab Dark")
        nb.wait_js("document.body.dataset.jpThemeLight === 'false'", what="the dark theme")
    page.click(".cw-speak")
    nb.wait_js("Number(document.querySelector('.cw-captions').dataset.active) >= 3", what="words")
    colors = nb.js(
        "(() => { const s = getComputedStyle(document.querySelector('.cw-speaker'));"
        " return [s.color, s.backgroundColor]; })()"
    )
    assert contrast(*colors) >= 4.5, colors  # legible text on the widget's background
    (ROOT / "docs").mkdir(exist_ok=True)
    page.locator(".cw-speaker").screenshot(path=str(ROOT / "docs" / f"speaker-{theme}.png"))


def contrast(fg: str, bg: str) -> float:
    def luminance(css: str) -> float:
        r, g, b = (int(v) / 255 for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
