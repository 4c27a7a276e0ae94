/**
 * The synced traits of each widget model, as the browser sees them, and the
 * typed ways to write them and to message the kernel. PlayerTraits are the
 * Python `Player` widget's (shown by `%%speak`), SpeakerTraits the `Speaker`
 * widget's. Unset optional traits arrive as null; the views send null to unset.
 */
import type { AnyModel } from "@anywidget/types";
import type { BrowserMessage } from "./messages";

/** The compact `%%speak` player. */
export interface PlayerTraits {
  /** Kernel status: "", "queued", "connecting", "streaming", "waiting" (for more text),
   * "done", "stopped", "error". */
  status: string;
  label: string;
  /** The text so far when it arrives piece by piece (an LLM's answer); "" otherwise. */
  transcript: string;
  /** Word timestamps: [word, start seconds, end seconds]. */
  words: Array<[string, number, number]>;
  notice: string;
  error: string;
  /** Seconds of audio generated so far. */
  duration: number;
  /** Id of the stream (the utterance) the widget shows: its audio comes through the
   * kernel's Engine widget. */
  stream: string;
  /** Keep the finished speech in the notebook (the kernel fills `recording`). */
  embed: boolean;
  /** The finished speech as a compact audio file (MP3 or WAV), saved with the notebook. */
  recording: DataView | null;
  recording_type: string;
}

/** The kernel's Engine widget: the channel of every stream's audio into the page. */
export interface EngineTraits {
  /** The rate to open the AudioContext at before the first speech. */
  sample_rate: number;
  /** One line about the voice in use (e.g. that the offline voice speaks). */
  notice: string;
}

export interface Voice {
  id: string;
  name: string;
  language: string;
  gender?: string | null;
  description?: string;
  /** The offline server's voices: the engine that speaks it. */
  engine?: "neural" | "espeak" | null;
}

/** A generation control a model may honour. */
export type Feature = "speed" | "volume" | "emotion";

/** The Speaker widget: the player's traits plus the controls. */
export interface SpeakerTraits extends PlayerTraits {
  text: string;
  voice: string | null;
  voices: Voice[];
  model: string;
  models: string[];
  /** Model → the generation controls it honours (see Feature). */
  features: Record<string, string[]>;
  language: string | null;
  speed: number | null;
  volume: number | null;
  emotion: string | null;
  emotions: string[];
  sample_rate: number;
  sample_rates: number[];
  /** Seconds scheduled ahead when playback starts; null: the page's adaptive lead. */
  lead: number | null;
  encoding: string;
  encodings: string[];
  timestamps: boolean;
  timeout: number;
  buffering: "client" | "server";
  max_buffer_delay_ms: number;
  metrics: Record<string, number | null>;
}

export type PlayerModel = AnyModel<PlayerTraits>;
export type SpeakerModel = AnyModel<SpeakerTraits>;

/** Set a trait from the view and sync it to the kernel. */
export function save<T extends object, K extends keyof T>(
  model: AnyModel<T>,
  name: K,
  value: T[K],
): void {
  model.set(name, value);
  model.save_changes();
}

/** Send a custom message to the kernel. */
export function sendToKernel<T extends object>(
  model: AnyModel<T>,
  msg: BrowserMessage,
): void {
  model.send(msg);
}

/**
 * Call `callback` on each of the space-separated model events; returns the
 * function that removes the listener.
 */
export function listen<T extends object>(
  model: AnyModel<T>,
  events: string,
  callback: () => void,
): () => void {
  model.on(events, callback);
  return () => model.off(events, callback);
}
