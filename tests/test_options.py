"""Every speech option, from its one declaration, through speak(), %%speak and Speaker."""

from __future__ import annotations

import math

import pytest
import traitlets

import cartesia_widget as cw
from cartesia_widget.options import DEFAULTS, OPTIONS, validate

#: A value of the wrong type for each kind of option.
WRONG_TYPE = {str: 5, int: "44100", float: "fast", bool: "yes"}


def flag(name: str, value: object) -> str:
    option = OPTIONS[name]
    spelled = "--" + name.replace("_", "-")
    return spelled if option.kind is bool else f"{spelled} {value}"


@pytest.mark.parametrize("name", list(OPTIONS))
def test_each_option_reaches_the_utterance_from_every_entry_point(name, shell, comms):
    option = OPTIONS[name]
    example = option.example
    assert example != option.default and option.check(example) == example

    by_function = cw.speak("Hi.", display=False, **{name: example})
    shell.run_cell(f"%%speak {flag(name, example)}\nHi.").raise_error()
    by_magic = cw.last_utterance()
    speaker = cw.Speaker(**{name: example})
    by_widget = speaker.say("Hi.")
    by_override = cw.Speaker().say("Hi.", **{name: example})
    for u in (by_function, by_magic, by_widget, by_override):
        u.stop()
        assert u.options[name] == example
    assert getattr(speaker, name) == example
    # Everything else keeps its declared default (the Speaker turns timestamps on).
    for other, value in by_function.options.items():
        if other != name:
            assert value == DEFAULTS[other], other
    for other in set(OPTIONS) - {name, "timestamps"}:
        assert by_widget.options[other] == DEFAULTS[other] or other in ("speed", "volume")


@pytest.mark.parametrize("name", list(OPTIONS))
def test_a_wrong_type_says_what_to_use_everywhere(name, shell):
    option = OPTIONS[name]
    wrong = WRONG_TYPE[option.kind]
    with pytest.raises(ValueError) as from_speak:
        cw.speak("Hi.", display=False, **{name: wrong})
    message = str(from_speak.value)
    assert message.startswith(f"{name}={wrong!r}")
    assert "use " in message and option.help in message
    with pytest.raises(traitlets.TraitError, match=f"{name}="):
        cw.Speaker(**{name: wrong})
    with pytest.raises(ValueError, match=f"{name}="):
        cw.Speaker().say("Hi.", **{name: wrong})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"speed": 3}, "from 0.6 to 1.5"),
        ({"speed": math.nan}, "not a finite number"),
        ({"volume": 0.1}, "from 0.5 to 2"),
        ({"sample_rate": 12345}, "8000, 16000, 22050, 24000, 44100, 48000"),
        ({"encoding": "mp3"}, "pcm_f32le, pcm_s16le, pcm_mulaw, pcm_alaw"),
        ({"timeout": 0}, "from 0.1 to 600"),
        ({"model": "  "}, "must not be blank"),
        ({"emotion": ""}, "must not be blank"),
        ({"sample_rate": True}, "wrong type"),
        ({"voise": "x"}, "Unknown speech option voise: use voice, model"),
    ],
)
def test_values_out_of_range_are_refused_with_the_allowed_ones(given, message):
    with pytest.raises(cw.OptionError, match=message):
        validate(given)


def test_numbers_are_normalised_and_none_means_the_default():
    checked = validate({"speed": 1, "timeout": 2, "voice": None})
    assert checked["speed"] == 1.0 and isinstance(checked["speed"], float)
    assert checked["timeout"] == 2.0 and checked["voice"] is None
    with pytest.raises(cw.OptionError, match="must be given"):
        validate({"model": None})


def test_the_magic_has_a_flag_per_option_and_says_so(shell):
    from cartesia_widget.magic import _parser

    usage = _parser("%%speak").format_help()
    for name, option in OPTIONS.items():
        assert "--" + name.replace("_", "-") in usage
        for short in option.flags:
            assert short in usage


def test_every_option_is_a_speaker_trait():
    traits = cw.Speaker.class_traits()
    for name, option in OPTIONS.items():
        assert name in traits
        default = traits[name].default_value
        assert default == (True if name == "timestamps" else option.default), name


def test_the_readme_documents_every_option():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name in OPTIONS:
        assert f"--{name.replace('_', '-')}" in readme, name
