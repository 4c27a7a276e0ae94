/**
 * Gapless placement of PCM chunks on an audio clock. Pure logic: the clock is
 * injected, so the scheduler is unit-tested without a browser.
 *
 * Frames are counted as integers from an anchor time; chunk k of a segment
 * starts at `anchor + framesBefore / sampleRate`, so floating-point error
 * never accumulates and consecutive chunks are exactly back to back.
 *
 * A chunk that would start less than `safety` seconds from now is late: it is
 * counted as an underrun, the lead grows (up to `maxLead`) and the stream is
 * re-anchored at `now + lead`. The lead starts small, so the first sample plays
 * soon after the first chunk arrives.
 *
 * The safety only covers the page's own work between reading the clock and
 * `start()`. Chromium renders audio in bursts of up to four 128-frame quanta and
 * `currentTime` can trail the burst being rendered, so no small margin is safe for
 * sure: in headless Chromium (benchmarks/bench_start_margin.py), chunks placed 0-3 ms
 * ahead of `currentTime` started late in 1 of 153 cases, 9-12 ms ahead in 3 of 44. A
 * re-anchor, on the other hand, always inserts a lead of silence: treating a chunk
 * 2-5 ms ahead as late (a 5 ms safety) traded a few-percent chance of a short glitch
 * for a certain gap of 15 ms or more.
 */

export type Clock = () => number;

export interface SchedulerOptions {
  /** Lead before the first sample of a stream, seconds. */
  lead?: number;
  /** Upper bound for the adaptive lead, seconds. */
  maxLead?: number;
  /** A chunk starting closer than this to `now` is late, seconds. */
  safety?: number;
}

export interface Placement {
  /** Audio-clock time at which the chunk's first frame plays. */
  when: number;
  /** True when the chunk arrived too late and the stream was re-anchored. */
  late: boolean;
  /** Seconds of silence inserted by a re-anchor (0 when not late). */
  gap: number;
}

export const DEFAULT_LEAD = 0.04;
export const DEFAULT_MAX_LEAD = 0.4;
export const DEFAULT_SAFETY = 0.002;

export class Scheduler {
  readonly sampleRate: number;
  lead: number;
  readonly maxLead: number;
  readonly safety: number;
  underruns = 0;
  /** Total frames placed in this stream. */
  frames = 0;
  /** Seconds of silence inserted by re-anchors. */
  gapSeconds = 0;
  private anchor: number | null = null;
  private framesSinceAnchor = 0;
  private readonly clock: Clock;

  constructor(clock: Clock, sampleRate: number, options: SchedulerOptions = {}) {
    if (!(sampleRate > 0)) throw new Error(`sample rate must be positive, got ${sampleRate}`);
    this.clock = clock;
    this.sampleRate = sampleRate;
    this.lead = options.lead ?? DEFAULT_LEAD;
    this.maxLead = options.maxLead ?? DEFAULT_MAX_LEAD;
    this.safety = options.safety ?? DEFAULT_SAFETY;
  }

  /** Whether the stream has started (its first chunk was placed). */
  get started(): boolean {
    return this.anchor !== null;
  }

  /** Audio-clock time at which everything placed so far has finished. */
  get end(): number {
    if (this.anchor === null) return this.clock();
    return this.anchor + this.framesSinceAnchor / this.sampleRate;
  }

  /**
   * Place a chunk of `frames` frames. `notBefore` (audio-clock seconds) keeps
   * the first chunk of a stream from starting before earlier streams end.
   */
  place(frames: number, notBefore = 0): Placement {
    if (!Number.isInteger(frames) || frames < 0) {
      throw new Error(`frames must be a non-negative integer, got ${frames}`);
    }
    const now = this.clock();
    let late = false;
    let gap = 0;
    if (this.anchor === null) {
      this.anchor = Math.max(now + this.lead, notBefore);
      this.framesSinceAnchor = 0;
    } else {
      const due = this.anchor + this.framesSinceAnchor / this.sampleRate;
      if (due < now + this.safety) {
        late = true;
        this.underruns += 1;
        this.lead = Math.min(this.lead * 2, this.maxLead);
        this.anchor = now + this.lead;
        this.framesSinceAnchor = 0;
        gap = this.anchor - due;
        this.gapSeconds += gap;
      }
    }
    const when = this.anchor + this.framesSinceAnchor / this.sampleRate;
    this.framesSinceAnchor += frames;
    this.frames += frames;
    return { when, late, gap };
  }

  /** Seconds of this stream played by the audio clock so far. */
  played(): number {
    if (this.anchor === null) return 0;
    const total = this.frames / this.sampleRate;
    const remaining = Math.max(0, this.end - this.clock());
    return Math.max(0, Math.min(total, total - remaining));
  }

  /** Forget the placement: the next chunk starts a fresh segment. */
  reset(): void {
    this.anchor = null;
    this.framesSinceAnchor = 0;
  }
}
