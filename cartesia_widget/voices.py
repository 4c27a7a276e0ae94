"""`voices()`: the voices of the backend in use (Cartesia's, or the offline ones)."""

from __future__ import annotations

from typing import Any

from . import sdk
from .config import resolve_backend

#: What `voices()` gives of each voice (the offline server adds `engine`).
FIELDS = ("id", "name", "language", "gender", "description", "engine")


def voices(query: str | None = None, *, limit: int = 100) -> list[dict[str, Any]]:
    """Voices of the current backend: id, name, language, gender, description, and for
    the offline ones the engine that speaks them ("neural" or "espeak"; None otherwise).

    `query` searches names and descriptions on the server side. An unreachable
    server raises ConnectionError with its URL and what to check.
    """
    return [
        {name: getattr(voice, name, None) for name in FIELDS}
        for voice in sdk.list_voices(resolve_backend(), query, limit)
    ]
