"""Request validation and event construction for the Cartesia TTS protocol."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from ..pcm import ENCODINGS, SAMPLE_RATES
from .voices import VOICES, LocalVoice, find_voice

__all__ = [
    "API_VERSION",
    "ProtocolError",
    "GenerationSettings",
    "parse_settings",
    "extract_context_id",
    "error_event",
    "MODEL_PATTERN",
]

API_VERSION = "2026-08-14"
MODEL_PATTERN = re.compile(r"^sonic(-[A-Za-z0-9.]+)*$")
_LEGACY_SPEED = {"slowest": 0.6, "slow": 0.8, "normal": 1.0, "fast": 1.25, "fastest": 1.5}


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


@dataclass
class GenerationSettings:
    model_id: str
    voice: LocalVoice
    container: str
    encoding: str
    sample_rate: int
    language: str | None
    speed: float
    volume: float
    add_timestamps: bool
    add_phoneme_timestamps: bool
    max_buffer_delay_ms: int


def _bad(error_code: str, title: str, message: str, status: int = 400) -> ProtocolError:
    return ProtocolError(status, error_code, title, message)


def _voice_id(voice: Any) -> str:
    if isinstance(voice, str):
        return voice
    if isinstance(voice, dict):
        if voice.get("mode", "id") != "id":
            raise _bad(
                "invalid_voice",
                "Unsupported voice mode",
                f"voice mode {voice.get('mode')!r} is not supported by the local server; "
                'pass a voice id string or {"mode": "id", "id": "<voice id>"}.',
            )
        vid = voice.get("id")
        if isinstance(vid, str):
            return vid
    raise _bad(
        "invalid_voice",
        "Invalid voice",
        'voice must be a voice id string, {"id": "<voice id>"} or '
        '{"mode": "id", "id": "<voice id>"}.',
    )


def _number(value: Any, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(
            "invalid_request", f"Invalid {name}", f"{name} must be a number in [{lo}, {hi}]."
        )
    return min(hi, max(lo, float(value)))


def parse_settings(req: dict[str, Any], *, websocket: bool) -> GenerationSettings:
    """Validate the non-transcript fields of a generation request."""
    missing = [k for k in ("model_id", "voice", "output_format") if req.get(k) in (None, "")]
    if websocket and not isinstance(req.get("transcript"), str):
        missing.insert(0, "transcript")
    if missing:
        raise _bad(
            "missing_field",
            "Missing required field",
            f"The request is missing {', '.join(missing)}. Every generation request needs "
            "context_id, model_id, transcript, voice and output_format.",
        )
    model_id = req["model_id"]
    if not isinstance(model_id, str) or not MODEL_PATTERN.match(model_id):
        raise _bad(
            "invalid_model_id",
            "Unknown model",
            f"Model {model_id!r} is not available. Use one of sonic-latest, sonic-3.5, sonic-3, "
            "sonic-2, sonic-turbo, sonic (dated variants such as sonic-3-2025-10-27 also work).",
        )
    vid = _voice_id(req["voice"])
    voice = find_voice(vid)
    if voice is None:
        raise _bad(
            "voice_not_found",
            "Voice not found",
            f"Voice {vid!r} does not exist on this local server. Available voice ids: "
            + ", ".join(f"{v.id} ({v.name})" for v in VOICES)
            + ". List them with GET /voices.",
            status=404,
        )
    fmt = req["output_format"]
    if not isinstance(fmt, dict):
        raise _bad("invalid_output_format", "Invalid output_format", _FORMAT_HINT)
    container = fmt.get("container")
    allowed = ("raw",) if websocket else ("raw", "wav")
    if container not in allowed:
        where = "over the WebSocket" if websocket else "on /tts/bytes"
        raise _bad(
            "unsupported_container",
            "Unsupported container",
            f"Container {container!r} is not supported {where}; use "
            + " or ".join(repr(a) for a in allowed)
            + ".",
        )
    encoding = fmt.get("encoding")
    if encoding not in ENCODINGS:
        raise _bad(
            "unsupported_encoding",
            "Unsupported encoding",
            f"Encoding {encoding!r} is not supported; use one of {', '.join(ENCODINGS)}.",
        )
    sample_rate = fmt.get("sample_rate")
    if isinstance(sample_rate, bool) or sample_rate not in SAMPLE_RATES:
        raise _bad(
            "unsupported_sample_rate",
            "Unsupported sample rate",
            f"Sample rate {sample_rate!r} is not supported; use one of "
            f"{', '.join(str(r) for r in SAMPLE_RATES)} Hz.",
        )
    speed = 1.0
    volume = 1.0
    legacy = req.get("speed")
    if isinstance(legacy, str):
        if legacy not in _LEGACY_SPEED:
            raise _bad(
                "invalid_request",
                "Invalid speed",
                f"speed {legacy!r} is not valid; use slow, normal or fast "
                "(or generation_config.speed between 0.6 and 1.5).",
            )
        speed = _LEGACY_SPEED[legacy]
    elif legacy is not None:
        speed = _number(legacy, "speed", 0.6, 1.5)
    gen = req.get("generation_config")
    if gen is not None:
        if not isinstance(gen, dict):
            raise _bad("invalid_request", "Invalid generation_config", "must be an object.")
        if gen.get("speed") is not None:
            speed = _number(gen["speed"], "generation_config.speed", 0.6, 1.5)
        if gen.get("volume") is not None:
            volume = _number(gen["volume"], "generation_config.volume", 0.5, 2.0)
    delay = req.get("max_buffer_delay_ms")
    delay_ms = 3000 if delay is None else int(_number(delay, "max_buffer_delay_ms", 0, 5000))
    language = req.get("language")
    return GenerationSettings(
        model_id=model_id,
        voice=voice,
        container=container,
        encoding=encoding,
        sample_rate=int(sample_rate),
        language=language if isinstance(language, str) else None,
        speed=speed,
        volume=volume,
        add_timestamps=bool(req.get("add_timestamps")),
        add_phoneme_timestamps=bool(req.get("add_phoneme_timestamps")),
        max_buffer_delay_ms=delay_ms,
    )


_FORMAT_HINT = (
    'output_format must be an object such as {"container": "raw", "encoding": "pcm_f32le", '
    '"sample_rate": 44100}.'
)

_CTX_RE = re.compile(r'"context_id"\s*:\s*"((?:[^"\\]|\\.)*)"')


def extract_context_id(raw: str) -> str:
    """Best-effort context_id of a (possibly malformed) frame, or ``""``."""
    m = _CTX_RE.search(raw)
    if not m:
        return ""
    try:
        return str(json.loads(f'"{m.group(1)}"'))
    except ValueError:
        return m.group(1)


def error_event(context_id: str, err: ProtocolError) -> dict[str, Any]:
    return {"type": "error", "context_id": context_id, "done": True, **err.to_json()}
