"""%%speak in real JupyterLab and Notebook 7 servers, played by headless Chromium."""

from __future__ import annotations

import pytest
from browser import (
    PAGE,
    JupyterServer,
    NotebookPage,
    assert_gapless,
    launch,
    stream_span,
    streams,
    wait_played,
    write_notebook,
)

pytestmark = pytest.mark.browser

# The default (adaptive) lead: gaplessness is checked as users get it.
LOAD = "%load_ext cartesia_widget"
SPEAK = "%%speak\n"


def test_speak_cell_plays_back_to_back_and_reports_metrics(browser, lab, open_notebook):
    text = "Hello from the browser test. This is the second sentence. And here is a third one."
    nb = open_notebook(browser, lab, "one.ipynb", [LOAD, f"{SPEAK}{text}"])
    nb.run_all()
    wait_played(nb)
    by_stream = streams(nb.log())
    assert len(by_stream) == 1
    (chunks,) = by_stream.values()
    assert len(chunks) >= 2
    assert_gapless(chunks)
    start, end = stream_span(chunks)
    assert 3.0 < end - start < 12.0
    (ctx,) = nb.contexts()
    assert ctx["state"] == "running" and ctx["rate"] == 44100
    assert ctx["time"] >= end  # the clock went past the last sample: it all played
    (player,) = nb.players()
    assert player["status"] == "done" and player["audio"] == "running"
    assert "Offline voice" in player["text"]
    # The browser's reports reached the kernel: ask it in a new execution.
    check = (
        "import cartesia_widget as cw; m = cw.last_utterance().metrics; "
        "print('METRICS', m['schedule_ms'] is not None, m['lead_ms'] is not None, "
        "m['first_scheduled_ms'] >= m['first_browser_chunk_ms'] >= m['first_sent_ms'] >= 0, "
        "m['underruns'])"
    )
    assert "METRICS True True True 0" in nb.run_code(check, "METRICS")


def test_run_all_plays_three_cells_in_order_without_overlap(browser, lab, open_notebook):
    texts = ["First cell speaks first.", "Second cell, second.", "Third and last cell."]
    nb = open_notebook(browser, lab, "three.ipynb", [LOAD] + [f"{SPEAK}{t}" for t in texts])
    nb.run_all()
    wait_played(nb, 3)
    players = nb.players()
    assert [p["label"] for p in players] == texts
    by_stream = streams(nb.log())
    ordered = [by_stream[p["stream"]] for p in players]  # in cell order
    spans = []
    for chunks in ordered:
        assert_gapless(chunks)
        spans.append(stream_span(chunks))
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start >= end - 1e-9, "an utterance started before the previous one ended"
    # Styled by one stylesheet, added once (anywidget would apply a `_css` again per widget).
    sheets = "[...document.querySelectorAll('style')].filter(s => s.textContent.includes('.cw-'))"
    assert nb.js(f"{sheets}.length") == 1
    assert nb.js("getComputedStyle(document.querySelector('.cw-player')).borderRadius") == "4px"


def test_a_speak_cell_shows_the_player_its_page_had_made_ahead(browser, lab, open_notebook):
    # The page's engine says hello when it connects; the kernel then makes the next
    # %%speak's player ahead, and the cell shows that model rather than a new one.
    nb = open_notebook(browser, lab, "ahead.ipynb", [LOAD])
    nb.run_cell(0)
    nb.wait_js("!!document.querySelector('.cw-engine')", what="the engine's view")
    ahead = "from cartesia_widget import spare_player; print('AHEAD', spare_player._spare.model_id)"
    made = nb.run_code(ahead, "AHEAD").split("AHEAD ")[1].split()[0]
    nb.run_code(f"{SPEAK}Made ahead.", "Made ahead")
    wait_played(nb)
    (player,) = nb.players()
    assert player["status"] == "done" and player["label"] == "Made ahead."
    shown = (
        "import cartesia_widget as cw; from ipywidgets.widgets.widget import _instances; "
        "print('SHOWN', *[m for m, w in _instances.items() "
        "if getattr(w, 'utterance', None) is cw.last_utterance()])"
    )
    assert nb.run_code(shown, "SHOWN").split("SHOWN ")[1].split()[0] == made


def test_stop_silences_within_50_ms_and_cancels_generation(browser, lab, open_notebook):
    # A server that generates in real time, so generation is still going on at the stop.
    setup = (
        "import cartesia_widget as cw\n"
        "from cartesia_widget.local import LocalServer\n"
        "srv = LocalServer(realtime_factor=1.0).start()\n"
        "cw.configure(api_key=srv.api_key, base_url=srv.base_url, websocket_url=srv.websocket_url)"
    )
    nb = open_notebook(
        browser, lab, "stop.ipynb", [LOAD, setup, SPEAK + "This text goes on and on. " * 40]
    )
    nb.run_all()
    nb.wait_js(f"{PAGE} && {PAGE}.level() > 0.01", what="audible output")
    silent_after_ms = nb.js(
        f"""new Promise(resolve => {{
            document.querySelector('.cw-stop').click();
            const t0 = performance.now();
            const poll = () => {{
                if ({PAGE}.level() === 0) resolve(performance.now() - t0);
                else if (performance.now() - t0 > 1000) resolve(-1);
                else setTimeout(poll, 2);
            }};
            poll();
        }})"""
    )
    print(f"silent {silent_after_ms:.1f} ms after Stop")
    assert 0 <= silent_after_ms <= 50, f"still audible {silent_after_ms} ms after Stop"
    nb.wait_js(
        "document.querySelector('.cw-player').dataset.status === 'stopped'",
        what="the kernel to report the utterance stopped",
    )
    player = nb.players()[0]
    assert player["text"].startswith("Stopped")
    (chunks,) = streams(nb.log()).values()
    start, end = stream_span(chunks)
    assert end - start < 10  # generation was cancelled: the text is a minute long


def test_widget_displayed_twice_plays_once(browser, lab, open_notebook):
    cell = (
        "import cartesia_widget as cw\n"
        "player = cw.Player()\n"
        "display(player, player)\n"
        "player.say('One widget, two views, one voice. Listen closely.')"
    )
    nb = open_notebook(browser, lab, "twice.ipynb", [cell])
    nb.run_all()
    wait_played(nb, 2)
    players = nb.players()
    assert len(players) == 2 and players[0]["stream"] == players[1]["stream"]
    log = nb.log()
    keys = [(e["stream"], e["seq"]) for e in log]
    assert len(keys) == len(set(keys)), "a chunk was scheduled twice"
    assert len(streams(log)) == 1


def test_text_with_html_is_shown_as_text(browser, lab, open_notebook):
    nb = open_notebook(browser, lab, "html.ipynb", [LOAD, SPEAK + "<b>bold</b> & <i>co</i>"])
    nb.run_all()
    wait_played(nb)
    (player,) = nb.players()
    assert player["label"] == "<b>bold</b> & <i>co</i>"
    assert "<b>" not in player["labelHTML"]


def test_autoplay_blocked_shows_enable_button_and_plays_after_click(playwright, lab, pages):
    cell = (
        "import cartesia_widget as cw\nu = cw.speak('Audio waits for your click. Nothing is lost.')"
    )
    write_notebook(lab.root / "blocked.ipynb", [cell])
    browser = launch(playwright, autoplay=False)
    try:
        nb = NotebookPage(browser, lab, "blocked.ipynb")
        pages.append(nb)
        assert nb.js("navigator.userActivation.hasBeenActive") is False
        nb.run_current_cell_without_gesture()
        nb.wait_js(
            "document.querySelector('.cw-player')?.dataset.status === 'done'",
            what="generation to finish",
        )
        (ctx,) = nb.contexts()
        assert ctx["state"] == "suspended"
        (player,) = nb.players()
        assert player["enableVisible"] and "Waiting for audio permission" in player["text"]
        buffered = nb.log()
        assert buffered  # chunks are kept while the context is suspended
        box = nb.js(
            "(() => { const r = document.querySelector('.cw-enable').getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        nb.page.mouse.click(*box)  # a real click: user activation
        wait_played(nb)
        (ctx,) = nb.contexts()
        assert ctx["state"] == "running"
        (chunks,) = streams(nb.log()).values()
        assert_gapless(chunks)
        assert ctx["time"] >= stream_span(chunks)[1]  # every buffered sample played
    finally:
        browser.close()


def test_notebook7_plays_a_speak_cell(browser, open_notebook):
    server = JupyterServer("notebook").start()
    try:
        nb = open_notebook(
            browser, server, "nb7.ipynb", [LOAD, SPEAK + "Notebook seven speaks too."]
        )
        nb.run_all()
        wait_played(nb)
        (chunks,) = streams(nb.log()).values()
        assert_gapless(chunks)
        (ctx,) = nb.contexts()
        assert ctx["time"] >= stream_span(chunks)[1]
    finally:
        server.stop()
