"""REST endpoints and authentication through the real SDK."""

from __future__ import annotations

import asyncio
import io
import struct
import wave

import cartesia
import numpy as np
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from cartesia_widget.local import DEFAULT_VOICE_ID, VOICES
from cartesia_widget.pcm import BYTES_PER_SAMPLE, ENCODINGS, decode


def test_status(lt, local_server) -> None:
    status = lt.client(local_server).get_status()
    assert status.ok is True and status.version == "2026-08-14"


def test_voice_pagination_terminates(lt, local_server) -> None:
    client = lt.client(local_server)
    voices = list(client.voices.list(limit=2))
    assert [v.id for v in voices] == [v.id for v in VOICES]
    assert len({v.id for v in voices}) == len(VOICES) >= 6
    page = client.voices.list(limit=3)
    assert page.has_more is True and page.next_page == page.data[-1].id
    empty = client.voices.list(limit=3, starting_after=VOICES[-1].id)
    assert empty.data == [] and empty.has_more is False
    back = client.voices.list(limit=2, ending_before=VOICES[4].id)
    assert [v.id for v in back.data] == [VOICES[2].id, VOICES[3].id]
    for v in voices:
        assert v.gender in ("masculine", "feminine", "gender_neutral")
        assert v.locales and v.locales[0].is_native and v.created_at and v.description


def test_voice_search_and_gender(lt, local_server) -> None:
    client = lt.client(local_server)
    french = list(client.voices.list(q="french"))
    assert [v.language for v in french] == ["fr"]
    assert {v.id for v in client.voices.list(q="fr")} >= {french[0].id}
    fem = list(client.voices.list(gender="feminine"))
    assert fem and all(v.gender == "feminine" for v in fem)
    assert list(client.voices.list(q="zzz-nothing")) == []


def test_get_voice_and_404(lt, local_server) -> None:
    client = lt.client(local_server)
    v = client.voices.get(DEFAULT_VOICE_ID)
    assert v.id == DEFAULT_VOICE_ID and v.language == "en" and "US English" in v.description
    with pytest.raises(cartesia.NotFoundError) as exc:
        client.voices.get("does-not-exist")
    assert exc.value.status_code == 404


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_generate_raw(lt, local_server, encoding) -> None:
    resp = lt.client(local_server).tts.generate(
        model_id="sonic-3",
        transcript="Bytes over plain HTTP.",
        voice={"mode": "id", "id": DEFAULT_VOICE_ID},
        output_format={"container": "raw", "encoding": encoding, "sample_rate": 24000},
    )
    data = resp.read()
    assert len(data) % BYTES_PER_SAMPLE[encoding] == 0
    x = decode(data, encoding)
    assert 0.8 < len(x) / 24000 < 4 and np.sqrt(np.mean(x**2)) > 0.02


def test_generate_wav(lt, local_server) -> None:
    data = (
        lt.client(local_server)
        .tts.generate(
            model_id="sonic-3",
            transcript="A proper wave file.",
            voice=DEFAULT_VOICE_ID,
            output_format={"container": "wav", "encoding": "pcm_s16le", "sample_rate": 16000},
        )
        .read()
    )
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        frames = w.readframes(w.getnframes())
        assert 0.8 < w.getnframes() / 16000 < 4
    x = np.frombuffer(frames, "<i2") / 32768
    assert np.sqrt(np.mean(x**2)) > 0.02
    for enc, tag in (("pcm_f32le", 3), ("pcm_mulaw", 7), ("pcm_alaw", 6)):
        data = (
            lt.client(local_server)
            .tts.generate(
                model_id="sonic-3",
                transcript="Other encodings.",
                voice=DEFAULT_VOICE_ID,
                output_format={"container": "wav", "encoding": enc, "sample_rate": 8000},
            )
            .read()
        )
        fmt_tag, channels, rate = struct.unpack("<HHI", data[20:28])
        assert data[:4] == b"RIFF" and (fmt_tag, channels, rate) == (tag, 1, 8000)
        assert struct.unpack("<I", data[40:44])[0] == len(data) - 44


def test_generate_errors(lt, local_server) -> None:
    client = lt.client(local_server)
    with pytest.raises(cartesia.BadRequestError) as exc:
        client.tts.generate(
            model_id="sonic-3",
            transcript="x",
            voice=DEFAULT_VOICE_ID,
            output_format={"container": "raw", "encoding": "pcm_s16le", "sample_rate": 1234},
        )
    assert "48000" in str(exc.value.body)
    with pytest.raises(cartesia.BadRequestError):
        client.tts.generate(
            model_id="sonic-3",
            transcript="x",
            voice=DEFAULT_VOICE_ID,
            output_format={"container": "mp3", "sample_rate": 44100, "bit_rate": 128000},
        )
    with pytest.raises(cartesia.NotFoundError):
        client.tts.generate(
            model_id="sonic-3",
            transcript="Hello.",
            voice="nope",
            output_format={"container": "raw", "encoding": "pcm_s16le", "sample_rate": 8000},
        )


def test_rest_auth(lt, local_server) -> None:
    with pytest.raises(cartesia.AuthenticationError):
        lt.client(local_server, api_key="wrong").voices.get(DEFAULT_VOICE_ID)
    import httpx

    with httpx.Client(trust_env=False) as h:
        r = h.get(f"{local_server.base_url}/voices", headers={"X-API-Key": local_server.api_key})
        assert r.status_code == 200 and r.json()["data"]
        r = h.get(f"{local_server.base_url}/voices")
        assert r.status_code == 401 and r.json()["message"]


def _say(lt, conn) -> str:
    ctx = lt.context(conn)
    ctx.push("Authenticated.")
    ctx.no_more_inputs()
    return lt.collect(ctx)[-1].type


def test_websocket_auth_forms(lt, local_server) -> None:
    srv = local_server
    key = srv.api_key
    # Bearer (the SDK default).
    with lt.connect(lt.client(srv)) as conn:
        assert _say(lt, conn) == "done"
    # X-API-Key (the Bearer key is wrong).
    with lt.connect(lt.client(srv, "bad"), extra_headers={"X-API-Key": key}) as c:
        assert _say(lt, c) == "done"
    # ?api_key=
    with lt.connect(lt.client(srv, "bad"), extra_query={"api_key": key}) as c:
        assert _say(lt, c) == "done"
    # ?access_token= from POST /access-token, plus version in the query.
    token = lt.client(srv).access_token.create(grants={"tts": True}, expires_in=60).token
    assert token and token != key
    q = {"access_token": token, "cartesia_version": "2026-08-14"}
    with lt.connect(lt.client(srv, "bad"), extra_query=q) as c:
        assert _say(lt, c) == "done"
    # Wrong key: 401 at the handshake.
    with pytest.raises(InvalidStatus) as exc, lt.connect(lt.client(srv, "wrong-key")) as c:
        pass
    assert exc.value.response.status_code == 401


def test_websocket_version_rules(local_server) -> None:
    base = f"{local_server.websocket_url}/tts/websocket?api_key={local_server.api_key}"
    with pytest.raises(InvalidStatus) as exc:
        ws_connect(base, proxy=None, open_timeout=5)
    assert exc.value.response.status_code == 400
    with ws_connect(base + "&cartesia_version=2026-08-14", proxy=None, open_timeout=5) as ws:
        ws.ping().wait(5)
    # Duplicate headers are tolerated.
    hdrs = [("Cartesia-Version", "2025-04-16"), ("cartesia-version", "2026-08-14")]
    with ws_connect(base, proxy=None, open_timeout=5, additional_headers=hdrs) as ws:
        ws.ping().wait(5)


def test_async_rest(lt, local_server) -> None:
    async def main():
        client = lt.aclient(local_server)
        voices = [v async for v in client.voices.list(limit=3)]
        resp = await client.tts.generate(
            model_id="sonic-3",
            transcript="Async bytes.",
            voice=DEFAULT_VOICE_ID,
            output_format={"container": "raw", "encoding": "pcm_s16le", "sample_rate": 8000},
        )
        return voices, await resp.read()

    voices, data = asyncio.run(main())
    assert len(voices) == len(VOICES) and len(data) > 8000


def test_cli_entry_point(lt) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cartesia_widget.local", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        base = lines[1].split("=")[1].strip()
        ws = lines[2].split("=")[1].strip()
        key = lines[3].split("=")[1].strip()
        assert base.startswith("http://127.0.0.1:") and ws.startswith("ws://127.0.0.1:")
        srv = type("S", (), {"api_key": key, "base_url": base, "websocket_url": ws})()
        assert lt.client(srv).get_status().ok
        with lt.connect(lt.client(srv)) as conn:
            assert _say(lt, conn) == "done"
    finally:
        proc.terminate()
        proc.wait(10)
