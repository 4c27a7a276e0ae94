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
  /** Every stream of this context plays through `input`, watched by `analyser`. */
  readonly input: GainNode;
  readonly analyser: AnalyserNode;
  /** Audio-clock time when everything scheduled on this context has ended. */
  end = 0;
  private readonly page: Page;

  constructor(page: Page, sampleRate: number) {
    this.page = page;
    this.ctx = new AudioContext({ sampleRate, latencyHint: "interactive" });
    this.input = this.ctx.createGain();
    this.input.connect(this.ctx.destination);
    this.analyser = this.ctx.createAnalyser();
    this.analyser.fftSize = 512;
    this.input.connect(this.analyser);
  }

  /** Current output level: RMS of the last analyser window (0 when silent). */
  level(): number {
    const data = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(data);
    let sum = 0;
    for (const v of data) sum += v * v;
    return Math.sqrt(sum / data.length);
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

  /** Resume every suspended output (call from a user gesture). */
  resumeAll(): void {
    for (const out of this.outputs.values()) out.resume();
  }

  private gestures = false;

  /** Resume the outputs at each user gesture on the page: pressing Shift+Enter or clicking
   * a cell gives the page the activation browsers require before audio may start. */
  resumeOnGesture(): void {
    if (this.gestures || typeof document === "undefined") return;
    this.gestures = true;
    for (const event of ["pointerdown", "keydown"]) {
      document.addEventListener(event, () => this.resumeAll(), { capture: true });
    }
  }

  /** The loudest output level on the page right now. */
  level(): number {
    let max = 0;
    for (const out of this.outputs.values()) max = Math.max(max, out.level());
    return max;
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
