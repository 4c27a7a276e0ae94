/**
 * The speech a widget keeps in the notebook (`embed`): a compact audio file
 * (MP3, or WAV) in its `recording` trait, saved with the widget state, so a
 * notebook reopened without a kernel still replays it. Replay takes, in order,
 * the engine's cache of the speech, this recording, or (with a kernel) asks
 * the kernel to send the speech again.
 */
import type { AnyModel } from "@anywidget/types";
import type { PcmAudio } from "./decode";
import { sendToKernel, type PlayerTraits } from "./models";
import type { Playback } from "./playback";

/** Whether the model holds a recording. */
export function hasRecording(model: AnyModel<PlayerTraits>): boolean {
  return (model.get("recording")?.byteLength ?? 0) > 0;
}

/** The recording, decoded (offline: no audio device is opened), or null. */
export async function decodeRecording(model: AnyModel<PlayerTraits>): Promise<PcmAudio | null> {
  const bytes = model.get("recording");
  if (!bytes || bytes.byteLength === 0) return null;
  const copy = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice().buffer;
  const decoded = await new OfflineAudioContext(1, 1, 44100).decodeAudioData(copy);
  return { samples: decoded.getChannelData(0), sampleRate: decoded.sampleRate };
}

/** Replay the widget's speech from wherever it is kept. */
export async function replay(model: AnyModel<PlayerTraits>, playback: Playback): Promise<void> {
  if (playback.replay()) return;
  const recorded = await decodeRecording(model);
  if (recorded) playback.play(recorded, "recording");
  else sendToKernel(model, { type: "replay" }); // e.g. after a page reload
}
