import { describe, expect, it } from "vitest";
import { PAGE_BYTES, STREAM_BYTES, SpeechCache } from "../../js/speech_cache";

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 200) / 100 - 1);

describe("SpeechCache", () => {
  it("keeps a stream's chunks in order, as 16-bit samples", () => {
    const cache = new SpeechCache();
    cache.add("a", ramp(300), 24000);
    cache.add("a", Float32Array.of(2, -2, 0.5), 24000); // out of range: clipped
    const audio = cache.audio("a")!;
    expect(audio.sampleRate).toBe(24000);
    expect(audio.samples.length).toBe(303);
    const expected = [...ramp(300), 1, -1, 0.5];
    audio.samples.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1 / 32767));
    expect(cache.bytes).toBe(303 * 2);
  });

  it("keeps nothing of a stream that outgrows its cap (no partial replay)", () => {
    const cache = new SpeechCache({ stream: 1000, page: 10_000 });
    cache.add("long", ramp(400), 8000);
    expect(cache.has("long")).toBe(true);
    cache.add("long", ramp(200), 8000); // 1200 bytes > 1000
    expect(cache.has("long")).toBe(false);
    expect(cache.audio("long")).toBeNull();
    cache.add("long", ramp(10), 8000); // and does not start again halfway
    expect(cache.has("long")).toBe(false);
    expect(cache.bytes).toBe(0);
  });

  it("forgets the oldest streams to stay within the page budget", () => {
    const cache = new SpeechCache({ stream: 1000, page: 2000 });
    for (const id of ["a", "b", "c"]) cache.add(id, ramp(400), 8000); // 800 bytes each
    expect([cache.has("a"), cache.has("b"), cache.has("c")]).toEqual([false, true, true]);
    expect(cache.bytes).toBe(1600);
    cache.forget("b");
    expect(cache.bytes).toBe(800);
  });

  it("bounds a page at a size a two-hour reading would exceed", () => {
    const twoHours = 2 * 3600 * 44100 * 2;
    expect(STREAM_BYTES).toBeLessThan(twoHours);
    expect(PAGE_BYTES).toBeGreaterThanOrEqual(2 * STREAM_BYTES);
  });
});
