"""`%%speak`, `%speak`, `%%speak_output` and `%speak_stop`."""

from __future__ import annotations

import argparse
import functools
import shlex
import string
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_cell_magic, line_magic, magics_class

from .options import OPTIONS
from .print_tee import printed_to
from .speak import speak, stop_all, wait_or_stop
from .speech_stream import stream
from .utterance import Utterance


class MagicUsageError(ValueError):
    """Bad options or text; the message says how to fix it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise MagicUsageError(f"{self.prog}: {message}. Usage: {self.format_usage().strip()}")


PROGS = ("%%speak", "%%speak_output")


@functools.cache
def _parser(prog: str) -> _Parser:
    """`%%speak`'s flags: one per speech option (see options.py), then --wait and the text.

    Built once per name, one of PROGS (building it took 0.6-0.8 ms of every %%speak's way
    to its request); parsing does not change it. The cache is keyed by the arguments as
    given, so every call passes `prog`.
    """
    p = _Parser(prog=prog, add_help=False)
    for name, option in OPTIONS.items():
        flags = (*option.flags, "--" + name.replace("_", "-"))
        if option.kind is bool:
            p.add_argument(*flags, dest=name, action="store_true", help=option.help)
        else:
            kind = option.kind if option.kind in (int, float) else str
            p.add_argument(*flags, dest=name, type=kind, help=option.help)
    p.add_argument("-w", "--wait", action="store_true", help="block until playback has ended")
    p.add_argument(
        "--embed", action="store_true", help="keep the speech in the notebook, playable offline"
    )
    p.add_argument("text", nargs="*", help="the text (line form)")
    return p


class _Namespace(dict):
    """Notebook variables for `{name}` interpolation; a missing name is a clear error."""

    def __missing__(self, key: str) -> Any:
        raise MagicUsageError(
            f"%%speak: {{{key}}} in the text is not a defined variable: define {key} "
            f"first, or write {{{{{key}}}}} for literal braces."
        )


def interpolate(text: str, namespace: dict[str, Any]) -> str:
    """Fill `{name}` fields from `namespace`; `{{` and `}}` stay literal braces."""
    try:
        return string.Formatter().vformat(text, (), _Namespace(namespace))
    except MagicUsageError:
        raise
    except (ValueError, IndexError, AttributeError, KeyError) as exc:
        raise MagicUsageError(
            f"%%speak: cannot fill the text's {{...}} fields ({exc}); "
            "write {{ and }} for literal braces."
        ) from exc


@magics_class
class SpeakMagics(Magics):
    last: Utterance | None = None

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell, **kwargs)
        for prog in PROGS:  # when %load_ext registers the magics, not in the first %%speak
            _parser(prog)

    @line_cell_magic
    def speak(self, line: str, cell: str | None = None) -> None:
        """Speak a cell's (or the line's) text in the browser while it is generated.

        %%speak [--voice ID] [--model M] [--language L] [--speed S] [--volume V]
                [--emotion E] [--sample-rate R] [--encoding E] [--timestamps]
                [--timeout SECONDS] [--lead SECONDS] [--wait] [--embed]
        Text with {name} is filled from notebook variables.
        """
        args = _parse(line)
        if cell is None:
            if not args.text:
                raise MagicUsageError("%speak: give the text after the options, e.g. %speak Hello.")
            text = " ".join(args.text)
        else:
            if args.text:
                raise MagicUsageError(
                    f"%%speak: unexpected words on the magic line: {' '.join(args.text)!r}. "
                    "Put the text in the cell body."
                )
            text = interpolate(cell, self.shell.user_ns).strip()
        utterance = speak(text, embed=args.embed or None, **_options(args))
        SpeakMagics.last = utterance
        if args.wait:
            wait_or_stop(utterance)

    @cell_magic
    def speak_output(self, line: str, cell: str) -> None:
        """Run the cell and speak what it prints, while it prints it.

        %%speak_output [the options of %%speak]
        A cell that streams an LLM's answer with print(delta, end="", flush=True)
        speaks it as it is written; the printed text still shows. Runs
        synchronous code (for async code, use cw.read_along with `async for`).
        """
        args = _parse(line, prog="%%speak_output")
        if args.text:
            raise MagicUsageError(
                f"%%speak_output: unexpected words on the magic line: {' '.join(args.text)!r}. "
                "The cell body is the code to run."
            )
        speech = stream(embed=args.embed or None, **_options(args))
        SpeakMagics.last = speech.utterance
        with printed_to(speech.push):
            result = self.shell.run_cell(cell)
        error = result.error_before_exec or result.error_in_exec
        if isinstance(error, KeyboardInterrupt):
            speech.utterance.stop()
        elif error is not None:
            speech.fail(error)  # the cell's output shows the traceback, the player the error
        else:
            speech.close()
        if args.wait and not isinstance(error, KeyboardInterrupt):
            wait_or_stop(speech.utterance)

    @line_magic
    def speak_stop(self, line: str = "") -> None:
        """Stop all speech: the utterance playing and every queued one."""
        stop_all()


def _parse(line: str, prog: str = "%%speak") -> argparse.Namespace:
    try:
        return _parser(prog).parse_args(shlex.split(line))
    except ValueError as exc:  # shlex: unbalanced quotes
        if isinstance(exc, MagicUsageError):
            raise
        raise MagicUsageError(f"{prog}: cannot parse the options ({exc}).") from exc


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The speech options given on the magic line."""
    given = {name: getattr(args, name) for name in OPTIONS}
    return {name: value for name, value in given.items() if value not in (None, False)}


def last_utterance() -> Utterance | None:
    """The handle of the most recent `%%speak`, `%speak` or `%%speak_output`."""
    return SpeakMagics.last
