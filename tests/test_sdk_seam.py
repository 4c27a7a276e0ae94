"""The seam to the cartesia SDK: what it relies on exists, and nothing else reaches in."""

from __future__ import annotations

import re
from pathlib import Path

import cartesia_widget
from cartesia_widget import sdk
from cartesia_widget.config import resolve_backend

PACKAGE = Path(cartesia_widget.__file__).parent


def open_connection(local_server) -> sdk.Connection:  # noqa: ANN001 - a LocalServer
    from cartesia_widget.config import Backend

    backend = Backend(
        base_url=local_server.base_url,
        websocket_url=local_server.websocket_url,
        api_key=local_server.api_key,
        default_voice="",
    )
    return sdk.Connection(backend)


def test_the_private_sdk_attributes_the_seam_uses_still_exist(local_server):
    """Fails loudly when an SDK upgrade renames what sdk.py reads."""
    conn = open_connection(local_server)
    try:
        for name in sdk.PRIVATE_ATTRIBUTES:
            assert hasattr(conn.conn, name), f"cartesia SDK no longer has {name}"
        assert isinstance(conn.conn._context_queues, dict)
        assert conn.open
        ctx = conn.context("our-id", model_id="sonic-3", voice="v")
        assert "our-id" in conn.conn._context_queues  # the SDK took our context id
        del ctx
    finally:
        conn.close()
    assert not conn.open


def test_the_warm_up_exercises_what_the_first_audio_would_pay_for(local_server):
    """`Connection.warm` parses a canned chunk event and transforms a canned request:
    they must stay what the SDK reads as a chunk and sends as a generation request, and
    warming must leave the connection open with no context registered."""
    conn = open_connection(local_server)
    try:
        conn.warm()
        event = conn.conn.parse_event(sdk.WARM_UP_EVENT)
        assert (event.type, event.context_id, event.data) == ("chunk", "warm-up", "")
        request = sdk.maybe_transform(sdk.WARM_UP_REQUEST, sdk.WebsocketClientEventParam)
        assert request == sdk.WARM_UP_REQUEST
        assert conn.conn._context_queues == {}
        assert conn.open
    finally:
        conn.close()


def test_no_module_but_the_seam_imports_the_sdk_or_its_private_attributes():
    offenders = []
    private = "|".join(re.escape(name) for name in sdk.PRIVATE_ATTRIBUTES)
    for path in PACKAGE.rglob("*.py"):
        if path.name == "sdk.py" and path.parent == PACKAGE:
            continue
        source = path.read_text()
        if re.search(r"^\s*(import|from)\s+cartesia\b", source, re.M):
            offenders.append(f"{path.name} imports cartesia")
        if re.search(rf"\.({private}|_context_id)\b", source):
            offenders.append(f"{path.name} reads a private SDK attribute")
    assert offenders == []


def test_options_become_context_parameters():
    options = cartesia_widget.options.validate(
        {"speed": 1.1, "emotion": "calm", "language": "fr", "encoding": "pcm_s16le"}
    )
    params = sdk.context_params(options, "voice-id")
    assert params == {
        "model_id": "sonic-3",
        "voice": "voice-id",
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 44100},
        "language": "fr",
        "add_timestamps": None,
        "generation_config": {"speed": 1.1, "emotion": "calm"},
    }


def test_rest_client_lists_the_offline_voices():
    client = sdk.rest_client(resolve_backend())
    assert len(list(client.voices.list(limit=100))) >= 8
