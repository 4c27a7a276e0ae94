"""`%%speak`, `%speak` and `%speak_stop`."""

from __future__ import annotations

import argparse
import shlex
import string
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class

from .config import DEFAULT_MODEL
from .speak import speak, stop_all, wait_or_stop
from .utterance import Utterance
from .widget import DEFAULT_LEAD


class MagicUsageError(ValueError):
    """Bad options or text; the message says how to fix it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise MagicUsageError(f"%%speak: {message}. Usage: {self.format_usage().strip()}")


def _parser() -> _Parser:
    p = _Parser(prog="%%speak", add_help=False)
    p.add_argument("-v", "--voice", help="voice id")
    p.add_argument("-m", "--model", default=DEFAULT_MODEL, help="model id")
    p.add_argument("-l", "--language", help="language code, e.g. en, fr")
    p.add_argument("-s", "--speed", type=float, help="0.6 to 1.5")
    p.add_argument("--volume", type=float, help="0.5 to 2.0")
    p.add_argument("--emotion", help="e.g. happy, calm")
    p.add_argument("-r", "--sample-rate", type=int, default=44100)
    p.add_argument("-e", "--encoding", default="pcm_f32le")
    p.add_argument("-t", "--timestamps", action="store_true", help="ask for word timestamps")
    p.add_argument("-w", "--wait", action="store_true", help="block until playback has ended")
    p.add_argument(
        "--lead", type=float, default=DEFAULT_LEAD, help="seconds scheduled ahead at the start"
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

    @line_cell_magic
    def speak(self, line: str, cell: str | None = None) -> None:
        """Speak a cell's (or the line's) text in the browser while it is generated.

        %%speak [--voice ID] [--model M] [--language L] [--speed S] [--volume V]
                [--emotion E] [--sample-rate R] [--encoding E] [--timestamps] [--wait]
                [--lead SECONDS]
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
        utterance = speak(
            text,
            voice=args.voice,
            model=args.model,
            language=args.language,
            speed=args.speed,
            volume=args.volume,
            emotion=args.emotion,
            sample_rate=args.sample_rate,
            encoding=args.encoding,
            timestamps=args.timestamps,
            lead=args.lead,
        )
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
