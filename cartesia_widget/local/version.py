"""The Cartesia API versions the local server accepts, and the check of a request's version.

Owns ``SUPPORTED_VERSIONS`` (the dated versions documented by Cartesia up to the one the
SDK 4.2 sends, ``API_VERSION``) and ``check_version``: the version named by a request (the
``?cartesia_version=`` query wins over ``Cartesia-Version`` headers; duplicate headers are
tolerated) must be one of them. Used by the WebSocket handshake (where a version is
required) and the REST endpoints (where one is checked when given). Pure functions, called
on the server's asyncio loop.
"""

from __future__ import annotations

from aiohttp import web

from . import errors
from .errors import API_VERSION

__all__ = ["SUPPORTED_VERSIONS", "check_version", "requested_versions"]

SUPPORTED_VERSIONS = (
    "2024-06-10",
    "2024-11-13",
    "2025-04-16",
    "2025-11-04",
    "2026-03-01",
    API_VERSION,
)


def requested_versions(request: web.Request) -> list[str]:
    """The non-empty versions a request names (the query wins over the headers)."""
    values = request.query.getall("cartesia_version", []) or request.headers.getall(
        "cartesia-version", []
    )
    return [v.strip() for v in values if v.strip()]


def check_version(request: web.Request, *, required: bool) -> None:
    """Raise ``missing_version`` (when ``required``) or ``unsupported_version``."""
    versions = requested_versions(request)
    if not versions:
        if required:
            raise errors.missing_version()
        return
    for version in versions:
        if version not in SUPPORTED_VERSIONS:
            raise errors.unsupported_version(version, SUPPORTED_VERSIONS)
