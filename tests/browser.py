"""Real JupyterLab / Notebook 7 servers and headless Chromium, for the browser tests.

Chromium is Debian's (/usr/bin/chromium) driven by Playwright. Without it the
browser tests skip, except under CI=true where they fail.

Page state is read through a raw CDP `Runtime.evaluate` with `userGesture:
false`: Playwright's own evaluate and locator calls run with a user gesture,
which would grant the page the user activation that unblocks audio.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import nbformat
import pytest
from executed import notebook

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AUTOPLAY = "--autoplay-policy=no-user-gesture-required"
PAGE = "globalThis.__cartesiaWidgetPage_v1"


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} not found: apt-get install chromium to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


#: Opens loopback URLs directly, whatever proxy the environment names.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def wait_until_served(
    what: str, url: str, proc: subprocess.Popen, log: Path, timeout: float
) -> None:
    """Return once `url` answers; raise with the tail of `log` if `what` (run by `proc`)
    exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            LOOPBACK.open(url)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start: {log.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, cells: list[str]) -> Path:
    nbformat.write(notebook(cells), path)
    return path


class JupyterServer:
    """`jupyter lab` or `jupyter notebook` on a free loopback port, in a fresh directory."""

    def __init__(self, app: str) -> None:
        self.app = app
        self.root = Path(tempfile.mkdtemp(prefix=f"cw-{app}-"))
        self.token = secrets.token_hex(16)
        self.port = free_port()
        settings = self.root / ".settings"
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        self.env = dict(
            os.environ,
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            JUPYTER_CONFIG_DIR=str(self.root / ".config"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.root / ".workspaces"),
        )
        for name in ("CARTESIA_API_KEY", "CARTESIA_BASE_URL", "CARTESIA_WEBSOCKET_URL"):
            self.env.pop(name, None)
        self.log = open(self.root / "server.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc: subprocess.Popen[bytes] | None = None

    def speak_with(self, srv: Any) -> JupyterServer:
        """Have the kernels speak with `srv` (a LocalServer or any Cartesia-compatible one)."""
        self.env.update(
            CARTESIA_API_KEY=srv.api_key,
            CARTESIA_BASE_URL=srv.base_url,
            CARTESIA_WEBSOCKET_URL=srv.websocket_url,
        )
        return self

    def start(self) -> JupyterServer:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                self.app,
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
            ],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        wait_until_served(f"jupyter {self.app}", url, self.proc, self.root / "server.log", 60)
        return self

    def stop_kernels(self) -> None:
        """Shut down every kernel of this server (its pages stay open)."""
        base = f"http://127.0.0.1:{self.port}/api/kernels"
        for kernel in json.load(LOOPBACK.open(f"{base}?token={self.token}")):
            url = f"{base}/{kernel['id']}?token={self.token}"
            LOOPBACK.open(urllib.request.Request(url, method="DELETE"))

    def url(self, notebook: str) -> str:
        # In JupyterLab, a workspace of its own: no other test's notebook is restored.
        lab = f"lab/workspaces/{Path(notebook).stem}/tree"
        path = lab if self.app == "lab" else "notebooks"
        return f"http://127.0.0.1:{self.port}/{path}/{notebook}?token={self.token}"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def launch(playwright: Any, autoplay: bool = True) -> Any:
    """A headless Chromium; with `autoplay=False` audio needs a real user gesture."""
    require_chromium()
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=FLAGS + ([AUTOPLAY] if autoplay else []),
        # Playwright adds an autoplay override of its own; drop it to test the real gate.
        ignore_default_args=[] if autoplay else [AUTOPLAY],
    )


class NotebookPage:
    """A notebook open in a browser page, inspected through gesture-free CDP calls."""

    def __init__(self, browser: Any, server: JupyterServer, name: str) -> None:
        self.server = server
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.cdp = self.page.context.new_cdp_session(self.page)
        self.page.goto(server.url(name))
        # The execution indicator reads "idle" before any kernel exists: also require the
        # toolbar to name the kernel.
        self.wait_js(
            "document.querySelector('.jp-Toolbar-kernelName')?.textContent.includes('Python')"
            " && document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status"
            " === 'idle'",
            timeout=90,
            what="the notebook's kernel to be idle",
        )

    def close(self) -> None:
        self.page.context.close()

    def js(self, expression: str) -> Any:
        reply = self.cdp.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "userGesture": False,
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"JS error in {expression!r}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_js(self, expression: str, timeout: float = 30, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(
                f"(() => {{ try {{ return {expression}; }} catch (e) {{ return null }} }})()"
            )
            if value:
                return value
            time.sleep(0.05)
        self.page.screenshot(path=str(self.server.root / "timeout.png"))
        raise AssertionError(
            f"timed out after {timeout} s waiting for {what or expression}; "
            f"console: {self.console[-10:]}; screenshot: {self.server.root / 'timeout.png'}"
        )

    def run_all(self) -> None:
        """Run all cells through the menu (real clicks: the page gets user activation)."""
        self.page.click("#jp-MainMenu >> text=Run")
        self.page.click(".lm-Menu >> text=Run All Cells")

    def run_current_cell_without_gesture(self) -> None:
        """Run the selected cell with an untrusted event: no user activation is granted."""
        self.js(
            "document.querySelector(\"jp-button[data-command='notebook:run-cell-and-select-next']\")"
            ".dispatchEvent(new MouseEvent('mousedown', {bubbles: true, cancelable: true}))"
        )

    def run_cell(self, index: int) -> None:
        """Run one cell with real input events (click into it, Shift+Enter)."""
        self.page.locator(".jp-Cell .jp-InputArea-editor").nth(index).click()
        self.page.keyboard.press("Shift+Enter")

    def run_code(self, code: str, marker: str) -> str:
        """Run `code` in a new last cell (real keystrokes); wait for `marker` in an output."""
        self.page.locator(".jp-Cell").last.click()
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("b")
        self.page.keyboard.press("Enter")
        self.page.keyboard.insert_text(code)
        self.page.keyboard.press("Shift+Enter")
        self.wait_js(
            "[...document.querySelectorAll('.jp-OutputArea-output')]"
            f".some(e => e.textContent.includes({json.dumps(marker)}))",
            what=code,
        )
        return self.outputs_text()

    def result(self, marker: str = "RESULT", count: int = 1) -> Any:
        """The JSON the `count`-th cell output starting with `marker` holds (waits for it)."""
        text = self.wait_js(
            "[...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.textContent)"
            f".filter(t => t.startsWith({json.dumps(marker)}))[{count - 1}]",
            what=f"a cell's {marker} output",
        )
        return json.loads(text[len(marker) :])

    def log(self) -> list[dict[str, Any]]:
        """Every chunk the page scheduled: stream, seq, sampleRate, when, frames, late."""
        return self.js(f"{PAGE} ? {PAGE}.log.slice() : []")

    def contexts(self) -> list[dict[str, Any]]:
        return self.js(
            f"{PAGE} ? [...{PAGE}.outputs.values()].map(o => ({{state: o.ctx.state, "
            "time: o.ctx.currentTime, end: o.end, rate: o.ctx.sampleRate})) : []"
        )

    def players(self) -> list[dict[str, Any]]:
        """Every player view in document (cell) order."""
        return self.js(
            "[...document.querySelectorAll('.cw-player')].map(p => ({status: p.dataset.status,"
            " audio: p.dataset.audio, stream: p.dataset.stream, text: p.textContent,"
            " label: p.querySelector('.cw-label').textContent,"
            " labelHTML: p.querySelector('.cw-label').innerHTML,"
            " enableVisible: !p.querySelector('.cw-enable').hidden}))"
        )

    def outputs_text(self) -> str:
        return self.js(
            "[...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.textContent)"
            ".join('\\n')"
        )


def streams(log: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Scheduled chunks grouped by stream, in scheduling order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in log:
        out.setdefault(entry["stream"], []).append(entry)
    return out


def assert_gapless(chunks: list[dict[str, Any]]) -> None:
    """Each chunk starts exactly where the previous one ends, and none was late."""
    assert chunks, "no chunk was scheduled"
    assert [c["seq"] for c in chunks] == sorted(c["seq"] for c in chunks)
    for prev, cur in zip(chunks, chunks[1:], strict=False):
        assert not cur["late"], f"chunk {cur['seq']} was late"
        end = prev["when"] + prev["frames"] / prev["sampleRate"]
        assert abs(cur["when"] - end) < 1e-9, f"gap of {cur['when'] - end} s before {cur['seq']}"


def stream_span(chunks: list[dict[str, Any]]) -> tuple[float, float]:
    last = chunks[-1]
    return chunks[0]["when"], last["when"] + last["frames"] / last["sampleRate"]


def wait_played(nb: NotebookPage, count: int = 1, timeout: float = 60) -> None:
    nb.wait_js(
        f"[...document.querySelectorAll('.cw-player')].filter(p => p.textContent.startsWith("
        f"'Played')).length >= {count}",
        timeout=timeout,
        what=f"{count} player(s) to show Played",
    )
