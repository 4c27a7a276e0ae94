"""PCM codecs and the streaming decoder's carry-over of partial samples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartesia_widget.pcm import BYTES_PER_SAMPLE, ENCODINGS, PcmDecoder, decode, encode

SIGNAL = np.sin(np.linspace(0, 40, 997)).astype(np.float32) * 0.8


@pytest.mark.parametrize("encoding", ENCODINGS)
@given(cuts=st.lists(st.integers(min_value=0, max_value=997 * 4), max_size=12))
def test_any_split_of_the_bytes_decodes_like_the_whole(encoding, cuts):
    data = encode(SIGNAL, encoding)
    whole = decode(data, encoding)
    decoder = PcmDecoder(encoding)
    bounds = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    pieces = [decoder.feed(data[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    np.testing.assert_array_equal(np.concatenate([np.zeros(0, np.float32), *pieces]), whole)
    assert decoder.pending == 0


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_partial_sample_waits_for_its_rest(encoding):
    width = BYTES_PER_SAMPLE[encoding]
    data = encode(SIGNAL[:3], encoding)
    decoder = PcmDecoder(encoding)
    first = decoder.feed(data[: width + width // 2])
    assert len(first) == 1 and decoder.pending == width // 2
    rest = decoder.feed(data[width + width // 2 :])
    assert len(rest) == 2 and decoder.pending == 0


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_round_trip_is_close(encoding):
    error = np.abs(decode(encode(SIGNAL, encoding), encoding) - SIGNAL).max()
    assert error < {"pcm_f32le": 1e-7, "pcm_s16le": 1e-4}.get(encoding, 0.03)


def test_float_garbage_is_sanitised_and_unknown_encodings_say_what_to_use():
    raw = np.array([np.nan, np.inf, -np.inf, 2.0, 0.5], dtype="<f4").tobytes()
    np.testing.assert_array_equal(decode(raw, "pcm_f32le"), [0, 1, -1, 1, 0.5])
    with pytest.raises(ValueError, match="pcm_f32le, pcm_s16le"):
        PcmDecoder("mp3")
