/**
 * The page's audio outputs: one AudioContext per sample rate, shared by every
 * player on the page, plus the page timeline that keeps utterances from
 * overlapping (Run All over several `%%speak` cells plays them in order).
 *
 * anywidget imports each widget model's ESM separately, so page-wide state
 * lives on `globalThis` rather than in module variables.
 */

export interface ScheduledChunk {
  stream: string;
  seq: number;
  sampleRate: number;
  when: number;
  frames: number;
  late: boolean;
}

export class Output {
  readonly ctx: AudioContext;
  /** Audio-clock time when everything scheduled on this context has ended. */
  end = 0;
  private readonly page: Page;

  constructor(page: Page, sampleRate: number) {
    this.page = page;
    this.ctx = new AudioContext({ sampleRate, latencyHint: "interactive" });
  }

  get running(): boolean {
    return this.ctx.state === "running";
  }

  /** Ask the browser to start the clock; allowed only after a user gesture. */
  resume(): void {
    if (this.ctx.state === "suspended") void this.ctx.resume().catch(() => undefined);
  }

  /** Earliest audio time at which a new utterance may start on this context. */
  notBefore(): number {
    let t = this.end;
    if (this.running) {
      const wallAhead = (this.page.endWall - performance.now()) / 1000;
      t = Math.max(t, this.ctx.currentTime + wallAhead);
    }
    return t;
  }

  /** Record that audio is scheduled on this context until `end`. */
  extend(end: number): void {
    this.end = Math.max(this.end, end);
    if (this.running) {
      const wall = performance.now() + (end - this.ctx.currentTime) * 1000;
      this.page.endWall = Math.max(this.page.endWall, wall);
    }
  }

  /** Forget scheduled audio after a stop, so the next utterance starts now. */
  truncate(): void {
    this.end = this.ctx.currentTime;
    this.page.endWall = performance.now();
  }
}

export class Page {
  endWall = 0;
  readonly outputs = new Map<number, Output>();
  /** Recent scheduling decisions, for diagnostics and browser tests. */
  readonly log: ScheduledChunk[] = [];

  output(sampleRate: number): Output {
    let out = this.outputs.get(sampleRate);
    if (!out || out.ctx.state === "closed") {
      out = new Output(this, sampleRate);
      this.outputs.set(sampleRate, out);
    }
    return out;
  }

  record(entry: ScheduledChunk): void {
    this.log.push(entry);
    if (this.log.length > 10000) this.log.splice(0, this.log.length - 10000);
  }
}

const KEY = "__cartesiaWidgetPage_v1";

/** The page-wide singleton. */
export function page(): Page {
  const g = globalThis as unknown as Record<string, Page | undefined>;
  let p = g[KEY];
  if (!p) {
    p = new Page();
    g[KEY] = p;
  }
  return p;
}
