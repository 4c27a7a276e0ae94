/**
 * The wire format: custom comm messages between the kernel and the browser.
 * This file is the protocol's documentation; cartesia_widget/messages.py
 * declares the kernel's twins of it and tests/test_messages.py parses the interfaces
 * below, so each stays one `export interface` with one field per line.
 *
 * Audio travels as custom messages with one binary buffer each, never as
 * traits, so it is neither re-sent to late views nor saved into the notebook.
 * A custom message can overtake a trait update sent just before it, so each
 * message carries everything its handler needs.
 *
 * Kernel → browser (KernelMessage):
 *   chunk   one piece of a stream's audio; the message's single buffer holds
 *           little-endian float32 mono samples at `sample_rate`. `seq` counts
 *           the stream's chunks from 0; `t_kernel` is the kernel's send time
 *           (Unix seconds); `lead` the seconds to schedule the stream's first
 *           sample ahead of the clock (null: the page's adaptive lead).
 *   end     no more chunks for `stream`; `frames` samples were sent in all.
 *   stop    silence `stream` now; `null` silences every stream.
 *   hello   nothing to do: sent once by the kernel's audio thread when the
 *           extension loads, so that the first chunk finds its way paid.
 *
 * Browser → kernel (BrowserMessage):
 *   hello        a page's engine is connected: the kernel makes the next
 *                `%%speak`'s player ahead (spare_player.py).
 *   stop         the user pressed Stop (or Escape): cancel generation. Sent
 *                before the `finished` reports of the streams it silences.
 *   speak        the Speaker's Speak button (or Ctrl/Cmd+Enter): speak `text`.
 *   replay       the Speaker's Replay button when the browser holds no audio
 *                (e.g. after a page reload): send the last speech again.
 *   first_audio  timings of a stream's first chunk: `t_kernel` echoed from
 *                the chunk, `received_at` / `scheduled_at` (Unix seconds, the
 *                browser's clock), `schedule_ms` between the two, `lead_ms`
 *                from scheduling to the first sample's play time,
 *                `output_latency_ms` of the AudioContext and its
 *                `audio_state` ("running", "suspended", …).
 *   finished     playback of a stream has ended: `how` it ended, `frames`
 *                received, seconds `played`, `underruns` (late chunks) and
 *                the `gap_seconds` of silence they inserted.
 *
 * Replays the browser plays from its own data (its cache or an embedded WAV)
 * are never reported to the kernel.
 */

/** Kernel → browser: samples of `stream`, in the message's one buffer. */
export interface ChunkMessage {
  type: "chunk";
  stream: string;
  seq: number;
  sample_rate: number;
  t_kernel: number;
  lead: number | null;
}

/** Kernel → browser: `stream` is complete. */
export interface EndMessage {
  type: "end";
  stream: string;
  frames: number;
}

/** Kernel → browser: silence `stream` (every stream when null). */
export interface StopMessage {
  type: "stop";
  stream: string | null;
}

/** Kernel → browser: the audio thread is up (ignored). */
export interface HelloMessage {
  type: "hello";
}

/** Browser → kernel: a page's engine is connected. */
export interface HelloReport {
  type: "hello";
}

/** Browser → kernel: the user pressed Stop. */
export interface StopRequest {
  type: "stop";
}

/** Browser → kernel: the Speaker's Speak button. */
export interface SpeakRequest {
  type: "speak";
}

/** Browser → kernel: the Speaker's Replay button, when the browser has no audio. */
export interface ReplayRequest {
  type: "replay";
}

/** Browser → kernel: timings of a stream's first chunk. */
export interface FirstAudioReport {
  type: "first_audio";
  stream: string;
  t_kernel: number;
  received_at: number;
  scheduled_at: number;
  schedule_ms: number;
  lead_ms: number;
  output_latency_ms: number;
  audio_state: string;
}

/** Browser → kernel: playback of a stream has ended. */
export interface FinishedReport {
  type: "finished";
  stream: string;
  how: "played" | "stopped";
  frames: number;
  played: number;
  underruns: number;
  gap_seconds: number;
}

export type KernelMessage = ChunkMessage | EndMessage | StopMessage | HelloMessage;

export type BrowserMessage =
  | HelloReport
  | StopRequest
  | SpeakRequest
  | ReplayRequest
  | FirstAudioReport
  | FinishedReport;

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === "string";

/** Whether `msg` is a well-formed kernel message; anything else is to be ignored. */
export function isKernelMessage(msg: unknown): msg is KernelMessage {
  if (!msg || typeof msg !== "object") return false;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case "chunk":
      return (
        isString(m.stream) &&
        isNumber(m.seq) &&
        isNumber(m.sample_rate) &&
        m.sample_rate > 0 &&
        isNumber(m.t_kernel) &&
        (m.lead == null || (isNumber(m.lead) && m.lead >= 0))
      );
    case "end":
      return isString(m.stream) && isNumber(m.frames);
    case "stop": // an absent stream counts as null
      return m.stream == null || isString(m.stream);
    case "hello":
      return true;
    default:
      return false;
  }
}
