"""A real JupyterHub on this machine (configurable-http-proxy, DummyAuthenticator,
SimpleLocalProcessSpawner): two users log in with Chromium, and each one's %%speak plays
through the hub's proxy under /user/<name>/. Alice speaks with her own key, set in her
server's environment; the key appears in no page, no frame either browser received."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from browser import (
    AUTOPLAY,
    CHROMIUM,
    FLAGS,
    NotebookPage,
    free_port,
    streams,
    wait_until_served,
    write_notebook,
)

from cartesia_widget.local import LocalServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
PROXY = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
KEY = "sk-alice-" + secrets.token_hex(12)

CONFIG = """
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{root}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{root}/cookie_secret"
c.JupyterHub.pid_file = "{root}/hub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{root}/home/{{username}}"
c.Spawner.args = ["--allow-root"]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 90
c.Spawner.start_timeout = 90
c.Spawner.environment = {environment!r}
"""


class Hub:
    """`jupyterhub` on free loopback ports, in a directory of its own."""

    def __init__(self, root: Path, alice_server: LocalServer) -> None:
        self.root = root
        self.port = free_port()
        settings = root / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        environment = {
            "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        config = CONFIG.format(
            port=self.port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            proxy=str(PROXY),
            root=root,
            environment=environment,
        )
        # Alice's key and server are hers alone: set in her server's environment.
        config += (
            "def _alice(spawner):\n"
            "    return {} if spawner.user.name != 'alice' else {\n"
            f"        'CARTESIA_API_KEY': {KEY!r},\n"
            f"        'CARTESIA_BASE_URL': {alice_server.base_url!r},\n"
            f"        'CARTESIA_WEBSOCKET_URL': {alice_server.websocket_url!r},\n"
            "    }\n"
            "c.Spawner.pre_spawn_hook = lambda s: s.environment.update(_alice(s))\n"
        )
        (root / "jupyterhub_config.py").write_text(config)
        for user in ("alice", "bob"):
            (root / "home" / user).mkdir(parents=True)
        self.log = open(root / "hub.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(root / "jupyterhub_config.py")],
            cwd=root,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{self.port}/hub/api"
        wait_until_served("jupyterhub", url, self.proc, root / "hub.log", 90)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class UserServer:
    """What NotebookPage needs of a server: one user's JupyterLab behind the hub."""

    def __init__(self, hub: Hub, user: str) -> None:
        self.hub, self.user = hub, user
        self.root = hub.root / "home" / user

    def url(self, notebook: str) -> str:
        return f"http://127.0.0.1:{self.hub.port}/user/{self.user}/lab/tree/{notebook}"


class UserBrowser:
    """A browser context of one user (their cookies), where NotebookPage wants a browser."""

    def __init__(self, browser: Any, hub: Hub, user: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.frames: list[str] = []
        page = self.context.new_page()
        self.watch(page)
        page.goto(f"http://127.0.0.1:{hub.port}/hub/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", "any password")
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(f"**/user/{user}/lab**", timeout=120_000)
        page.close()

    def watch(self, page: Any) -> Any:
        """Keep every WebSocket frame the page receives, to look for the key."""
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda payload: self.frames.append(
                    payload if isinstance(payload, str) else payload.decode("latin-1")
                ),
            ),
        )
        return page

    def new_page(self, **_kwargs: Any) -> Any:
        return self.watch(self.context.new_page())


@pytest.fixture
def hub(tmp_path: Path):
    if not PROXY.exists():
        pytest.fail(f"{PROXY} is missing: run `npm install` (it is a devDependency)")
    with LocalServer(api_key=KEY) as alice_server:
        hub = Hub(tmp_path, alice_server)
        try:
            yield hub
        finally:
            hub.stop()


def test_two_users_speak_through_the_hub_and_the_key_stays_in_alices_kernel(playwright, hub):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*FLAGS, AUTOPLAY])
    try:
        heard = {}
        for user in ("alice", "bob"):
            cells = [
                "%load_ext cartesia_widget",
                f"%%speak\nHello, this is {user}, speaking through the hub.",
                "import os; print('KEYED', bool(os.environ.get('CARTESIA_API_KEY')))",
            ]
            write_notebook(hub.root / "home" / user / "speak.ipynb", cells)
            client = UserBrowser(browser, hub, user)
            nb = NotebookPage(client, UserServer(hub, user), "speak.ipynb")
            nb.run_all()
            nb.wait_js(
                "document.querySelector('.cw-player')?.textContent.startsWith('Played')",
                timeout=90,
                what=f"{user}'s speech to play",
            )
            (chunks,) = streams(nb.log()).values()
            heard[user] = {
                "seconds": sum(c["frames"] / c["sampleRate"] for c in chunks),
                "url": nb.page.url,
                "keyed": "KEYED True" in nb.outputs_text(),
                "notice": nb.players()[0]["text"],
                "html": nb.page.content(),
                "frames": client.frames,
            }
            nb.close()
        assert heard["alice"]["keyed"] and not heard["bob"]["keyed"]
        assert "Offline voice" in heard["bob"]["notice"]
        assert "Offline voice" not in heard["alice"]["notice"]  # her own (keyed) server
        for user, seen in heard.items():
            assert f"/user/{user}/" in seen["url"]
            assert seen["seconds"] > 1.5
            assert seen["frames"], "no WebSocket frame was seen"
            assert KEY not in seen["html"] and not any(KEY in f for f in seen["frames"])
    finally:
        browser.close()
