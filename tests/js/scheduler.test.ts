import { describe, expect, it } from "vitest";
import { Scheduler } from "../../js/scheduler";

function fakeClock(start = 0) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

describe("Scheduler", () => {
  it("places chunks back to back on an integer frame clock", () => {
    const clock = fakeClock(10);
    const s = new Scheduler(clock.now, 44100, { lead: 0.02 });
    const sizes = [1764, 1764, 883, 4410, 1];
    const placed = sizes.map((n) => s.place(n));
    expect(placed[0].when).toBeCloseTo(10.02, 12);
    let frames = 0;
    for (let i = 0; i < sizes.length; i++) {
      expect(placed[i].late).toBe(false);
      expect(placed[i].when).toBe(10.02 + frames / 44100);
      frames += sizes[i];
    }
    expect(s.end).toBe(10.02 + frames / 44100);
    expect(s.underruns).toBe(0);
  });

  it("does not accumulate float error over many chunks", () => {
    const clock = fakeClock(0);
    const s = new Scheduler(clock.now, 48000, { lead: 0.01 });
    let last = 0;
    for (let i = 0; i < 100000; i++) {
      last = s.place(1920).when; // 40 ms chunks
      clock.t = last - 0.02; // the clock keeps up, chunk always in time
    }
    expect(last).toBe(0.01 + (99999 * 1920) / 48000);
    expect(s.underruns).toBe(0);
  });

  it("detects a late chunk, counts an underrun and re-anchors with a larger lead", () => {
    const clock = fakeClock(0);
    const s = new Scheduler(clock.now, 8000, { lead: 0.02, safety: 0.005 });
    const first = s.place(800); // 0.1 s at 0.02
    expect(first.when).toBeCloseTo(0.02, 12);
    clock.t = 0.3; // the next chunk was due at 0.12: late
    const late = s.place(800);
    expect(late.late).toBe(true);
    expect(s.underruns).toBe(1);
    expect(s.lead).toBeCloseTo(0.04, 12);
    expect(late.when).toBeCloseTo(0.34, 12);
    expect(late.gap).toBeCloseTo(0.34 - 0.12, 12);
    const next = s.place(800);
    expect(next.late).toBe(false);
    expect(next.when).toBeCloseTo(0.44, 12);
  });

  it("treats a chunk inside the safety margin as late", () => {
    const clock = fakeClock(0);
    const s = new Scheduler(clock.now, 1000, { lead: 0.05, safety: 0.01 });
    s.place(100); // 0.05 .. 0.15
    clock.t = 0.145; // next due at 0.15, only 5 ms ahead
    expect(s.place(10).late).toBe(true);
  });

  it("never grows the lead past maxLead", () => {
    const clock = fakeClock(0);
    const s = new Scheduler(clock.now, 1000, { lead: 0.1, maxLead: 0.25 });
    s.place(10);
    for (let i = 0; i < 5; i++) {
      clock.t += 10;
      s.place(10);
    }
    expect(s.underruns).toBe(5);
    expect(s.lead).toBe(0.25);
  });

  it("starts a stream no earlier than notBefore (no overlap with the previous one)", () => {
    const clock = fakeClock(1);
    const a = new Scheduler(clock.now, 22050, { lead: 0.02 });
    a.place(22050); // 1.02 .. 2.02
    const b = new Scheduler(clock.now, 22050, { lead: 0.02 });
    expect(b.place(100, a.end).when).toBeCloseTo(2.02, 12);
    const c = new Scheduler(clock.now, 22050, { lead: 0.02 });
    expect(c.place(100, 0.5).when).toBeCloseTo(1.02, 12);
  });

  it("reports played seconds from the clock and restarts after reset (stop)", () => {
    const clock = fakeClock(0);
    const s = new Scheduler(clock.now, 1000, { lead: 0.1 });
    s.place(1000); // 0.1 .. 1.1
    expect(s.played()).toBe(0);
    clock.t = 0.6;
    expect(s.played()).toBeCloseTo(0.5, 12);
    clock.t = 5;
    expect(s.played()).toBe(1);
    s.reset();
    expect(s.started).toBe(false);
    expect(s.place(10).when).toBeCloseTo(5.1, 12);
    expect(s.underruns).toBe(0);
  });

  it("rejects fractional frame counts and bad sample rates", () => {
    const s = new Scheduler(() => 0, 1000);
    expect(() => s.place(1.5)).toThrow(/integer/);
    expect(() => new Scheduler(() => 0, 0)).toThrow(/sample rate/);
  });
});
