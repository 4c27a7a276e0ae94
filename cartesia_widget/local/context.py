"""One generation context: buffering, flushes, rendering, chunking and pacing.

Owns ``Context`` (one task per context on the server's asyncio loop: it reads the inputs
its connection feeds it, releases text from a ``TextBuffer`` (a long input is buffered on
the render executor, so the loop never stalls on it), renders it on the render executor's
threads, cuts the audio into whole-sample chunks and sends them on time), ``Pacing`` (the
chunk-timing knobs, frozen) and ``Stop`` (quiet end of a context). Held text that is not a
complete sentence is spoken once it has waited ``max_buffer_delay_ms``, counted from the
input its held part starts in (an unfinished transcript tag is held until the input ends).
A malformed tag ends the context with its ``error`` event. A context talks to its
connection only through ``Sink``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from ..pcm import BYTES_PER_SAMPLE
from . import errors
from .errors import ProtocolError
from .render import Rendered, Renderer, in_executor, off_loop
from .settings import GenerationSettings
from .transcript import TextBuffer

__all__ = ["Context", "Pacing", "Sink", "Stop"]

log = logging.getLogger(__name__)


class Stop(Exception):
    """Stop a context quietly (cancelled, connection gone, injected fault)."""


class Sink(Protocol):
    """What a context needs from its connection."""

    async def send(self, event: dict[str, Any]) -> None: ...

    async def send_error(self, context_id: str, err: ProtocolError) -> None: ...

    async def after_chunk(self, context_id: str) -> None: ...

    def context_finished(self, context: Context) -> None: ...


@dataclass(frozen=True)
class Pacing:
    """When chunks go out (see ``LocalServer`` for the meaning of each knob)."""

    chunk_duration: float = 0.04
    first_chunk_delay: float = 0.0
    realtime_factor: float | None = None
    jitter: float = 0.0
    random: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.chunk_duration <= 0:
            raise ValueError("chunk_duration must be > 0")
        if self.realtime_factor is not None and self.realtime_factor <= 0:
            raise ValueError("realtime_factor must be > 0 or None")


class _Input(NamedTuple):
    text: str
    cont: bool
    flush: bool
    arrived: float  # time.perf_counter()


class _Clock:
    """Send times of one context's chunks: never early, in order, paced and jittered."""

    def __init__(self, pacing: Pacing) -> None:
        self.pacing = pacing
        self.request_time = time.perf_counter()
        self.first_sent = False
        self.sched: float | None = None  # when the next chunk is due (realtime pacing)
        self.last_send = 0.0

    def plan(self, now: float) -> tuple[float, float]:
        """(base, target): the paced send time of the next chunk, and with jitter and floor."""
        p = self.pacing
        earliest = max(self.request_time, self.last_send)
        if not self.first_sent and p.first_chunk_delay > 0:
            earliest = max(earliest, self.request_time + p.first_chunk_delay)
        base = now
        if p.realtime_factor is not None and self.sched is not None:
            base = max(self.sched, now)
        target = base
        if p.jitter:
            target += p.random.uniform(-p.jitter, p.jitter)
        return base, max(target, earliest)

    def sent(self, base: float, duration: float) -> None:
        """Record that a chunk of ``duration`` seconds (planned at ``base``) just went out."""
        sent = time.perf_counter()
        self.last_send = sent
        if self.pacing.realtime_factor is not None:
            start = sent if self.sched is None else base
            self.sched = start + duration / self.pacing.realtime_factor
        self.first_sent = True


class Context:
    """The generation task of one ``context_id`` on one connection."""

    def __init__(
        self, sink: Sink, context_id: str, settings: GenerationSettings, pacing: Pacing
    ) -> None:
        self.sink = sink
        self.context_id = context_id
        self.settings = settings
        self.renderer = Renderer(settings)
        self.buffer = TextBuffer()
        self.queue: asyncio.Queue[_Input] = asyncio.Queue()
        self.input_closed = False
        self.cancelled = False
        self.flush_id = 1
        self.task: asyncio.Task[None] | None = None
        self.clock = _Clock(pacing)
        self.tail_since: float | None = None  # arrival of the input the held text starts in
        self.width = BYTES_PER_SAMPLE[settings.encoding]
        chunk_samples = max(1, round(pacing.chunk_duration * settings.sample_rate))
        self.chunk_bytes = chunk_samples * self.width
        self.pending = bytearray()  # audio not yet sent (less than one chunk between bursts)
        self.step_ms = 0.0

    # ------------------------------------------------------------------ connection side
    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    def feed(self, transcript: str, cont: bool, flush: bool) -> None:
        if not cont:
            self.input_closed = True
        self.queue.put_nowait(_Input(transcript, cont, flush, time.perf_counter()))

    def cancel(self) -> None:
        self.cancelled = True
        self.input_closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()

    # ------------------------------------------------------------------ input loop
    async def _run(self) -> None:
        try:
            await self._loop()
        except Stop:
            pass
        except ProtocolError as err:  # a malformed transcript tag
            await self.sink.send_error(self.context_id, err)
        except asyncio.CancelledError:
            if not self._cancel_requested():
                # Nobody cancelled this context: a future it awaited was cancelled under it.
                # Never end a context silently (its client would wait for ``done`` forever).
                log.error("local TTS server: context %s interrupted", self.context_id)
                await self.sink.send_error(self.context_id, errors.generation_interrupted())
        except Exception as exc:  # noqa: BLE001 - reported to the client
            log.exception("local TTS server: context %s failed", self.context_id)
            await self.sink.send_error(self.context_id, errors.internal_error(exc))
        finally:
            self.sink.context_finished(self)

    def _cancel_requested(self) -> bool:
        """Whether the client, the connection or a shutdown cancelled this context's task."""
        cancelling = getattr(asyncio.current_task(), "cancelling", None)  # Python 3.11+
        return self.cancelled or cancelling is None or cancelling() > 0

    async def _loop(self) -> None:
        delay = self.settings.max_buffer_delay_ms / 1000.0
        ended = False
        while not ended:
            item = await self._next_input(delay)
            if item is None:  # the buffer delay ran out: speak the held tail
                await self._speak(self.buffer.take_all(final=False))
                self.tail_since = None
                await self._drain_audio()
            else:
                ended = await self._take(item, delay)
        if self.renderer.tags.in_spell:
            raise errors.unclosed_tag("<spell>", "</spell>")
        await self.sink.send(self._event(type="done", done=True))

    async def _next_input(self, delay: float) -> _Input | None:
        """The next input, or ``None`` when held text has waited ``delay`` seconds."""
        if self.tail_since is None or not self.buffer.speakable:
            return await self.queue.get()
        timeout = max(0.0, self.tail_since + delay - time.perf_counter())
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    async def _take(self, item: _Input, delay: float) -> bool:
        """Buffer one input and speak what it releases; ``True`` when it ends the context."""
        ended = not item.cont
        release_all = item.flush or ended or delay == 0
        held_before = self.buffer.speakable
        step = self.buffer.step
        segments = await off_loop(len(item.text), step, item.text, release_all, ended)
        if not self.buffer.speakable:
            self.tail_since = None
        elif segments or not held_before:
            self.tail_since = item.arrived  # what is held now starts in this input
        await self._speak(segments)
        if item.flush:
            await self._drain_audio(final=ended)
            await self.sink.send(
                self._event(type="flush_done", done=False, flush_done=True, flush_id=self.flush_id)
            )
            self.flush_id += 1
        if ended or self.queue.empty():
            await self._drain_audio(final=ended)
        return ended

    def _event(self, **fields: Any) -> dict[str, Any]:
        return {"context_id": self.context_id, "status_code": 206, **fields}

    # ------------------------------------------------------------------ rendering
    def _submit(self, segment: str) -> asyncio.Future[tuple[Rendered, float]]:
        """Render ``segment`` on the executor; the result and its render time in ms."""

        def job() -> tuple[Rendered, float]:
            t0 = time.perf_counter()
            r = self.renderer.render(segment)
            return r, (time.perf_counter() - t0) * 1000.0

        return in_executor(job)

    async def _speak(self, segments: list[str]) -> None:
        if not segments:
            return
        fut = self._submit(segments[0])
        for i in range(len(segments)):
            rendered, ms = await fut
            if self.cancelled:
                raise Stop
            self.step_ms = ms
            nxt: list[asyncio.Future[tuple[Rendered, float]]] = []

            def prefetch(i: int = i, nxt: list = nxt) -> None:
                # Render the next segment while this one streams (after its first chunk
                # left, so the prefetch does not delay time-to-first-audio).
                if i + 1 < len(segments) and not nxt:
                    nxt.append(self._submit(segments[i + 1]))

            await self._emit(rendered, prefetch)
            prefetch()
            if nxt:
                fut = nxt[0]

    async def _drain_audio(self, final: bool = False) -> None:
        """Send all audio rendered so far (``final``: with the trailing silence)."""
        rendered = await in_executor(self.renderer.flush, final)
        await self._emit(rendered)
        if self.pending:
            data = bytes(self.pending)
            self.pending.clear()
            await self._send_chunk(data)

    # ------------------------------------------------------------------ sending
    async def _emit(self, r: Rendered, after_first_chunk: Callable[[], None] | None = None) -> None:
        await self._send_timestamps(r)
        if not r.audio:
            return
        self.pending += r.audio
        cb = self.chunk_bytes
        n_full = len(self.pending) // cb
        if n_full == 0:
            return
        view = bytes(self.pending[: n_full * cb])
        del self.pending[: n_full * cb]
        for k in range(n_full):
            await self._send_chunk(view[k * cb : (k + 1) * cb])
            if k == 0 and after_first_chunk is not None:
                after_first_chunk()

    async def _send_timestamps(self, r: Rendered) -> None:
        if r.words:
            words = {"words": r.words, "start": r.word_start, "end": r.word_end}
            await self.sink.send(
                self._event(
                    type="timestamps", done=False, flush_id=self.flush_id, word_timestamps=words
                )
            )
        if r.phonemes:
            phonemes = {"phonemes": r.phonemes, "start": r.phoneme_start, "end": r.phoneme_end}
            await self.sink.send(
                self._event(
                    type="phoneme_timestamps",
                    done=False,
                    flush_id=self.flush_id,
                    phoneme_timestamps=phonemes,
                )
            )

    async def _send_chunk(self, data: bytes) -> None:
        if self.cancelled:
            raise Stop
        now = time.perf_counter()
        base, target = self.clock.plan(now)
        if target > now:
            await asyncio.sleep(target - now)
        if self.cancelled:
            raise Stop
        event = self._event(
            type="chunk",
            data=base64.b64encode(data).decode("ascii"),
            done=False,
            step_time=round(self.step_ms, 3),
            flush_id=self.flush_id,
        )
        await self.sink.send(event)
        self.clock.sent(base, len(data) / self.width / self.settings.sample_rate)
        await self.sink.after_chunk(self.context_id)
