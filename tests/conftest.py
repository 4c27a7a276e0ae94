"""Shared pytest fixtures."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
# Proxy variables in this environment capture loopback traffic.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Rebuild the widget bundle when js/ is newer, so tests never run stale JS."""
    import shutil
    import subprocess

    root = Path(_ROOT)
    bundle = root / "cartesia_widget" / "static" / "player.js"
    sources = [p for p in (root / "js").glob("*") if p.is_file()]
    newest = max((p.stat().st_mtime for p in sources), default=0.0)
    if bundle.exists() and bundle.stat().st_mtime >= newest:
        return
    npm = shutil.which("npm")
    if npm is None or not (root / "node_modules").exists():
        raise pytest.UsageError(
            f"{bundle} is missing or older than js/: run `npm install && npm run build` "
            "(or reinstall with pip install -e .)."
        )
    subprocess.run([npm, "run", "build"], cwd=root, check=True, capture_output=True)


# ---------------------------------------------------------------- local TTS server
def _local_tools() -> SimpleNamespace:
    from cartesia import AsyncCartesia, Cartesia, DefaultAsyncHttpxClient, DefaultHttpxClient

    from cartesia_widget.local import DEFAULT_VOICE_ID

    ws_options: dict[str, Any] = {"proxy": None, "open_timeout": 5}

    def client(srv: Any, api_key: str | None = None) -> Cartesia:
        return Cartesia(
            api_key=api_key or srv.api_key,
            base_url=srv.base_url,
            websocket_base_url=srv.websocket_url,
            max_retries=0,
            http_client=DefaultHttpxClient(trust_env=False),
        )

    def aclient(srv: Any, api_key: str | None = None) -> AsyncCartesia:
        return AsyncCartesia(
            api_key=api_key or srv.api_key,
            base_url=srv.base_url,
            websocket_base_url=srv.websocket_url,
            max_retries=0,
            http_client=DefaultAsyncHttpxClient(trust_env=False),
        )

    def connect(c: Any, **kw: Any) -> Any:
        return c.tts.websocket_connect(websocket_connection_options=dict(ws_options), **kw)

    def fmt(encoding: str = "pcm_f32le", sample_rate: int = 44100) -> dict[str, Any]:
        return {"container": "raw", "encoding": encoding, "sample_rate": sample_rate}

    def context(conn: Any, **kw: Any) -> Any:
        kw.setdefault("model_id", "sonic-3")
        kw.setdefault("voice", DEFAULT_VOICE_ID)
        kw.setdefault("output_format", fmt())
        kw.setdefault("timeout", 10)
        return conn.context(**kw)

    def collect(ctx: Any) -> list[Any]:
        """All events of ``ctx`` (sync SDK), skipping other contexts' strays."""
        return [e for e in ctx.receive() if getattr(e, "context_id", None) == ctx._context_id]

    async def acollect(ctx: Any) -> list[Any]:
        return [e async for e in ctx.receive()]

    return SimpleNamespace(
        client=client,
        aclient=aclient,
        connect=connect,
        fmt=fmt,
        context=context,
        collect=collect,
        acollect=acollect,
        ws_options=ws_options,
        voice=DEFAULT_VOICE_ID,
    )


@pytest.fixture(scope="session")
def local_server() -> Iterator[Any]:
    """A LocalServer with default settings shared by the whole session."""
    from cartesia_widget.local import LocalServer

    with LocalServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def lt() -> SimpleNamespace:
    """Helpers to drive the real cartesia SDK against a LocalServer."""
    return _local_tools()


# ---------------------------------------------------------------- kernel side
ENV_VARS = (
    "CARTESIA_API_KEY",
    "CARTESIA_BASE_URL",
    "CARTESIA_WEBSOCKET_URL",
    "CARTESIA_WIDGET_EMBED",
)


@pytest.fixture(autouse=True)
def offline_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test speaks to the built-in offline server unless it configures otherwise."""
    import cartesia_widget
    from cartesia_widget import config

    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    config._overrides.clear()
    config._embed = None
    yield
    cartesia_widget.stop_all()
    config._overrides.clear()
    config._embed = None


@pytest.fixture
def comms() -> Any:
    """Record every comm message ipywidgets sends (see recording.py)."""
    import recording

    from cartesia_widget import engine

    recording.install()
    if not isinstance(engine.engine().comm, recording.RecordingComm):
        engine._engine = None  # made before the recording comm: the next one records
    with recording.RecordingComm.lock:
        recording.RecordingComm.log.clear()
    return recording.RecordingComm


@pytest.fixture(scope="session")
def shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "cartesia_widget")
    return sh


# ---------------------------------------------------------------- browser tests
@pytest.fixture(scope="module")
def lab() -> Iterator[Any]:
    """A JupyterLab server of the test module's own."""
    from browser import JupyterServer, require_chromium

    require_chromium()
    server = JupyterServer("lab").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    from browser import require_chromium
    from playwright.sync_api import sync_playwright

    require_chromium()

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """Chromium that may play audio without a user gesture."""
    from browser import launch

    b = launch(playwright, autoplay=True)
    yield b
    b.close()


@pytest.fixture
def pages() -> Iterator[list[Any]]:
    """Notebook pages opened by a test, closed after it."""
    opened: list[Any] = []
    yield opened
    for page in opened:
        page.close()


@pytest.fixture
def open_notebook(pages: list[Any]) -> Any:
    """open_notebook(browser, server, name, cells): write a notebook and open it."""
    from browser import NotebookPage, write_notebook

    def open_(browser: Any, server: Any, name: str, cells: list[str]) -> Any:
        write_notebook(server.root / name, cells)
        page = NotebookPage(browser, server, name)
        pages.append(page)
        return page

    return open_
