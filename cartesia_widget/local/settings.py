"""Generation settings: the validated non-transcript fields of a generation request.

Owns ``GenerationSettings`` and ``parse_settings`` (model, voice, output format, speed,
volume, timestamps, buffer delay; checked in that order, first failure raised as a
``ProtocolError``; then the engine that speaks, from the voice, the language and whether
the server's neural engine is on), ``parse_flags`` (the per-frame booleans ``cancel``,
``continue`` and ``flush``) and ``require_transcript``. Types are strict, as on a real
API: flags must be JSON booleans, numbers must lie in their range (never clamped). Pure
functions: called on the server's asyncio loop (``require_transcript`` of a long text on
the render executor) by the REST ``/tts/bytes`` handler and for the frames of a context.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..pcm import ENCODINGS, SAMPLE_RATES
from . import errors
from .catalogue import VOICES, LocalVoice, engine_for, find_voice
from .transcript import is_speakable

__all__ = [
    "DEFAULT_BUFFER_DELAY_MS",
    "Flags",
    "GenerationSettings",
    "MODEL_PATTERN",
    "parse_flags",
    "parse_settings",
    "require_transcript",
]

MODEL_PATTERN = re.compile(r"^sonic(-[A-Za-z0-9.]+)*$")
_LEGACY_SPEED = {"slowest": 0.6, "slow": 0.8, "normal": 1.0, "fast": 1.25, "fastest": 1.5}
_REQUIRED = ("model_id", "voice", "output_format")
DEFAULT_BUFFER_DELAY_MS = 3000
MAX_BUFFER_DELAY_MS = 5000


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
    engine: str = "espeak"  # "neural" or "espeak": who speaks (``catalogue.engine_for``)


def parse_settings(
    req: dict[str, Any], *, websocket: bool, neural: bool = False
) -> GenerationSettings:
    """Validate the non-transcript fields of a generation request (``neural``: the server's
    neural engine is on)."""
    _check_required(req, websocket)
    model_id = _model_id(req["model_id"])
    voice = _voice(req["voice"])
    container, encoding, sample_rate = _output_format(req["output_format"], websocket)
    speed, volume = _speed_and_volume(req)
    delay_ms = _buffer_delay(req.get("max_buffer_delay_ms"))
    add_timestamps = _flag(req, "add_timestamps")
    add_phoneme_timestamps = _flag(req, "add_phoneme_timestamps")
    _flag(req, "use_normalized_timestamps")  # accepted (and checked), not used offline
    language = req.get("language") if isinstance(req.get("language"), str) else None
    return GenerationSettings(
        model_id=model_id,
        voice=voice,
        container=container,
        encoding=encoding,
        sample_rate=sample_rate,
        language=language,
        speed=speed,
        volume=volume,
        add_timestamps=add_timestamps,
        add_phoneme_timestamps=add_phoneme_timestamps,
        max_buffer_delay_ms=delay_ms,
        engine=engine_for(voice, language, neural),
    )


class Flags(NamedTuple):
    """The per-frame booleans of a WebSocket message (absent or null = false)."""

    cancel: bool
    cont: bool
    flush: bool


def parse_flags(req: dict[str, Any]) -> Flags:
    """``cancel``, ``continue`` and ``flush`` of a frame; ``not_boolean`` unless booleans."""
    return Flags(_flag(req, "cancel"), _flag(req, "continue"), _flag(req, "flush"))


def _flag(req: dict[str, Any], name: str) -> bool:
    value = req.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise errors.not_boolean(name, value)
    return value


def _buffer_delay(value: Any) -> int:
    """``max_buffer_delay_ms``: a whole number of ms in [0, 5000] (3000 when absent)."""
    if value is None:
        return DEFAULT_BUFFER_DELAY_MS
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.invalid_buffer_delay(value)
    if not 0 <= value <= MAX_BUFFER_DELAY_MS:
        raise errors.invalid_buffer_delay(value)
    return value


def require_transcript(transcript: Any) -> str:
    """``transcript`` when it is a string with a letter or digit, else ``transcript_empty``."""
    if not isinstance(transcript, str) or not is_speakable(transcript):
        raise errors.transcript_empty()
    return transcript


def _check_required(req: dict[str, Any], websocket: bool) -> None:
    missing = [k for k in _REQUIRED if req.get(k) in (None, "")]
    if websocket and not isinstance(req.get("transcript"), str):
        missing.insert(0, "transcript")
    if missing:
        raise errors.missing_fields(missing)


def _model_id(model_id: Any) -> str:
    if not isinstance(model_id, str) or not MODEL_PATTERN.match(model_id):
        raise errors.unknown_model(model_id)
    return model_id


def _voice(value: Any) -> LocalVoice:
    vid = _voice_id(value)
    voice = find_voice(vid)
    if voice is None:
        raise errors.unknown_voice(vid, (f"{v.id} ({v.name})" for v in VOICES))
    return voice


def _voice_id(voice: Any) -> str:
    if isinstance(voice, str):
        return voice
    if isinstance(voice, dict):
        if voice.get("mode", "id") != "id":
            raise errors.unsupported_voice_mode(voice.get("mode"))
        vid = voice.get("id")
        if isinstance(vid, str):
            return vid
    raise errors.invalid_voice()


def _output_format(fmt: Any, websocket: bool) -> tuple[str, str, int]:
    """(container, encoding, sample_rate) of a valid ``output_format``."""
    if not isinstance(fmt, dict):
        raise errors.invalid_output_format()
    container = fmt.get("container")
    allowed = ("raw",) if websocket else ("raw", "wav")
    if container not in allowed:
        where = "over the WebSocket" if websocket else "on /tts/bytes"
        raise errors.unsupported_container(container, allowed, where)
    encoding = fmt.get("encoding")
    if encoding not in ENCODINGS:
        raise errors.unsupported_encoding(encoding)
    sample_rate = fmt.get("sample_rate")
    if isinstance(sample_rate, bool) or sample_rate not in SAMPLE_RATES:
        raise errors.unsupported_sample_rate(sample_rate)
    return container, encoding, int(sample_rate)


def _speed_and_volume(req: dict[str, Any]) -> tuple[float, float]:
    speed = 1.0
    volume = 1.0
    legacy = req.get("speed")
    if isinstance(legacy, str):
        if legacy not in _LEGACY_SPEED:
            raise errors.invalid_speed(legacy)
        speed = _LEGACY_SPEED[legacy]
    elif legacy is not None:
        speed = _number(legacy, "speed", 0.6, 1.5)
    gen = req.get("generation_config")
    if gen is not None:
        if not isinstance(gen, dict):
            raise errors.invalid_generation_config()
        if gen.get("speed") is not None:
            speed = _number(gen["speed"], "generation_config.speed", 0.6, 1.5)
        if gen.get("volume") is not None:
            volume = _number(gen["volume"], "generation_config.volume", 0.5, 2.0)
    return speed, volume


def _number(value: Any, name: str, lo: float, hi: float) -> float:
    """``value`` as a float when it is a number in [lo, hi]; otherwise an error naming them."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise errors.invalid_number(name, lo, hi)
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not lo <= number <= hi:  # NaN fails too
        raise errors.out_of_range(name, value, lo, hi)
    return number
