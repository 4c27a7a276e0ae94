"""Reading a text source into an utterance's `TextInput`.

A source is a `str`, an iterable of `str` pieces (a generator, a list, an SDK
stream mapped to text) or an async iterable of them. A string is there at
once. An iterable is read on a thread of its own ("cartesia-widget-source"),
so the caller returns at once; an async iterable is read by a task on the
kernel's running event loop (where top-level `await` works and an async
client created in a cell belongs), or on a private loop in a thread where
none runs. When the speech is stopped, the reader closes the source
(`close()` / `aclose()`) after the piece it is waiting for.

`None` pieces are skipped (OpenAI deltas are often None); any other non-str
piece ends the input with a TypeError that says how to map the stream to text.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterable, Iterable, Iterator
from typing import Any

from .text_input import TextInput

#: What `speak()` and friends accept as text.
Source = str | Iterable[str] | AsyncIterable[str]

_ADAPTER_HINT = (
    "map the stream to text first, e.g. (c.choices[0].delta.content for c in stream) "
    "for OpenAI or (e.text for e in stream.text_stream) for Anthropic"
)


def check_source(source: object) -> None:
    """Raise a clear TypeError unless `source` is text or an (async) iterable of text."""
    if isinstance(source, str):
        return
    if isinstance(source, (bytes, bytearray, memoryview)):
        raise TypeError("Text to speak must be str, not bytes: decode it first, e.g. .decode().")
    if isinstance(source, (AsyncIterable, Iterable)) and not isinstance(source, dict):
        return
    raise TypeError(
        f"Text to speak must be a str, an iterable of str or an async iterable of str; "
        f"got {type(source).__name__}."
    )


def check_encodable(text: str) -> str:
    """`text` if it can be sent (UTF-8); a lone surrogate gets an error saying where."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"The text holds an unpaired surrogate ({text[exc.start]!r}) at position "
            f"{exc.start}, which cannot be sent: remove it, or decode the text with "
            "errors='replace'."
        ) from None
    return text


def piece_text(piece: object) -> str:
    """A piece as text: str as is, None as nothing; anything else is an error."""
    if isinstance(piece, str):
        return check_encodable(piece)
    if piece is None:
        return ""
    raise TypeError(
        f"A piece of the text source is a {type(piece).__name__}, not a str: {_ADAPTER_HINT}."
    )


def start(source: Source, into: TextInput) -> None:
    """Start reading `source` into `into` (call it on the caller's thread)."""
    if isinstance(source, str):
        into.put(source)
        into.close()
    elif isinstance(source, AsyncIterable):
        _start_async(source, into, _running_loop())
    else:
        into.fed_by_thread = True
        threading.Thread(
            target=_read, args=(source, into), name="cartesia-widget-source", daemon=True
        ).start()


@contextlib.contextmanager
def _reading(into: TextInput) -> Iterator[None]:
    """End `into` with the source: closed when it is exhausted, failed when it raises;
    a cancelled read (the speech was stopped) ends nothing more."""
    try:
        yield
    except asyncio.CancelledError:
        pass
    except Exception as exc:  # noqa: BLE001 - reported on the utterance
        into.fail(exc)
    else:
        into.close()


def _put(into: TextInput, piece: object) -> bool:
    """Hand a piece over; False once the speech was stopped (stop reading)."""
    if into.stopped:
        return False
    into.put(piece_text(piece))
    return True


def _read(source: Iterable[Any], into: TextInput) -> None:
    with _reading(into):
        for piece in source:
            if not _put(into, piece):
                break
    close = getattr(source, "close", None)
    if into.stopped and callable(close):
        with contextlib.suppress(Exception):
            close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _start_async(
    source: AsyncIterable[Any], into: TextInput, loop: asyncio.AbstractEventLoop | None
) -> None:
    if loop is not None:
        into.loop = loop
        loop.call_soon_threadsafe(lambda: loop.create_task(_cancellable(source, into)))
    else:
        into.fed_by_thread = True
        threading.Thread(
            target=lambda: asyncio.run(_cancellable(source, into)),
            name="cartesia-widget-source",
            daemon=True,
        ).start()


async def _cancellable(source: AsyncIterable[Any], into: TextInput) -> None:
    """Read `source`; a stop cancels the read."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def cancel() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to cancel
            loop.call_soon_threadsafe(task.cancel)

    into.on_stop(cancel)
    await _aread(source, into)


async def _aread(source: AsyncIterable[Any], into: TextInput) -> None:
    with _reading(into):
        async for piece in source:
            if not _put(into, piece):
                break
    aclose = getattr(source, "aclose", None)
    if into.stopped and callable(aclose):
        with contextlib.suppress(Exception):
            await aclose()
