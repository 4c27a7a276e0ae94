"""Where speech comes from: Cartesia, another compatible server, or the built-in offline one.

Resolution order, per setting: `configure(...)`, then the environment
(`CARTESIA_API_KEY`, `CARTESIA_BASE_URL`, `CARTESIA_WEBSOCKET_URL`), then the
embedded offline server (started on first use when neither a key nor a URL is set).
`embed` (keep each utterance's recording in the notebook) comes from `configure`
or `CARTESIA_WIDGET_EMBED=1`, so a docs build can turn it on without editing notebooks.
The API key lives only in the kernel: it is never put in widget state, a
message to the browser, a log line or an error text (`Backend.__repr__` masks it).
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from .options import CARTESIA_DEFAULT_VOICE

CARTESIA_BASE_URL = "https://api.cartesia.ai"

#: What the players say while the built-in server speaks, by the engine of its default voice.
OFFLINE_NOTICES = {
    "neural": "Offline voice (neural, built in): set CARTESIA_API_KEY to speak with Cartesia.",
    "espeak": "Offline voice (espeak-ng, built in): set CARTESIA_API_KEY to speak with Cartesia.",
}


@dataclass(frozen=True)
class Backend:
    """A Cartesia-compatible server and the credentials to use it."""

    base_url: str
    websocket_url: str
    api_key: str = field(repr=False)
    default_voice: str
    #: True for the built-in offline server.
    offline: bool = False
    #: What players show while this backend speaks ("" for Cartesia's own).
    notice: str = ""

    def __repr__(self) -> str:
        kind = "offline" if self.offline else "remote"
        return f"Backend({kind}, base_url={self.base_url!r}, api_key=***)"

    @property
    def loopback(self) -> bool:
        """True when the server is on this machine (proxies must then be bypassed)."""
        host = urlsplit(self.base_url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


class ConfigError(ValueError):
    """The configuration cannot work; the message says what to change."""


_overrides: dict[str, str | None] = {}
_embed: bool | None = None  # configure(embed=...); None: the environment decides
_lock = threading.Lock()
_offline_server = None  # the embedded LocalServer, once started


def configure(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    websocket_url: str | None = None,
    embed: bool | None = None,
) -> None:
    """Set the key and/or server URLs for this kernel (overrides the environment).

    Pass `""` to forget a value set earlier (the environment applies again).
    Utterances already running keep their connection; the next one uses the new settings.
    `embed=True` keeps every utterance's recording in the notebook (see `speak`).
    """
    global _embed
    if embed is not None:
        if not isinstance(embed, bool):
            raise ConfigError(f"embed must be True or False, got {embed!r}.")
        _embed = embed
    with _lock:
        for name, value in (
            ("api_key", api_key),
            ("base_url", base_url),
            ("websocket_url", websocket_url),
        ):
            if value == "":
                _overrides.pop(name, None)
            elif value is not None:
                _overrides[name] = value


def embed_default() -> bool:
    """Whether utterances keep their recording in the notebook unless told otherwise."""
    if _embed is not None:
        return _embed
    return os.environ.get("CARTESIA_WIDGET_EMBED", "").lower() in ("1", "true", "yes")


def websocket_url_for(base_url: str) -> str:
    """Derive the WebSocket base URL from a REST base URL (http→ws, https→wss)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        raise ConfigError(
            f"CARTESIA_BASE_URL must start with http:// or https://, got {base_url!r}."
        )
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _setting(name: str, env: str) -> str | None:
    if name in _overrides:
        return _overrides[name]
    return os.environ.get(env) or None


def resolve_backend() -> Backend:
    """The backend the next utterance will use (starts the offline server if needed)."""
    with _lock:
        key = _setting("api_key", "CARTESIA_API_KEY")
        base = _setting("base_url", "CARTESIA_BASE_URL")
        ws = _setting("websocket_url", "CARTESIA_WEBSOCKET_URL")
        if key is None and base is None and ws is None:
            return _offline_backend()
    if key is None:
        raise ConfigError(
            "A server URL is set (CARTESIA_BASE_URL or CARTESIA_WEBSOCKET_URL) but no API key: "
            "set CARTESIA_API_KEY (any value if that server needs none), or unset the URL "
            "to use the offline voice."
        )
    base = (base or CARTESIA_BASE_URL).rstrip("/")
    return Backend(
        base_url=base,
        websocket_url=(ws or websocket_url_for(base)).rstrip("/"),
        api_key=key,
        default_voice=CARTESIA_DEFAULT_VOICE,
    )


def _offline_backend() -> Backend:
    global _offline_server
    from .local import DEFAULT_VOICE_ID, LocalServer

    if _offline_server is None:
        _offline_server = LocalServer().start()
        atexit.register(_offline_server.stop)
    return Backend(
        base_url=_offline_server.base_url,
        websocket_url=_offline_server.websocket_url,
        api_key=_offline_server.api_key,
        default_voice=DEFAULT_VOICE_ID,
        offline=True,
        notice=OFFLINE_NOTICES[_offline_server.default_engine],
    )
