import { describe, expect, it } from "vitest";
import { activeWord } from "../../js/captions";
import { decodeWav, encodeWav } from "../../js/wav";

describe("WAV", () => {
  it("round-trips 16-bit mono audio", () => {
    const samples = new Float32Array([0, 0.5, -0.5, 1, -1, 0.25]);
    const bytes = encodeWav(samples, 22050);
    expect(bytes.length).toBe(44 + samples.length * 2);
    const back = decodeWav(bytes);
    expect(back.sampleRate).toBe(22050);
    expect(back.samples.length).toBe(samples.length);
    for (let i = 0; i < samples.length; i++) expect(back.samples[i]).toBeCloseTo(samples[i], 4);
  });

  it("clips out-of-range samples when encoding", () => {
    const back = decodeWav(encodeWav(new Float32Array([3, -3]), 8000));
    expect(back.samples[0]).toBeCloseTo(1, 4);
    expect(back.samples[1]).toBeCloseTo(-1, 4);
  });

  it("decodes a DataView at an offset (as widget state arrives)", () => {
    const bytes = encodeWav(new Float32Array([0.5]), 16000);
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 5);
    const back = decodeWav(new DataView(padded.buffer, 5, bytes.length));
    expect(back.samples[0]).toBeCloseTo(0.5, 4);
  });

  it("rejects what it cannot play, saying why", () => {
    expect(() => decodeWav(new Uint8Array(10))).toThrow(/not a WAV/);
    const stereo = encodeWav(new Float32Array([0, 0]), 8000);
    new DataView(stereo.buffer).setUint16(22, 2, true);
    expect(() => decodeWav(stereo)).toThrow(/16-bit mono/);
  });
});

describe("activeWord", () => {
  const words: Array<[string, number, number]> = [
    ["one", 0.0, 0.3],
    ["two", 0.35, 0.6],
    ["three", 0.7, 1.0],
  ];
  it("follows the playback time in spoken order", () => {
    expect(activeWord(words, 0)).toBe(0);
    expect(activeWord(words, 0.32)).toBe(0);
    expect(activeWord(words, 0.4)).toBe(1);
    expect(activeWord(words, 0.95)).toBe(2);
  });
  it("is -1 before the first word and after the last one ended", () => {
    expect(activeWord([["late", 0.5, 0.9]], 0.1)).toBe(-1);
    expect(activeWord(words, 2.0)).toBe(-1);
    expect(activeWord([], 1)).toBe(-1);
  });
});
