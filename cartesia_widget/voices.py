"""`voices()`: the voices of the backend in use (Cartesia's, or the offline ones)."""

from __future__ import annotations

from typing import Any

from . import sdk
from .config import resolve_backend


def voices(query: str | None = None, *, limit: int = 100) -> list[dict[str, Any]]:
    """Voices of the current backend: id, name, language, gender, description.

    `query` searches names and descriptions on the server side.
    """
    client = sdk.rest_client(resolve_backend())
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"limit": min(limit, 100)}
    if query:
        kwargs["q"] = query
    for voice in client.voices.list(**kwargs):
        found.append(
            {
                "id": voice.id,
                "name": voice.name,
                "language": voice.language,
                "gender": voice.gender,
                "description": voice.description,
            }
        )
        if len(found) >= limit:
            break
    return found
