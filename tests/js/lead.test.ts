import { describe, expect, it } from "vitest";
import { Scheduler } from "../../js/scheduler";
import {
  DECAY,
  FLOOR_LEAD,
  INITIAL_LEAD,
  LeadTracker,
  MARGIN,
  MAX_LEAD,
  StreamNeed,
  WINDOW,
} from "../../js/lead";

/** The need of a stream whose chunks of `seconds` arrive at `arrivals`. */
function need(arrivals: number[], seconds = 0.04): StreamNeed {
  const n = new StreamNeed();
  for (const t of arrivals) n.arrived(t, seconds);
  return n;
}

describe("StreamNeed", () => {
  it("is zero when every chunk comes before the audio ahead of it runs out", () => {
    expect(need([0, 0.01, 0.02, 0.05, 0.1]).need).toBe(0); // a fast server
  });

  it("is the largest lateness behind a stream anchored at its first chunk", () => {
    // 40 ms chunks at 1.2x real time (33 ms apart) with one 20 ms late
    const n = need([0, 0.033, 0.087, 0.1, 0.133]);
    expect(n.need).toBeCloseTo(0.087 - 0.08, 12);
  });

  it("learns from a stream that underran a lead that would have played it in time", () => {
    // 40 ms chunks; the second one 56 ms after the first (a server's +20 ms jitter,
    // and 3 ms more on the way)
    const arrivals = [1, 1.056, 1.066, 1.1, 1.133];
    const play = (lead: number) => {
      const clock = { t: 0 };
      const s = new Scheduler(() => clock.t, 1000, { lead });
      const n = new StreamNeed();
      for (const t of arrivals) {
        clock.t = t;
        n.arrived(t, 0.04);
        s.place(40);
      }
      return { underruns: s.underruns, need: n.need };
    };
    const first = play(FLOOR_LEAD);
    expect(first.underruns).toBe(1);
    const t = new LeadTracker();
    t.record(first.need);
    expect(t.lead()).toBeGreaterThan(FLOOR_LEAD); // it grows at once
    expect(play(t.lead()).underruns).toBe(0); // and by enough
  });
});

describe("LeadTracker", () => {
  it("starts at the initial lead and learns the need of recent streams", () => {
    const t = new LeadTracker();
    expect(t.lead()).toBe(INITIAL_LEAD);
    t.record(0);
    expect(t.lead()).toBe(FLOOR_LEAD); // fast delivery: as small as allowed
    t.record(0.02);
    expect(t.lead()).toBeCloseTo(0.02 + MARGIN, 12);
  });

  it("grows at once after a late stream and shrinks back once delivery is steady", () => {
    const t = new LeadTracker();
    t.record(0.05);
    expect(t.lead()).toBeCloseTo(0.05 + MARGIN, 12);
    t.record(0.005);
    expect(t.lead()).toBeCloseTo(0.05 * DECAY + MARGIN, 12); // remembered, less
    for (let i = 0; i < WINDOW; i++) t.record(0.012);
    expect(t.lead()).toBeCloseTo(0.012 + MARGIN, 12); // forgotten
  });

  it("never goes beyond its bounds", () => {
    const t = new LeadTracker();
    t.record(10);
    expect(t.lead()).toBe(MAX_LEAD);
  });
});

describe("LeadTracker memory", () => {
  it("remembers the needs in its store, for the next page of the same origin", () => {
    const saved = new Map<string, string>();
    const store = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
    const first = new LeadTracker(store);
    first.record(0.015);
    const next = new LeadTracker(store);
    expect(next.lead()).toBeCloseTo(0.015 + MARGIN, 12);
  });

  it("learns afresh when the store holds garbage or refuses", () => {
    const garbage = { getItem: () => "not json", setItem: () => undefined };
    expect(new LeadTracker(garbage).lead()).toBe(INITIAL_LEAD);
    const refusing = {
      getItem: () => null,
      setItem: () => {
        throw new Error("quota");
      },
    };
    const t = new LeadTracker(refusing);
    t.record(0.02);
    expect(t.lead()).toBeCloseTo(0.02 + MARGIN, 12);
  });
});
