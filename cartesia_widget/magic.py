"""`%%speak`, `%speak` and `%speak_stop`."""

from __future__ import annotations

import argparse
import shlex
import string
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class

from .options import OPTIONS
from .speak import speak, stop_all, wait_or_stop
from .utterance import Utterance


class MagicUsageError(ValueError):
    """Bad options or text; the message says how to fix it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise MagicUsageError(f"%%speak: {message}. Usage: {self.format_usage().strip()}")


def _parser() -> _Parser:
    """`%%speak`'s flags: one per speech option (see options.py), then --wait and the text."""
    p = _Parser(prog="%%speak", add_help=False)
    for name, option in OPTIONS.items():
        flags = (*option.flags, "--" + name.replace("_", "-"))
        if option.kind is bool:
            p.add_argument(*flags, dest=name, action="store_true", help=option.help)
        else:
            kind = option.kind if option.kind in (int, float) else str
            p.add_argument(*flags, dest=name, type=kind, help=option.help)
    p.add_argument("-w", "--wait", action="store_true", help="block until playback has ended")
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

    @line_cell_magic
    def speak(self, line: str, cell: str | None = None) -> None:
        """Speak a cell's (or the line's) text in the browser while it is generated.

        %%speak [--voice ID] [--model M] [--language L] [--speed S] [--volume V]
                [--emotion E] [--sample-rate R] [--encoding E] [--timestamps]
                [--timeout SECONDS] [--lead SECONDS] [--wait]
        Text with {name} is filled from notebook variables.
        """
        try:
            args = _parser().parse_args(shlex.split(line))
        except ValueError as exc:  # shlex: unbalanced quotes
            raise MagicUsageError(f"%%speak: cannot parse the options ({exc}).") from exc
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
        given = {name: getattr(args, name) for name in OPTIONS}
        options = {name: value for name, value in given.items() if value not in (None, False)}
        utterance = speak(text, **options)
        SpeakMagics.last = utterance
        if args.wait:
            wait_or_stop(utterance)

    @line_magic
    def speak_stop(self, line: str = "") -> None:
        """Stop all speech: the utterance playing and every queued one."""
        stop_all()


def last_utterance() -> Utterance | None:
    """The handle of the most recent `%%speak`/`%speak`."""
    return SpeakMagics.last
