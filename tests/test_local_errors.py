"""Every client error yields an error event with context_id, title, message and status."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.sync.client import connect as ws_connect

from cartesia_widget.local import DEFAULT_VOICE_ID


def _check_error(ev, context_id: str, status: int, *needles: str) -> None:
    assert ev.type == "error", ev
    assert ev.context_id == context_id
    assert ev.status_code == status
    assert ev.done is True
    assert ev.title and ev.message and ev.error_code and ev.request_id
    text = f"{ev.title} {ev.message}".lower()
    for needle in needles:
        assert needle.lower() in text, text


def _single_error(lt, srv, push_text: str | None = "Hello there.", **ctx_kw):
    with lt.connect(lt.client(srv)) as conn:
        ctx = lt.context(conn, **ctx_kw)
        if push_text is not None:
            ctx.push(push_text)
        ctx.no_more_inputs()
        events = lt.collect(ctx)
        assert len(events) == 1, events
        # The connection survives the error.
        ok = lt.context(conn)
        ok.push("Fine.")
        ok.no_more_inputs()
        assert lt.collect(ok)[-1].type == "done"
        return events[0], ctx._context_id


@pytest.mark.parametrize("text", [None, "", "  ", "...!?"])
def test_empty_or_punctuation_first_transcript(lt, local_server, text) -> None:
    ev, cid = _single_error(lt, local_server, text)
    _check_error(ev, cid, 400, "transcript", "punctuation")


def test_unknown_voice(lt, local_server) -> None:
    ev, cid = _single_error(lt, local_server, voice="no-such-voice")
    _check_error(ev, cid, 404, "voice", "no-such-voice", DEFAULT_VOICE_ID)


def test_unknown_model(lt, local_server) -> None:
    ev, cid = _single_error(lt, local_server, model_id="gpt-voice-9")
    _check_error(ev, cid, 400, "model", "gpt-voice-9", "sonic-3")


@pytest.mark.parametrize("model", ["sonic", "sonic-2", "sonic-turbo", "sonic-3-2025-10-27"])
def test_known_models_accepted(lt, local_server, model) -> None:
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn, model_id=model)
        ctx.push("Okay.")
        ctx.no_more_inputs()
        assert lt.collect(ctx)[-1].type == "done"


@pytest.mark.parametrize(
    ("fmt", "needles"),
    [
        ({"container": "wav", "encoding": "pcm_s16le", "sample_rate": 16000}, ["container"]),
        ({"container": "mp3", "sample_rate": 44100, "bit_rate": 128000}, ["container", "raw"]),
        (
            {"container": "raw", "encoding": "pcm_s24le", "sample_rate": 16000},
            ["encoding", "pcm_mulaw"],
        ),
        (
            {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 12345},
            ["sample rate", "8000", "16000", "22050", "24000", "44100", "48000"],
        ),
    ],
)
def test_unsupported_output_format(lt, local_server, fmt, needles) -> None:
    ev, cid = _single_error(lt, local_server, output_format=fmt)
    _check_error(ev, cid, 400, *needles)


def test_input_on_completed_context(lt, local_server) -> None:
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn, context_id="reused-ctx")
        ctx.push("Done soon.")
        ctx.no_more_inputs()
        assert lt.collect(ctx)[-1].type == "done"
        again = lt.context(conn, context_id="reused-ctx")
        again.push("More text.")
        events = lt.collect(again)
    assert len(events) == 1
    _check_error(events[0], "reused-ctx", 400, "completed", "new context")


def test_missing_fields_via_raw_send(lt, local_server) -> None:
    with lt.connect(lt.client(local_server)) as conn:
        ctx = lt.context(conn, context_id="bare")
        conn.send({"context_id": "bare", "transcript": "Hi there.", "continue": False})
        events = lt.collect(ctx)
    _check_error(events[0], "bare", 400, "model_id", "voice", "output_format")


def test_async_sdk_sees_error_event(lt, local_server) -> None:
    async def main():
        async with lt.connect(lt.aclient(local_server)) as conn:
            ctx = lt.context(conn, voice="missing-voice")
            await ctx.push("Hello.")
            return await lt.acollect(ctx), ctx._context_id

    events, cid = asyncio.run(main())
    _check_error(events[-1], cid, 404, "voice")


def _raw(srv):
    url = f"{srv.websocket_url}/tts/websocket?api_key={srv.api_key}&cartesia_version=2026-08-14"
    return ws_connect(url, proxy=None, open_timeout=5)


def _request(cid: str, text: str, cont: bool = False) -> str:
    return json.dumps(
        {
            "context_id": cid,
            "model_id": "sonic-3",
            "transcript": text,
            "voice": DEFAULT_VOICE_ID,
            "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000},
            "continue": cont,
        }
    )


def test_malformed_frames_do_not_kill_other_contexts(local_server) -> None:
    with _raw(local_server) as ws:
        ws.send(_request("good", "This context keeps streaming while junk arrives. ", True))
        ws.send("{this is not json")
        ws.send('{"context_id": "half", "transcript": ')
        ws.send("[1, 2, 3]")
        ws.send(json.dumps({"transcript": "no id"}))
        ws.send(b"\x00\x01binary")
        ws.send(_request("good", "The end.", False))
        errors, good = [], []
        while not (good and good[-1]["type"] == "done"):
            ev = json.loads(ws.recv(timeout=10))
            (errors if ev["type"] == "error" else good).append(ev)
        while len(errors) < 5:
            errors.append(json.loads(ws.recv(timeout=10)))
    assert all(e["type"] == "error" for e in errors)
    ids = sorted(e["context_id"] for e in errors)
    assert ids == ["", "", "", "", "half"]
    for e in errors:
        assert e["status_code"] == 400 and e["done"] is True and e["title"] and e["message"]
    assert any("json" in e["message"].lower() for e in errors)
    assert sum(1 for e in good if e["type"] == "chunk") > 20
    assert all(e["context_id"] == "good" for e in good)
