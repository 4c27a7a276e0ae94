"""A compact recording of an utterance that stays in the notebook.

With `embed`, a finished utterance's audio is encoded once, resampled to at
most 24 kHz and compressed to MP3 at about 40 kbit/s (5 KB per second of
speech, ~6.8 KB once base64 in the .ipynb) with libsndfile through soundfile
(maintained, and shipping libsndfile with MP3 in its wheels); where that
libsndfile cannot write MP3, a 16-bit WAV at 16 kHz (32 KB/s) is the fallback.
The widget keeps it in its state (replay without a kernel) and its output
carries it as `<audio controls>` with the transcript, which plays in
nbconvert's HTML, nbviewer and jupyter-book without a kernel or widgets.

Pure functions; called on the kernel's main thread.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from .local.resampler import resample
from .pcm import wav_bytes

#: Recordings are made at this rate at most: speech has nothing above 12 kHz worth bytes.
EMBED_RATE = 24000
#: The WAV fallback's rate.
WAV_RATE = 16000
#: libsndfile's MP3 compression level (0 best .. 1 smallest): 0.8 is about 40 kbit/s.
MP3_COMPRESSION = 0.8
#: Longer speech is not embedded (it would add over 8 MB to the notebook): see `too_long`.
EMBED_MAX_SECONDS = 600


def too_long(duration: float) -> str:
    """Why speech of `duration` seconds is not embedded, or "" when it is short enough."""
    if duration <= EMBED_MAX_SECONDS:
        return ""
    return (
        f"Not kept in the notebook: {duration / 60:.0f} min is over the "
        f"{EMBED_MAX_SECONDS // 60}-minute limit for embedded speech. Save it with "
        "`to_wav(path)` and link the file instead."
    )


def encode(audio: np.ndarray, sample_rate: int) -> tuple[bytes, str]:
    """`audio` as compact file bytes, and their MIME type."""
    try:
        import soundfile

        rate = min(sample_rate, EMBED_RATE)
        mono = resample(audio, sample_rate, rate) if rate != sample_rate else audio
        out = io.BytesIO()
        soundfile.write(
            out,
            np.clip(mono, -1.0, 1.0),
            rate,
            format="MP3",
            compression_level=MP3_COMPRESSION,
            bitrate_mode="CONSTANT",
        )
        return out.getvalue(), "audio/mpeg"
    except (ImportError, RuntimeError, TypeError, ValueError):  # no MP3 in this libsndfile
        rate = min(sample_rate, WAV_RATE)
        mono = resample(audio, sample_rate, rate) if rate != sample_rate else audio
        return wav_bytes(mono, rate), "audio/wav"


def audio_html(recording: bytes, mime: str, transcript: str) -> str:
    """A self-contained player for `recording`, with the transcript as its caption."""
    data = base64.b64encode(recording).decode("ascii")
    caption = html.escape(" ".join(transcript.split()))
    return (
        '<figure class="cartesia-widget-recording" style="margin: 0">'
        f'<audio controls preload="metadata" src="data:{mime};base64,{data}"></audio>'
        f"<figcaption>{caption}</figcaption></figure>"
    )
