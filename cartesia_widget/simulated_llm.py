"""A stand-in for an LLM's streamed answer, to try streamed speech without a key.

`simulated_llm(text)` yields `text` in token-sized pieces (" world", ",", "."),
as an LLM's stream does, after a first-token delay and at a steady pace;
`asimulated_llm` is the async form. Used by the LLM streaming notebook, the
tests and benchmarks/bench_streaming.py.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator

# Words with their leading space, or runs of punctuation: roughly an LLM's tokens.
_TOKEN = re.compile(r"\s*[\w'’-]+|\s*[^\w\s]+|\s+")


def tokens(text: str) -> list[str]:
    """`text` cut into token-sized pieces (they join back to `text`)."""
    return _TOKEN.findall(text)


def simulated_llm(
    text: str, *, tokens_per_second: float = 40.0, first_token: float = 0.3
) -> Iterator[str]:
    """Yield `text` token by token: the first after `first_token` seconds, then
    `tokens_per_second`."""
    time.sleep(first_token)
    for i, token in enumerate(tokens(text)):
        if i:
            time.sleep(1.0 / tokens_per_second)
        yield token


async def asimulated_llm(
    text: str, *, tokens_per_second: float = 40.0, first_token: float = 0.3
) -> AsyncIterator[str]:
    """The async form of `simulated_llm`."""
    await asyncio.sleep(first_token)
    for i, token in enumerate(tokens(text)):
        if i:
            await asyncio.sleep(1.0 / tokens_per_second)
        yield token
