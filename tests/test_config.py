"""Backend resolution: URLs, keys and the offline default."""

from __future__ import annotations

import pytest

from cartesia_widget.config import ConfigError, configure, resolve_backend, websocket_url_for


@pytest.mark.parametrize(
    ("base", "ws"),
    [
        ("https://api.cartesia.ai", "wss://api.cartesia.ai"),
        ("http://127.0.0.1:8765/", "ws://127.0.0.1:8765"),
        ("https://proxy.example/user/alice/cartesia/", "wss://proxy.example/user/alice/cartesia"),
        ("ws://host:1", "ws://host:1"),
    ],
)
def test_websocket_url_is_derived_from_the_base_url(base, ws):
    assert websocket_url_for(base) == ws


def test_a_base_url_without_a_scheme_says_what_to_write():
    with pytest.raises(ConfigError, match="must start with http:// or https://"):
        websocket_url_for("api.cartesia.ai")


def test_configure_overrides_the_environment_and_empty_forgets(monkeypatch):
    monkeypatch.setenv("CARTESIA_API_KEY", "from-env")
    monkeypatch.setenv("CARTESIA_BASE_URL", "https://env.example")
    configure(api_key="from-code")
    backend = resolve_backend()
    assert backend.api_key == "from-code" and backend.base_url == "https://env.example"
    assert "from-code" not in repr(backend)
    configure(api_key="")
    assert resolve_backend().api_key == "from-env"


def test_no_key_and_no_url_means_the_offline_server():
    backend = resolve_backend()
    assert backend.offline and backend.loopback
    assert backend.default_voice != ""
