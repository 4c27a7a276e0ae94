"""The speech options: declared once, validated in one place.

`SpeechOptions` is the one declaration. Each key carries, in its `Annotated`
metadata, an `Option`: its default, what it means, an example value and its
limits. Everything else is derived from it: `speak(**options)` and
`Speaker.say(**options)` are typed by it (`Unpack[SpeechOptions]`), `%%speak`
builds its flags from it, the widgets build their traits from it, and
`validate()` checks every value, type and range, with a message that says
what to use instead.

Pure data and functions; safe from any thread.
"""

from __future__ import annotations

import math
import numbers
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, TypedDict

from .pcm import ENCODINGS, SAMPLE_RATES

#: Cartesia's own example voice: the default voice when none is given (the offline
#: server answers it with its default voice).
CARTESIA_DEFAULT_VOICE = "6ccbfb76-1fc6-48f7-b71d-91ac6298247b"


class OptionError(ValueError):
    """A speech option has a wrong type or value; the message says what to use."""


@dataclass(frozen=True)
class Option:
    """How one speech option is given, checked and explained."""

    default: Any
    #: What the option means, for `%%speak` usage and docstrings.
    help: str
    #: A valid value other than the default (shown in messages, used by the tests).
    example: Any
    #: Short flags of `%%speak` besides `--name`, e.g. ("-v",).
    flags: tuple[str, ...] = ()
    #: The allowed values, when they are a fixed set.
    choices: tuple[Any, ...] | None = None
    #: Inclusive bounds of a number.
    bounds: tuple[float, float] | None = None
    #: Filled from the declaration: the option's name, its value type, and whether
    #: None ("not set: the server's default") is allowed.
    name: str = ""
    kind: type = object
    optional: bool = False
    hint: str = field(default="", repr=False)

    def check(self, value: Any) -> Any:
        """The value, normalised (e.g. int → float); raises OptionError if it is wrong."""
        if value is None:
            if self.optional:
                return None
            raise self._error(value, "must be given")
        value = self._typed(value)
        if self.choices is not None and value not in self.choices:
            raise self._error(value, "is not supported")
        if self.bounds is not None and not self.bounds[0] <= value <= self.bounds[1]:
            raise self._error(value, "is out of range")
        return value

    def _typed(self, value: Any) -> Any:
        kind = self.kind
        if kind is bool:
            if isinstance(value, bool):
                return value
        elif kind is int:
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                return int(value)
        elif kind is float:
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                if not math.isfinite(value):
                    raise self._error(value, "is not a finite number")
                return float(value)
        elif kind is str:
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, str):
                raise self._error(value, "must not be blank")
        raise self._error(value, "has the wrong type")

    def _error(self, value: Any, problem: str) -> OptionError:
        return OptionError(f"{self.name}={value!r} {problem}: {self.hint}")


def _option(
    default: Any,
    help: str,  # noqa: A002 - the argparse word
    example: Any,
    *,
    flags: tuple[str, ...] = (),
    choices: tuple[Any, ...] | None = None,
    bounds: tuple[float, float] | None = None,
) -> Option:
    return Option(default, help, example, flags, choices, bounds)


class SpeechOptions(TypedDict, total=False):
    """Options of `speak()`, `%%speak`, `Speaker` and `Speaker.say()`; all are optional."""

    voice: Annotated[
        str | None,
        _option(
            None,
            "voice id (see voices()); default: Cartesia's example voice, or the offline "
            "default voice",
            CARTESIA_DEFAULT_VOICE,
            flags=("-v",),
        ),
    ]
    model: Annotated[str, _option("sonic-3", "model id", "sonic-3.5", flags=("-m",))]
    language: Annotated[
        str | None,
        _option(None, "language code; default: the voice's own", "fr", flags=("-l",)),
    ]
    speed: Annotated[
        float | None,
        _option(None, "speaking speed, 1 = normal", 1.2, flags=("-s",), bounds=(0.6, 1.5)),
    ]
    volume: Annotated[float | None, _option(None, "volume, 1 = normal", 1.5, bounds=(0.5, 2.0))]
    emotion: Annotated[
        str | None,
        _option(
            None,
            "emotion: neutral, calm, happy, sad, angry, curious, …; models that support it",
            "happy",
        ),
    ]
    sample_rate: Annotated[
        int,
        _option(44100, "samples per second", 24000, flags=("-r",), choices=SAMPLE_RATES),
    ]
    encoding: Annotated[
        str,
        _option(
            "pcm_f32le",
            "encoding on the wire; always played as float32",
            "pcm_s16le",
            flags=("-e",),
            choices=ENCODINGS,
        ),
    ]
    timestamps: Annotated[bool, _option(False, "ask for word timestamps", True, flags=("-t",))]
    buffering: Annotated[
        str,
        _option(
            "client",
            "who groups streamed text into sentences: client (the widget does, and the "
            "server speaks each push at once) or server (pieces go as they come, and the "
            "server waits up to max_buffer_delay_ms for more)",
            "server",
            choices=("client", "server"),
        ),
    ]
    max_buffer_delay_ms: Annotated[
        int,
        _option(
            3000,
            "with buffering=server: milliseconds the server may wait for more text",
            500,
            bounds=(0, 5000),
        ),
    ]
    timeout: Annotated[
        float,
        _option(
            15.0, "seconds to wait for each message from the server", 30.0, bounds=(0.1, 600.0)
        ),
    ]
    lead: Annotated[
        float | None,
        _option(
            None,
            "seconds of audio the browser schedules ahead when playback starts; by default "
            "the page learns the smallest lead that plays without gaps",
            0.3,
            bounds=(0.005, 2.0),
        ),
    ]


def _hint(option: Option) -> str:
    if option.choices is not None:
        allowed = f"use one of {', '.join(str(c) for c in option.choices)}"
    elif option.bounds is not None:
        unit = f"a {'whole ' if option.kind is int else ''}number"
        allowed = f"use {unit} from {option.bounds[0]:g} to {option.bounds[1]:g}"
    elif option.kind is bool:
        allowed = "use True or False"
    else:
        allowed = f"use a non-blank string, e.g. {option.example!r}"
    allowed += f" ({option.help})"
    if option.optional:
        allowed += ", or None for the default"
    return f"{allowed}."


def _declared() -> dict[str, Option]:
    options: dict[str, Option] = {}
    hints = typing.get_type_hints(SpeechOptions, include_extras=True)
    for name, hint in hints.items():
        value_type, option = typing.get_args(hint)
        kinds = [k for k in typing.get_args(value_type) if k is not type(None)]
        optional = isinstance(value_type, types.UnionType) or typing.get_origin(value_type) is (
            typing.Union
        )
        kind = kinds[0] if optional else value_type
        option = replace(option, name=name, kind=kind, optional=optional)
        options[name] = replace(option, hint=_hint(option))
    return options


#: Every speech option by name, in declaration order.
OPTIONS: dict[str, Option] = _declared()
#: The default of every option.
DEFAULTS: SpeechOptions = typing.cast(SpeechOptions, {n: o.default for n, o in OPTIONS.items()})


def validate(given: Mapping[str, Any]) -> SpeechOptions:
    """Every option, checked: the given values (normalised) and the defaults of the others.

    Raises `OptionError` (a ValueError) naming an unknown option or a wrong value and
    saying what to use.
    """
    unknown = sorted(set(given) - set(OPTIONS))
    if unknown:
        raise OptionError(
            f"Unknown speech option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
            f"use {', '.join(OPTIONS)}."
        )
    checked = {
        name: option.check(given[name]) if name in given else option.default
        for name, option in OPTIONS.items()
    }
    return typing.cast(SpeechOptions, checked)
