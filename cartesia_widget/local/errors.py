"""The error catalogue of the local server: every error a client can receive, by name.

Owns ``ProtocolError``, one constructor per error the server sends, and the two ways an
error is shown: an ``error`` event on the WebSocket (``error_event``) or a JSON body with
an HTTP status (``error_response``; ``handshake_rejected`` for an injected refusal). Also
owns ``API_VERSION``, the Cartesia-Version the server reports and suggests. Pure
functions: called from the server's asyncio loop.
"""

from __future__ import annotations

import reprlib
import uuid
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from ..pcm import ENCODINGS, SAMPLE_RATES

__all__ = ["API_VERSION", "ProtocolError", "error_event", "error_response", "handshake_rejected"]

API_VERSION = "2026-08-14"


class ProtocolError(Exception):
    """A client error that becomes an ``error`` event or a JSON error response."""

    def __init__(self, status_code: int, error_code: str, title: str, message: str) -> None:
        super().__init__(f"{title}: {message}")
        self.status_code = status_code
        self.error_code = error_code
        self.title = title
        self.message = message

    def to_json(self) -> dict[str, Any]:
        return {
            "status_code": self.status_code,
            "error_code": self.error_code,
            "title": self.title,
            "message": self.message,
            "request_id": str(uuid.uuid4()),
        }


def error_event(context_id: str, err: ProtocolError) -> dict[str, Any]:
    """The WebSocket ``error`` event for ``err`` on ``context_id`` (``""`` for none)."""
    return {"type": "error", "context_id": context_id, "done": True, **err.to_json()}


def error_response(err: ProtocolError) -> web.Response:
    """The JSON HTTP response for ``err`` (REST endpoints and refused handshakes)."""
    body = {"error": f"{err.title}: {err.message}", **err.to_json()}
    return web.json_response(body, status=err.status_code)


def handshake_rejected(status: int) -> web.Response:
    """The answer to a handshake refused by fault injection (``reject_handshake_status``)."""
    return web.json_response({"error": "handshake rejected (fault injection)"}, status=status)


def _bad(error_code: str, title: str, message: str) -> ProtocolError:
    return ProtocolError(400, error_code, title, message)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 3


def _show(value: object) -> str:
    """A short repr of a client-sent value for a message (long or deeply nested ones cut)."""
    return _REPR.repr(value)


# ------------------------------------------------------------------ auth and handshake
def unauthorized() -> ProtocolError:
    return ProtocolError(
        401,
        "unauthorized",
        "Invalid API key",
        "Send the local server's API key as 'Authorization: Bearer <key>' or "
        "'X-API-Key: <key>' (or ?api_key= / ?access_token= on the WebSocket).",
    )


def missing_version() -> ProtocolError:
    return _bad(
        "missing_version",
        "Missing API version",
        "Send the 'Cartesia-Version' header or the ?cartesia_version= query "
        f"parameter (e.g. {API_VERSION}).",
    )


def unsupported_version(version: str, supported: Iterable[str]) -> ProtocolError:
    return _bad(
        "unsupported_version",
        "Unsupported API version",
        f"Cartesia-Version {_show(version)} is not supported by the local server; "
        f"use one of {', '.join(supported)} (the newest is {API_VERSION}).",
    )


# ------------------------------------------------------------------ frames and bodies
def _malformed_json(message: str) -> ProtocolError:
    return _bad("invalid_json", "Malformed JSON", message)


def malformed_body() -> ProtocolError:
    return _malformed_json("The request body must be JSON.")


def body_timeout(seconds: float) -> ProtocolError:
    return ProtocolError(
        408,
        "request_timeout",
        "Request timeout",
        f"The request body did not arrive within {seconds:g} s; send the whole body at once.",
    )


def body_not_object() -> ProtocolError:
    return _malformed_json("Send a JSON object.")


def malformed_frame() -> ProtocolError:
    return _malformed_json("The message is not valid JSON; send one JSON object per text frame.")


def json_too_deep() -> ProtocolError:
    return _malformed_json(
        "The JSON nests arrays or objects too deeply to parse; send one flat JSON object "
        "(its fields nest at most a few levels, as in output_format)."
    )


def frame_failed(exc: BaseException) -> ProtocolError:
    """A frame the server failed to handle for a reason of its own (a bug, not the client)."""
    return ProtocolError(
        500,
        "internal_error",
        "Internal error",
        f"The server could not handle this message ({type(exc).__name__}); "
        "the connection stays open.",
    )


def frame_not_object() -> ProtocolError:
    return _bad("invalid_message", "Invalid message", "Each frame must be a JSON object.")


def binary_frame() -> ProtocolError:
    return _bad(
        "invalid_message",
        "Binary frames are not supported",
        "Send generation requests as JSON text frames.",
    )


def _missing(message: str) -> ProtocolError:
    return _bad("missing_field", "Missing required field", message)


def missing_context_id() -> ProtocolError:
    return _missing(
        "The request is missing context_id; every message needs a non-empty string context_id."
    )


def context_id_too_long(limit: int) -> ProtocolError:
    return _bad(
        "invalid_request",
        "Invalid context_id",
        f"context_id is too long; use at most {limit} characters (e.g. a UUID).",
    )


def missing_transcript() -> ProtocolError:
    return _missing(
        'Every message on a context needs a string transcript (use "" with '
        "continue=false to end the context)."
    )


def missing_fields(names: Iterable[str]) -> ProtocolError:
    return _missing(
        f"The request is missing {', '.join(names)}. Every generation request needs "
        "context_id, model_id, transcript, voice and output_format."
    )


# ------------------------------------------------------------------ contexts
def context_completed(context_id: str) -> ProtocolError:
    return _bad(
        "context_completed",
        "Context already completed",
        f"Context {_show(context_id)} already received continue=false (or was "
        "cancelled); start a new context with a new context_id.",
    )


def transcript_empty() -> ProtocolError:
    return _bad(
        "transcript_empty",
        "Transcript empty or contains only punctuation",
        "The first transcript of a context must contain at least one letter or digit. "
        "Push some text before no_more_inputs(), or send words with the first request.",
    )


def injected_fault() -> ProtocolError:
    return ProtocolError(
        500,
        "injected_fault",
        "Injected server error",
        "The local server injected this error (error_after_chunks); "
        "open a new context to continue.",
    )


def internal_error(exc: BaseException) -> ProtocolError:
    return ProtocolError(500, "internal_error", "Internal error", f"Synthesis failed: {exc}")


def generation_interrupted() -> ProtocolError:
    """The context's task was cancelled by something other than the client or a shutdown."""
    return ProtocolError(
        500,
        "internal_error",
        "Generation interrupted",
        "The server stopped this context unexpectedly; open a new context to continue.",
    )


# ------------------------------------------------------------------ voices (REST)
def invalid_limit() -> ProtocolError:
    return _bad("invalid_limit", "Invalid limit", "limit must be 1-100.")


def invalid_cursor(cursor: str) -> ProtocolError:
    return _bad(
        "invalid_cursor",
        "Invalid pagination cursor",
        f"{_show(cursor)} is not a voice id; pass the id of a voice from a previous page.",
    )


def voice_not_found(voice_id: str) -> ProtocolError:
    """``GET /voices/{id}`` with an unknown id."""
    return ProtocolError(
        404,
        "voice_not_found",
        "Voice not found",
        f"No voice with id {_show(voice_id)}; list voices with GET /voices.",
    )


# ------------------------------------------------------------------ generation settings
def unknown_model(model_id: object) -> ProtocolError:
    return _bad(
        "invalid_model_id",
        "Unknown model",
        f"Model {_show(model_id)} is not available. Use one of sonic-latest, sonic-3.5, sonic-3, "
        "sonic-2, sonic-turbo, sonic (dated variants such as sonic-3-2025-10-27 also work).",
    )


def unsupported_voice_mode(mode: object) -> ProtocolError:
    return _bad(
        "invalid_voice",
        "Unsupported voice mode",
        f"voice mode {_show(mode)} is not supported by the local server; "
        'pass a voice id string or {"mode": "id", "id": "<voice id>"}.',
    )


def invalid_voice() -> ProtocolError:
    return _bad(
        "invalid_voice",
        "Invalid voice",
        'voice must be a voice id string, {"id": "<voice id>"} or '
        '{"mode": "id", "id": "<voice id>"}.',
    )


def unknown_voice(voice_id: str, available: Iterable[str]) -> ProtocolError:
    """A generation request naming a voice the catalogue does not have."""
    return ProtocolError(
        404,
        "voice_not_found",
        "Voice not found",
        f"Voice {_show(voice_id)} does not exist on this local server. Available voice ids: "
        + ", ".join(available)
        + ". List them with GET /voices.",
    )


def invalid_output_format() -> ProtocolError:
    return _bad(
        "invalid_output_format",
        "Invalid output_format",
        'output_format must be an object such as {"container": "raw", "encoding": '
        '"pcm_f32le", "sample_rate": 44100}.',
    )


def _unsupported(what: str, value: object, use: str, where: str = "") -> ProtocolError:
    """``unsupported_<what>``: ``value`` is not one of the choices described by ``use``."""
    return _bad(
        "unsupported_" + what.lower().replace(" ", "_"),
        f"Unsupported {what.lower()}",
        f"{what} {_show(value)} is not supported{where}; use {use}.",
    )


def unsupported_container(container: object, allowed: tuple[str, ...], where: str) -> ProtocolError:
    return _unsupported("Container", container, " or ".join(repr(a) for a in allowed), f" {where}")


def unsupported_encoding(encoding: object) -> ProtocolError:
    return _unsupported("Encoding", encoding, f"one of {', '.join(ENCODINGS)}")


def unsupported_sample_rate(sample_rate: object) -> ProtocolError:
    rates = ", ".join(str(r) for r in SAMPLE_RATES)
    return _unsupported("Sample rate", sample_rate, f"one of {rates} Hz")


def invalid_speed(speed: str) -> ProtocolError:
    return _bad(
        "invalid_request",
        "Invalid speed",
        f"speed {_show(speed)} is not valid; use slow, normal or fast "
        "(or generation_config.speed between 0.6 and 1.5).",
    )


def invalid_generation_config() -> ProtocolError:
    return _bad("invalid_request", "Invalid generation_config", "must be an object.")


def invalid_number(name: str, lo: float, hi: float) -> ProtocolError:
    return _bad("invalid_request", f"Invalid {name}", f"{name} must be a number in [{lo}, {hi}].")


def out_of_range(name: str, value: object, lo: float, hi: float) -> ProtocolError:
    """A number outside its allowed range (NaN and infinities included): never clamped."""
    return _bad(
        "invalid_request",
        f"Invalid {name}",
        f"{name} {_show(value)} is out of range; use a number from {lo:g} to {hi:g}.",
    )


def invalid_buffer_delay(value: object) -> ProtocolError:
    return _bad(
        "invalid_request",
        "Invalid max_buffer_delay_ms",
        f"max_buffer_delay_ms {_show(value)} is not valid; use a whole number of "
        "milliseconds from 0 to 5000 (0 = no server buffering; default 3000).",
    )


def not_boolean(name: str, value: object) -> ProtocolError:
    """A flag such as ``continue`` sent as something other than a JSON boolean."""
    return _bad(
        "invalid_request",
        f"Invalid {name}",
        f"{name} must be true or false (a JSON boolean, not a string or number); "
        f"got {_show(value)}.",
    )


# ------------------------------------------------------------------ transcript tags
def _tag(title: str, markup: str, problem: str) -> ProtocolError:
    return _bad(
        "invalid_tag",
        title,
        f'{_show(markup)} {problem}. Supported: <break time="1s"/> (or "500ms"), <speed '
        'ratio="1.2"/> (0.6-1.5), <volume ratio="0.8"/> (0.5-2), <emotion value="happy"/>, '
        "<spell>ABC</spell>.",
    )


def malformed_tag(markup: str, allowed: str) -> ProtocolError:
    return _tag("Malformed tag", markup, f"is not well-formed: {allowed}")


def invalid_break_time(markup: str) -> ProtocolError:
    return _tag("Invalid break time", markup, "needs a number and s or ms, from 0 to 10 s")


def unclosed_tag(markup: str, closer: str = ">") -> ProtocolError:
    return _tag("Unclosed tag", markup, f"is never closed with {closer!r}")
