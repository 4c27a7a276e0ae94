"""Authentication: the server's API key and the short-lived access tokens it issues.

Owns ``Auth``: which credentials a request may carry (Bearer header, ``X-API-Key``,
``?api_key=``, ``?access_token=``), whether one is valid, and issuing tokens for
``POST /access-token``. Runs on the server's asyncio loop.
"""

from __future__ import annotations

import secrets
import time

from aiohttp import web

__all__ = ["Auth"]

MAX_TOKEN_SECONDS = 3600


class Auth:
    """Accepts ``api_key`` and every unexpired token issued by ``issue_token``."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self._tokens: dict[str, float] = {}  # token -> expiry (time.time())

    def authorized(self, request: web.Request) -> bool:
        """Whether any credential carried by ``request`` is valid."""
        return any(self._valid(key) for key in _credentials(request))

    def issue_token(self, expires_in: int) -> str:
        """A new access token valid for ``expires_in`` seconds; expired ones are forgotten."""
        token = "lt_" + secrets.token_urlsafe(24)
        now = time.time()
        self._tokens = {k: v for k, v in self._tokens.items() if v > now}
        self._tokens[token] = now + expires_in
        return token

    def _valid(self, key: str | None) -> bool:
        if not key:
            return False
        if secrets.compare_digest(key, self.api_key):
            return True
        expiry = self._tokens.get(key)
        return expiry is not None and expiry > time.time()


def _credentials(request: web.Request) -> list[str | None]:
    candidates: list[str | None] = []
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        candidates.append(auth[7:].strip())
    candidates.append(request.headers.get("X-API-Key"))
    candidates.append(request.query.get("api_key"))
    candidates.append(request.query.get("access_token"))
    return candidates
