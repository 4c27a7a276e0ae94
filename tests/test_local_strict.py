"""Strict request types, as on a real API: booleans, ranges, buffer delay and API versions."""

from __future__ import annotations

import json
import math

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from cartesia_widget.local import DEFAULT_VOICE_ID
from cartesia_widget.local.settings import parse_settings
from cartesia_widget.local.version import SUPPORTED_VERSIONS

FMT = {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}


def _request(cid: str, text: str = "Hello there.", **fields) -> dict:
    base = {"context_id": cid, "model_id": "sonic-3", "transcript": text, "voice": DEFAULT_VOICE_ID}
    return {**base, "output_format": FMT, "continue": False, **fields}


def _answer(srv, *frames: dict) -> list[dict]:
    """The events of the last frame's context, after sending ``frames`` on one connection."""
    url = f"{srv.websocket_url}/tts/websocket?api_key={srv.api_key}&cartesia_version=2026-08-14"
    cid = frames[-1]["context_id"]
    with ws_connect(url, proxy=None, open_timeout=5) as ws:
        for frame in frames:
            ws.send(json.dumps(frame))
        events: list[dict] = []
        while not events or not events[-1]["done"]:
            ev = json.loads(ws.recv(timeout=10))
            if ev["context_id"] == cid:
                events.append(ev)
        return events


def _only_error(events: list[dict], *needles: str) -> dict:
    assert [e["type"] for e in events] == ["error"], events
    err = events[0]
    assert err["status_code"] == 400 and err["done"] is True
    text = f"{err['title']} {err['message']}"
    for needle in needles:
        assert needle in text, text
    return err


@pytest.mark.parametrize("field", ["continue", "flush", "add_timestamps", "cancel"])
@pytest.mark.parametrize("value", ["false", 0, 1, "true", [], {}])
def test_flags_must_be_json_booleans(local_server, field, value) -> None:
    events = _answer(local_server, _request(f"flag-{field}", **{field: value}))
    _only_error(events, field, "true or false")


def test_string_continue_on_an_open_context_ends_it_with_an_error(local_server) -> None:
    opened = _request("open", "Some text", **{"continue": True})
    events = _answer(local_server, opened, {**opened, "transcript": "", "continue": "false"})
    assert events[-1]["type"] == "error" and "continue" in events[-1]["message"]


def test_null_flags_read_as_false(local_server) -> None:
    events = _answer(local_server, _request("nulls", flush=None, add_timestamps=None))
    assert events[-1]["type"] == "done"
    assert not any(e["type"] in ("timestamps", "flush_done") for e in events)


@pytest.mark.parametrize(
    ("config", "needles"),
    [
        ({"speed": -5}, ["speed", "0.6", "1.5"]),
        ({"speed": 99}, ["speed", "0.6", "1.5"]),
        ({"speed": math.nan}, ["speed", "0.6", "1.5"]),
        ({"volume": 99}, ["volume", "0.5", "2"]),
        ({"volume": -5}, ["volume", "0.5", "2"]),
        ({"volume": math.inf}, ["volume", "0.5", "2"]),
    ],
)
def test_out_of_range_speed_and_volume_are_errors(local_server, config, needles) -> None:
    events = _answer(local_server, _request("range", generation_config=config))
    _only_error(events, *needles)


def test_legacy_numeric_speed_out_of_range(local_server) -> None:
    _only_error(_answer(local_server, _request("legacy", speed=3)), "speed", "1.5")


@pytest.mark.parametrize("delay", [-1, 5001, 2.5, "300", True, math.nan])
def test_buffer_delay_must_be_an_integer_from_0_to_5000(local_server, delay) -> None:
    events = _answer(local_server, _request("delay", max_buffer_delay_ms=delay))
    _only_error(events, "max_buffer_delay_ms", "0 to 5000")


@pytest.mark.parametrize("delay", [0, 5000, 300.0])
def test_buffer_delay_bounds_are_accepted(local_server, delay) -> None:
    assert _answer(local_server, _request("delay-ok", max_buffer_delay_ms=delay))[-1]["type"] == (
        "done"
    )


def test_settings_defaults_and_exact_values() -> None:
    req = _request("defaults")
    settings = parse_settings(req, websocket=True)
    assert settings.max_buffer_delay_ms == 3000  # Cartesia's default buffer delay
    assert (settings.speed, settings.volume) == (1.0, 1.0)
    edge = parse_settings(
        {**req, "max_buffer_delay_ms": 0, "generation_config": {"speed": 0.6, "volume": 2.0}},
        websocket=True,
    )
    assert (edge.max_buffer_delay_ms, edge.speed, edge.volume) == (0, 0.6, 2.0)


# ------------------------------------------------------------------ API versions
def _handshake(srv, query: str = "", headers=None):
    url = f"{srv.websocket_url}/tts/websocket?api_key={srv.api_key}{query}"
    return ws_connect(url, proxy=None, open_timeout=5, additional_headers=headers)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_documented_versions_are_accepted(local_server, version) -> None:
    with _handshake(local_server, f"&cartesia_version={version}") as ws:
        ws.ping().wait(5)


def test_supported_versions_include_the_sdk_and_documented_ones() -> None:
    for version in ("2024-06-10", "2024-11-13", "2025-04-16", "2025-11-04", "2026-03-01"):
        assert version in SUPPORTED_VERSIONS
    assert SUPPORTED_VERSIONS[-1] == "2026-08-14"  # what cartesia 4.2 sends


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("&cartesia_version=2099-01-01", None),
        ("", [("Cartesia-Version", "2023-01-01")]),
        ("", [("cartesia-version", "latest")]),
        ("&cartesia_version=2024-06-11", [("cartesia-version", "2026-08-14")]),  # query wins
    ],
)
def test_unknown_versions_are_refused_with_the_supported_list(local_server, query, headers) -> None:
    with pytest.raises(InvalidStatus) as exc, _handshake(local_server, query, headers):
        pass
    response = exc.value.response
    assert response.status_code == 400
    body = json.loads(response.body)
    assert body["error_code"] == "unsupported_version"
    assert all(v in body["message"] for v in SUPPORTED_VERSIONS)


def test_rest_checks_a_given_version(local_server) -> None:
    headers = {"X-API-Key": local_server.api_key}
    with httpx.Client(trust_env=False) as http:
        ok = http.get(f"{local_server.base_url}/voices", headers=headers)
        assert ok.status_code == 200  # no version: accepted, as before
        bad = http.get(
            f"{local_server.base_url}/voices", headers={**headers, "Cartesia-Version": "2030-01-01"}
        )
        assert bad.status_code == 400 and "2026-08-14" in bad.json()["message"]
