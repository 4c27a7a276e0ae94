"""The local voice catalogue: the neural voice and espeak-ng voices as Cartesia ``Voice`` objects.

Owns ``VOICES`` (immutable, built at import), voice look-up by id, which engine speaks a
voice (``engine_for``) and the espeak-ng voice name for a voice and language. The first
voice, the default, is neural (hibari): spoken by ``neural`` when the server has that engine
and the language is English, and by its espeak-ng stand-in (en-us, f3) otherwise. No I/O
and no state: safe from any thread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..options import CARTESIA_DEFAULT_VOICE

__all__ = [
    "LocalVoice",
    "VOICES",
    "VOICES_BY_ID",
    "DEFAULT_VOICE_ID",
    "ESPEAK_LANGUAGES",
    "find_voice",
    "engine_for",
    "espeak_voice_for",
]

_NAMESPACE = uuid.UUID("5b0c3e5e-2f0a-4f1e-9a53-6c6f63616c74")  # fixed: ids never change
_CREATED_AT = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class LocalVoice:
    slug: str
    name: str
    description: str
    language: str
    locale: str
    gender: str
    espeak_language: str
    espeak_variant: str = ""
    tagline: str = ""
    neural: bool = False  # spoken by the neural engine where the server has it

    @property
    def id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, self.slug))

    @property
    def espeak_name(self) -> str:
        return self.espeak_language + (f"+{self.espeak_variant}" if self.espeak_variant else "")

    def to_json(self, *, expand_preview: bool = False, neural: bool = True) -> dict[str, Any]:
        """The Cartesia ``Voice`` JSON, plus ``engine``; ``neural``: the server's neural
        engine is on (when off, a neural voice says it is spoken by espeak-ng)."""
        engine = "neural" if self.neural and neural else "espeak"
        description = self.description
        if self.neural and not neural:
            description += f" The neural engine is off here: espeak-ng ({self.espeak_name}) speaks."
        data: dict[str, Any] = {
            "id": self.id,
            "access": "public",
            "created_at": _CREATED_AT,
            "description": description,
            "engine": engine,
            "is_owner": False,
            "language": self.language,
            "locales": [{"locale": self.locale, "is_native": True}],
            "name": self.name,
            "tagline": self.tagline,
            "visibility": "all",
            "gender": self.gender,
            "country": self.locale.split("-")[-1],
        }
        if expand_preview:
            data["preview_file_url"] = None
        return data


VOICES: list[LocalVoice] = [
    LocalVoice(
        "en-us-hibari",
        "Local Hibari",
        "Offline neural US English female voice (hibari, distilled from Kokoro's af_heart; "
        "runs on this machine, no network).",
        "en",
        "en-US",
        "feminine",
        "en-us",
        "f3",
        tagline="Natural US English",
        neural=True,
    ),
    LocalVoice(
        "en-us-male",
        "Local Jordan",
        "Offline US English male voice (espeak-ng en-us).",
        "en",
        "en-US",
        "masculine",
        "en-us",
        tagline="Clear US English",
    ),
    LocalVoice(
        "en-us-female",
        "Local Avery",
        "Offline US English female voice (espeak-ng en-us, f3 variant).",
        "en",
        "en-US",
        "feminine",
        "en-us",
        "f3",
        tagline="Bright US English",
    ),
    LocalVoice(
        "en-gb-male",
        "Local Oliver",
        "Offline British English male voice (espeak-ng en).",
        "en",
        "en-GB",
        "masculine",
        "en",
        "m3",
        tagline="Calm British English",
    ),
    LocalVoice(
        "fr-female",
        "Local Camille",
        "Offline French female voice (espeak-ng fr, f2 variant).",
        "fr",
        "fr-FR",
        "feminine",
        "fr",
        "f2",
        tagline="Soft French",
    ),
    LocalVoice(
        "de-male",
        "Local Lukas",
        "Offline German male voice (espeak-ng de).",
        "de",
        "de-DE",
        "masculine",
        "de",
        tagline="Steady German",
    ),
    LocalVoice(
        "es-female",
        "Local Lucia",
        "Offline Spanish female voice (espeak-ng es, f4 variant).",
        "es",
        "es-ES",
        "feminine",
        "es",
        "f4",
        tagline="Warm Spanish",
    ),
    LocalVoice(
        "it-male",
        "Local Marco",
        "Offline Italian male voice (espeak-ng it).",
        "it",
        "it-IT",
        "masculine",
        "it",
        tagline="Lively Italian",
    ),
    LocalVoice(
        "robot-neutral",
        "Local Unit",
        "Offline gender-neutral robotic US English voice (espeak-ng en-us, klatt variant).",
        "en",
        "en-US",
        "gender_neutral",
        "en-us",
        "klatt",
        tagline="Retro robot",
    ),
]

VOICES_BY_ID: dict[str, LocalVoice] = {v.id: v for v in VOICES}
DEFAULT_VOICE_ID: str = VOICES[0].id

# Cartesia language code -> espeak-ng language voice (only those espeak-ng ships).
ESPEAK_LANGUAGES: dict[str, str] = {
    "en": "en-us",
    "fr": "fr",
    "de": "de",
    "es": "es",
    "pt": "pt",
    "zh": "cmn",
    "ja": "ja",
    "hi": "hi",
    "it": "it",
    "ko": "ko",
    "nl": "nl",
    "pl": "pl",
    "ru": "ru",
    "sv": "sv",
    "tr": "tr",
    "bg": "bg",
    "ro": "ro",
    "ar": "ar",
    "cs": "cs",
    "el": "el",
    "fi": "fi",
    "hr": "hr",
    "ms": "ms",
    "sk": "sk",
    "da": "da",
    "ta": "ta",
    "uk": "uk",
    "hu": "hu",
    "no": "nb",
    "vi": "vi",
    "bn": "bn",
    "he": "he",
    "ka": "ka",
    "id": "id",
    "te": "te",
    "gu": "gu",
    "kn": "kn",
    "ml": "ml",
    "mr": "mr",
    "pa": "pa",
    "or": "or",
    "ur": "ur",
}


def find_voice(voice_id: str) -> LocalVoice | None:
    # Cartesia's example voice, which the SDK also sends when a context has none
    # (`no_more_inputs()`), is answered by the default voice: code and notebooks written
    # for Cartesia run offline unchanged.
    if voice_id == CARTESIA_DEFAULT_VOICE:
        return VOICES_BY_ID[DEFAULT_VOICE_ID]
    return VOICES_BY_ID.get(voice_id)


def engine_for(voice: LocalVoice, language: str | None, neural: bool) -> str:
    """``"neural"`` or ``"espeak"``: who speaks ``voice`` in ``language`` on a server whose
    neural engine is on (``neural``). The neural voice speaks English only."""
    lang = (language or "").split("-")[0].lower()
    return "neural" if voice.neural and neural and lang in ("", "en") else "espeak"


def espeak_voice_for(voice: LocalVoice, language: str | None) -> str:
    """espeak-ng voice name for ``voice`` speaking ``language`` (the voice's own by default)."""
    lang = (language or "").split("-")[0].lower()
    if not lang or lang == voice.language or lang not in ESPEAK_LANGUAGES:
        return voice.espeak_name
    base = ESPEAK_LANGUAGES[lang]
    return base + (f"+{voice.espeak_variant}" if voice.espeak_variant else "")
