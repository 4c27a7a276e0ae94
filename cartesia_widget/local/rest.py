"""The REST endpoints: ``/``, ``/voices``, ``/voices/{id}``, ``/tts/bytes``, ``/access-token``.

Owns ``Rest``: one aiohttp handler per endpoint, every one behind the API-key check (and
the API-version check when a version is given), and ``routes()`` to mount them. Handlers
run on the server's asyncio loop; ``/tts/bytes`` renders on the render executor's threads,
and a large body is parsed there too (its transcript tags are all checked before any audio).
A body must arrive within the HTTP idle timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from ..pcm import wav_header
from . import errors
from .auth import MAX_TOKEN_SECONDS, Auth
from .catalogue import VOICES, LocalVoice, find_voice
from .errors import API_VERSION, ProtocolError, error_response
from .render import Rendered, Renderer, in_executor, off_loop
from .settings import GenerationSettings, parse_settings, require_transcript
from .tags import check
from .transcript import TextBuffer
from .version import check_version

__all__ = ["Rest"]

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_ORDER = {v.id: i for i, v in enumerate(VOICES)}
_CONTENT_TYPES = {"wav": "audio/wav"}


class Rest:
    """The REST API of a ``LocalServer`` (``auth`` decides who may call it; a request body
    must arrive within ``body_timeout`` seconds; ``neural``: the neural engine is on)."""

    def __init__(self, auth: Auth, body_timeout: float = 60.0, neural: bool = False) -> None:
        self.auth = auth
        self.body_timeout = body_timeout
        self.neural = neural

    def routes(self) -> list[web.RouteDef]:
        guard = self._guard
        return [
            web.get("/", guard(self.status)),
            web.get("/voices", guard(self.list_voices)),
            web.get("/voices/", guard(self.list_voices)),
            web.get("/voices/{voice_id}", guard(self.get_voice)),
            web.post("/tts/bytes", guard(self.tts_bytes)),
            web.post("/access-token", guard(self.access_token)),
        ]

    def _guard(self, handler: _Handler) -> _Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not self.auth.authorized(request):
                return error_response(errors.unauthorized())
            try:
                check_version(request, required=False)
            except ProtocolError as err:
                return error_response(err)
            return await handler(request)

        return guarded

    async def status(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "version": API_VERSION})

    async def access_token(self, request: web.Request) -> web.Response:
        expires_in = MAX_TOKEN_SECONDS
        with contextlib.suppress(Exception):
            body = await request.json()
            if isinstance(body, dict) and isinstance(body.get("expires_in"), int):
                expires_in = max(1, min(MAX_TOKEN_SECONDS, body["expires_in"]))
        return web.json_response({"token": self.auth.issue_token(expires_in)})

    async def list_voices(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            limit = _limit(q)
            after, before = _cursors(q)
        except ProtocolError as err:
            return error_response(err)
        voices = _filter_voices(q)
        if after:
            voices = [v for v in voices if _ORDER[v.id] > _ORDER[after]]
        if before:
            voices = [v for v in voices if _ORDER[v.id] < _ORDER[before]]
            page = voices[-limit:]
        else:
            page = voices[:limit]
        has_more = len(voices) > limit
        expand = "preview_file_url" in q.getall("expand[]", []) + q.getall("expand", [])
        return web.json_response(
            {
                "data": [v.to_json(expand_preview=expand, neural=self.neural) for v in page],
                "has_more": has_more,
                "next_page": page[-1].id if has_more and page else None,
            }
        )

    async def get_voice(self, request: web.Request) -> web.Response:
        voice_id = request.match_info["voice_id"]
        voice = find_voice(voice_id)
        if voice is None:
            return error_response(errors.voice_not_found(voice_id))
        return web.json_response(voice.to_json(neural=self.neural))

    async def tts_bytes(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await self._body(request)
            settings, segments = await off_loop(len(body), _prepare_tts, body, self.neural)
        except ProtocolError as err:
            return error_response(err)
        audio = _render(Renderer(settings), segments)
        ctype = _CONTENT_TYPES.get(settings.container, "application/octet-stream")
        if settings.container == "wav":
            return web.Response(body=await _wav(settings, audio), content_type=ctype)
        resp = web.StreamResponse(headers={"Content-Type": ctype})
        await resp.prepare(request)
        async for r in audio:
            await resp.write(r.audio)
        await resp.write_eof()
        return resp

    async def _body(self, request: web.Request) -> bytes:
        try:
            return await asyncio.wait_for(request.read(), self.body_timeout)
        except asyncio.TimeoutError:
            raise errors.body_timeout(self.body_timeout) from None


# ------------------------------------------------------------------ /voices
def _limit(q: Mapping[str, str]) -> int:
    try:
        limit = int(q.get("limit", "10"))
    except ValueError:
        limit = -1
    if not 1 <= limit <= 100:
        raise errors.invalid_limit()
    return limit


def _cursors(q: Mapping[str, str]) -> tuple[str | None, str | None]:
    after, before = q.get("starting_after"), q.get("ending_before")
    for cursor in (after, before):
        if cursor and cursor not in _ORDER:
            raise errors.invalid_cursor(cursor)
    return after, before


def _filter_voices(q: Mapping[str, str]) -> list[LocalVoice]:
    voices = list(VOICES)
    text = (q.get("q") or "").strip().lower()
    if text:
        voices = [v for v in voices if _matches(v, text)]
    gender = q.get("gender")
    if gender:
        voices = [v for v in voices if v.gender == gender]
    if q.get("is_owner", "").lower() == "true":
        voices = []
    return voices


def _matches(voice: LocalVoice, text: str) -> bool:
    fields = (voice.name, voice.description, voice.language, voice.locale)
    return any(text in f.lower() for f in fields)


# ------------------------------------------------------------------ /tts/bytes
def _prepare_tts(raw: bytes, neural: bool) -> tuple[GenerationSettings, list[str]]:
    """The settings and text segments of a ``/tts/bytes`` body (``ProtocolError`` if bad)."""
    try:
        body: Any = json.loads(raw)
    except RecursionError:
        raise errors.json_too_deep() from None
    except ValueError:
        raise errors.malformed_body() from None
    if not isinstance(body, dict):
        raise errors.body_not_object()
    settings = parse_settings(body, websocket=False, neural=neural)
    transcript = require_transcript(body.get("transcript"))
    check(transcript)
    buf = TextBuffer()
    buf.add(transcript)
    return settings, buf.take_all()


async def _render(renderer: Renderer, segments: list[str]) -> AsyncIterator[Rendered]:
    """Each segment rendered on the executor, then the renderer's tail."""
    for seg in segments:
        yield await in_executor(renderer.render, seg)
    yield renderer.flush()


async def _wav(settings: GenerationSettings, audio: AsyncIterator[Rendered]) -> bytes:
    parts: list[bytes] = []
    n = 0
    async for r in audio:
        parts.append(r.audio)
        n += r.n_samples
    return wav_header(settings.encoding, settings.sample_rate, n) + b"".join(parts)
