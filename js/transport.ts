/**
 * The Speaker's actions: Speak, Stop, Replay, Download WAV (and "Click to
 * enable audio" when the browser holds audio back).
 *
 * Replay and Download take the speech from the engine's cache or from the
 * recording kept in the notebook (recording.ts).
 */
import { button, el } from "./dom";
import type { PcmAudio } from "./decode";
import type { EngineState } from "./engine";
import type { Playback } from "./playback";
import { save, sendToKernel, type SpeakerModel } from "./models";
import type { StatusPart } from "./status";
import { decodeRecording, hasRecording, replay as replaySpeech } from "./recording";
import { encodeWav } from "./wav";

function downloadWav(audio: PcmAudio): void {
  const blob = new Blob([encodeWav(audio.samples, audio.sampleRate)], { type: "audio/wav" });
  const url = URL.createObjectURL(blob);
  const a = el("a");
  a.href = url;
  a.download = "speech.wav";
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface Transport {
  row: HTMLDivElement;
  /** Save the text and ask the kernel to speak it. */
  speak(): void;
  /** Enable Replay and Download when there is something to play. */
  update(audio: EngineState, total: number): void;
}

/** The actions row; Stop and "Click to enable audio" come from the status part. */
export function transport(
  model: SpeakerModel,
  playback: Playback,
  live: StatusPart,
  text: () => string,
): Transport {
  const speakButton = button("Speak", "Speak the text", "cw-speak");
  const replay = button("Replay", "Replay the last speech", "cw-replay");
  const downloadButton = button("Download WAV", "Download the speech as a WAV file", "cw-download");
  const row = el("div", "cw-row cw-actions");
  row.append(speakButton, live.stop, replay, downloadButton, live.enable);

  const speak = () => {
    save(model, "text", text());
    sendToKernel(model, { type: "speak" });
  };
  speakButton.addEventListener("click", speak);
  replay.addEventListener("click", () => void replaySpeech(model, playback));
  downloadButton.addEventListener("click", async () => {
    const audio = playback.audio() ?? (await decodeRecording(model));
    if (audio) downloadWav(audio);
  });

  const update = (audio: EngineState, total: number) => {
    const hasAudio = audio.received > 0 || hasRecording(model);
    replay.disabled = !hasAudio && total === 0;
    const download = audio.kept || hasRecording(model);
    downloadButton.disabled = !download;
    downloadButton.title = download || !hasAudio
      ? "Download the speech as a WAV file"
      : "Too long to keep in the page: save it from the kernel with `to_wav(path)`";
  };
  return { row, speak, update };
}
