/**
 * The Speaker's actions: Speak, Stop, Replay, Download WAV (and "Click to
 * enable audio" when the browser holds audio back).
 *
 * Replay plays, in order of preference, the engine's cache of the last
 * speech, the WAV embedded in the saved notebook, or asks the kernel to send
 * the speech again (after a page reload, with no embedded WAV).
 */
import { button, el } from "./dom";
import type { PcmAudio } from "./decode";
import type { AudioEngine, EngineState } from "./engine";
import { save, sendToKernel, type SpeakerModel } from "./models";
import type { StatusPart } from "./status";
import { decodeWav, encodeWav } from "./wav";

/** The WAV embedded in the model (`embed=True`), decoded, or null. */
function embedded(model: SpeakerModel): PcmAudio | null {
  const wav = model.get("wav");
  return wav && wav.byteLength > 0 ? decodeWav(wav) : null;
}

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
  engine: AudioEngine,
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
  replay.addEventListener("click", () => {
    if (engine.replay()) return;
    const wav = embedded(model);
    if (wav) engine.play(wav.samples, wav.sampleRate, `embedded#${Date.now()}`);
    else sendToKernel(model, { type: "replay" });
  });
  downloadButton.addEventListener("click", () => {
    const audio = engine.audio() ?? embedded(model);
    if (audio) downloadWav(audio);
  });

  const update = (audio: EngineState, total: number) => {
    const hasAudio = audio.received > 0 || (model.get("wav")?.byteLength ?? 0) > 0;
    replay.disabled = !hasAudio && total === 0;
    downloadButton.disabled = !hasAudio;
  };
  return { row, speak, update };
}
