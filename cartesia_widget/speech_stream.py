"""`stream()`: a push handle for code that produces its text itself, and `read_along()`.

    with cw.stream(voice=...) as s:
        s.push("Hello, ")
        s.push("world.")
        s.flush()          # speak what was pushed now

    for piece in cw.read_along(llm_text()):
        print(piece, end="", flush=True)   # shown and spoken together

Leaving the `with` block ends the text (Cartesia's `no_more_inputs`); an
exception inside it ends the text too, keeps what was spoken (the error shows
in the player and on the handle) and is re-raised; a KeyboardInterrupt (the
kernel interrupted) stops the speech. `read_along` hands each piece to a push
handle, then yields it back to the caller, in sync and async forms; breaking
out of the loop ends the text, and the source is closed.

Threads: `push`, `flush` and `close` may be called from any thread. Called on
the main thread, they also run the widget updates posted meanwhile, so the
player keeps up while a cell is busy producing text.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import main_thread
from .options import SpeechOptions
from .sources import piece_text
from .speak import start
from .text_input import TextInput
from .utterance import Utterance

if TYPE_CHECKING:
    from typing_extensions import Unpack

T = TypeVar("T", Iterable[str], AsyncIterable[str])


class SpeechStream:
    """Speech whose text is pushed piece by piece; see the module docs."""

    def __init__(self, utterance: Utterance) -> None:
        #: The handle of the speech (`wait()`, `stop()`, `audio`, …).
        self.utterance = utterance
        self._input = utterance.input

    def __del__(self) -> None:
        # A handle dropped without being closed must not hold the queue of speech.
        if not self._input.ended:
            self._input.close()

    def push(self, text: str) -> None:
        """Add text; it is spoken in sentences as they complete."""
        self._input.put(piece_text(text))
        main_thread.run_pending()

    def flush(self) -> None:
        """Speak what was pushed so far now, without waiting for the sentence to end."""
        self._input.flush()

    def close(self) -> None:
        """The text is complete (leaving the `with` block does this)."""
        self._input.close()
        main_thread.run_pending()

    def fail(self, error: BaseException) -> None:
        """End the text because producing it failed: what was pushed is still spoken, and
        the error shows in the player and on the handle (an exception leaving the `with`
        block does this)."""
        self._input.fail(error)
        main_thread.run_pending()

    def __enter__(self) -> SpeechStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if error is None or isinstance(error, GeneratorExit):
            self.close()
        elif isinstance(error, KeyboardInterrupt):
            self.utterance.stop()
        else:
            self.fail(error)

    async def __aenter__(self) -> SpeechStream:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(kind, error, tb)


def stream(
    *, display: bool = True, embed: bool | None = None, **options: Unpack[SpeechOptions]
) -> SpeechStream:
    """A push handle for text you produce yourself; see the module docs.

    Takes the options of `speak()`; with `display=True` a `Player` shows the
    text as it arrives. The speech keeps its place in the kernel's queue until
    the text ends.
    """
    utterance = Utterance(TextInput(), options)
    return SpeechStream(start(utterance, display=display, embed=embed))


class ReadAlong(Generic[T]):
    """Iterate it to get the source's pieces back while they are spoken."""

    def __init__(self, source: T, speech: SpeechStream) -> None:
        self._source = source
        #: The push handle the pieces go to; `.utterance` is the speech's handle.
        self.speech = speech
        self.utterance = speech.utterance

    def __iter__(self) -> Iterator[str]:
        if not isinstance(self._source, Iterable):
            raise TypeError("This source is async: use `async for` to read along.")
        pieces = iter(self._source)
        with self.speech, _closing(pieces):
            for piece in pieces:
                self.speech.push(piece)
                yield piece

    async def __aiter__(self) -> AsyncIterator[str]:
        source = self._source
        pieces = source.__aiter__() if isinstance(source, AsyncIterable) else _aiter(source)
        async with self.speech:
            try:
                async for piece in pieces:
                    self.speech.push(piece)
                    yield piece
            finally:
                aclose = getattr(pieces, "aclose", None)
                if aclose is not None:
                    await aclose()


def read_along(
    source: T,
    *,
    display: bool = True,
    embed: bool | None = None,
    **options: Unpack[SpeechOptions],
) -> ReadAlong[T]:
    """Speak `source`'s pieces and give each back to you once it is handed to the speech.

    `for piece in read_along(gen)` for an iterable, `async for` for an async one
    (`async for` also reads a sync iterable). Takes the options of `speak()`.
    """
    return ReadAlong(source, stream(display=display, embed=embed, **options))


@contextlib.contextmanager
def _closing(pieces: Iterator[Any]) -> Iterator[None]:
    try:
        yield
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


async def _aiter(pieces: Iterable[str]) -> AsyncIterator[str]:
    for piece in pieces:
        yield piece
