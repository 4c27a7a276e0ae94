/**
 * What the page keeps of the speech it played, for Replay and Download WAV.
 *
 * Samples are kept as 16-bit integers (half the size of float32, the
 * resolution of the WAV download), at most `STREAM_BYTES` per stream (about
 * 25 minutes at 44.1 kHz) and `PAGE_BYTES` for the page, oldest streams
 * forgotten first. A stream that outgrows its cap keeps nothing (a replay of
 * its beginning only would mislead): Replay then asks the kernel, which keeps
 * the whole speech, or plays the notebook's recording.
 *
 * Pure data, owned by the page's engine (engine.ts).
 */
import type { PcmAudio } from "./decode";

/** Bytes one stream may keep. */
export const STREAM_BYTES = 128 * 1024 * 1024;
/** Bytes all streams of the page may keep together. */
export const PAGE_BYTES = 256 * 1024 * 1024;

export interface CacheLimits {
  stream: number;
  page: number;
}

interface Kept {
  chunks: Int16Array[];
  frames: number;
  sampleRate: number;
}

function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    out[i] = Math.round((v > 1 ? 1 : v < -1 ? -1 : v) * 32767);
  }
  return out;
}

export class SpeechCache {
  private readonly kept = new Map<string, Kept>();
  private readonly overflowed = new Set<string>();
  private readonly limits: CacheLimits;
  /** Bytes kept now, all streams together. */
  bytes = 0;

  constructor(limits: CacheLimits = { stream: STREAM_BYTES, page: PAGE_BYTES }) {
    this.limits = limits;
  }

  /** Keep `samples` after the stream's previous ones. */
  add(id: string, samples: Float32Array, sampleRate: number): void {
    if (this.overflowed.has(id) || samples.length === 0) return;
    let k = this.kept.get(id);
    const size = samples.length * 2;
    if ((k ? k.frames * 2 : 0) + size > this.limits.stream) {
      this.forget(id);
      this.overflowed.add(id);
      return;
    }
    if (!k) {
      k = { chunks: [], frames: 0, sampleRate };
      this.kept.set(id, k);
    }
    k.chunks.push(toInt16(samples));
    k.frames += samples.length;
    this.bytes += size;
    for (const other of this.kept.keys()) {
      if (this.bytes <= this.limits.page) break;
      if (other !== id) this.forget(other);
    }
  }

  /** Whether the stream's whole audio is kept. */
  has(id: string): boolean {
    return this.kept.has(id);
  }

  /** The stream's audio as float32, or null when none is kept. */
  audio(id: string): PcmAudio | null {
    const k = this.kept.get(id);
    if (!k) return null;
    const samples = new Float32Array(k.frames);
    let offset = 0;
    for (const chunk of k.chunks) {
      for (let i = 0; i < chunk.length; i++) samples[offset + i] = chunk[i] / 32767;
      offset += chunk.length;
    }
    return { samples, sampleRate: k.sampleRate };
  }

  forget(id: string): void {
    const k = this.kept.get(id);
    if (!k) return;
    this.bytes -= k.frames * 2;
    this.kept.delete(id);
  }
}
