/**
 * The page's adaptive scheduling lead: how far ahead of the clock a stream's
 * first chunk is placed. Pure logic (no clock of its own), unit-tested.
 *
 * A lead exists only to absorb late chunks: if chunk k arrives later than
 * the audio before it lasts, the stream would stall. For every stream the
 * tracker measures the lead that would have been needed — how late each chunk
 * arrived compared with a stream anchored at its first chunk's arrival — and
 * starts the next stream with the largest need of the recent streams plus a
 * safety margin, within [floor, max]; older needs count for less (each
 * newer stream takes 30 % off them), so one bad moment — a page still loading — is
 * forgotten after a few steady streams. An underrun (the scheduler found a
 * chunk late) needs nothing of its own: the chunk that caused it was later than
 * the lead minus the scheduler's safety, so its lateness is the stream's need and
 * the next stream's lead (need + MARGIN) would have placed it in time. The lead
 * grows at once by what delivery showed, not by a guess. The needs are remembered
 * per origin (a `Store`, e.g. localStorage), so a new page of the same
 * Jupyter server starts with what the last one learned.
 */

/**
 * The lead of a page that has learned nothing yet: safe rather than small, as a jitter
 * buffer starts; learned needs take over from the next stream (and from then on in
 * every page of the same Jupyter server). A fresh page's first speech is where delivery
 * is least steady: JupyterLab handles a kernel's messages in order, so when Run All
 * executes the next cells while the first one speaks, their new players' creation holds
 * back the chunks behind it — 48–64 ms, once over 90 ms, between chunks the kernel sent
 * 11–13 ms apart, on a loaded machine (two busy processes on two cores); 50 ms plus a
 * 40 ms first chunk left a gap there. A Jupyter server without this package's server
 * extension (server_extension.py) also holds a stream's second message back by up to
 * 40 ms (Nagle's algorithm).
 */
export const INITIAL_LEAD = 0.1;
export const FLOOR_LEAD = 0.015;
export const MAX_LEAD = 0.4;
/** Added to the measured need: more than the scheduler's safety (DEFAULT_SAFETY), so a
 * stream's need, as its next lead, would have placed all of its chunks in time. */
export const MARGIN = 0.003;
/** How many recent streams the lead is learned from. */
export const WINDOW = 6;
/** How much an older stream's need counts, per newer stream. */
export const DECAY = 0.7;

/** Where the needs are remembered (localStorage in a page). */
export interface Store {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const STORE_KEY = "cartesia-widget-lead-needs";

export class LeadTracker {
  private readonly needs: number[] = [];
  private readonly store: Store | null;

  constructor(store: Store | null = null) {
    this.store = store;
    try {
      const saved = JSON.parse(store?.getItem(STORE_KEY) ?? "[]");
      if (Array.isArray(saved)) this.needs.push(...saved.filter(Number.isFinite).slice(-WINDOW));
    } catch {
      // nothing remembered, or a store that refuses: learn afresh
    }
  }

  /** The lead for a new stream, seconds. */
  lead(): number {
    if (this.needs.length === 0) return INITIAL_LEAD;
    const last = this.needs.length - 1;
    const need = Math.max(...this.needs.map((n, i) => n * DECAY ** (last - i))) + MARGIN;
    return Math.min(MAX_LEAD, Math.max(FLOOR_LEAD, need));
  }

  /** A stream ended: `need` is the lead it would have needed (StreamNeed.need). */
  record(need: number): void {
    this.needs.push(Math.max(0, need));
    if (this.needs.length > WINDOW) this.needs.shift();
    try {
      this.store?.setItem(STORE_KEY, JSON.stringify(this.needs));
    } catch {
      // a full or forbidden store only costs the memory across pages
    }
  }
}

/**
 * The lead one stream would have needed: fed each chunk's arrival (audio-clock
 * seconds) and its length in seconds.
 */
export class StreamNeed {
  private start: number | null = null;
  private audio = 0;
  /** The largest lateness seen, seconds. */
  need = 0;

  arrived(now: number, seconds: number): void {
    if (this.start === null) this.start = now;
    else this.need = Math.max(this.need, now - (this.start + this.audio));
    this.audio += seconds;
  }
}
