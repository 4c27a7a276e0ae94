import { describe, expect, it } from "vitest";
import { Float32Decoder, sanitize } from "../../js/decode";

function f32bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe("Float32Decoder", () => {
  it("decodes a DataView with byteOffset 0 (JupyterLab)", () => {
    const bytes = f32bytes([0.5, -0.25, 1]);
    const out = new Float32Decoder().push(new DataView(bytes.buffer));
    expect(Array.from(out)).toEqual([0.5, -0.25, 1]);
  });

  it("decodes an unaligned Uint8Array view (Colab)", () => {
    const payload = f32bytes([0.125, -0.5]);
    const backing = new Uint8Array(payload.length + 3);
    backing.set(payload, 3);
    const view = new Uint8Array(backing.buffer, 3, payload.length);
    expect(Array.from(new Float32Decoder().push(view))).toEqual([0.125, -0.5]);
  });

  it("decodes a bare ArrayBuffer, and a DataView that starts inside its buffer", () => {
    const bytes = f32bytes([0.75, -1]);
    expect(Array.from(new Float32Decoder().push(bytes.buffer))).toEqual([0.75, -1]);
    const backing = new Uint8Array(bytes.length + 5);
    backing.set(bytes, 5);
    const view = new DataView(backing.buffer, 5, bytes.length);
    expect(Array.from(new Float32Decoder().push(view))).toEqual([0.75, -1]);
  });

  it("decodes every buffer type the same, split anywhere across messages", () => {
    const values = [0.5, -0.25, 0.125, 1, -1, 0.0625];
    const bytes = f32bytes(values);
    const kinds = [
      (b: Uint8Array) => new DataView(b.slice().buffer),
      (b: Uint8Array) => b.slice(),
      (b: Uint8Array) => b.slice().buffer,
    ];
    for (const kind of kinds) {
      for (let cut = 0; cut <= bytes.length; cut++) {
        const d = new Float32Decoder();
        const out = [...d.push(kind(bytes.subarray(0, cut))), ...d.push(kind(bytes.subarray(cut)))];
        expect(out).toEqual(values);
      }
    }
  });

  it("carries a partial sample over to the next buffer", () => {
    const bytes = f32bytes([0.25, 0.75, -0.75]);
    const d = new Float32Decoder();
    expect(Array.from(d.push(bytes.slice(0, 6)))).toEqual([0.25]);
    expect(d.pending).toBe(2);
    expect(Array.from(d.push(bytes.slice(6)))).toEqual([0.75, -0.75]);
    expect(d.pending).toBe(0);
  });

  it("sanitises NaN, Inf and out-of-range samples", () => {
    const out = sanitize(new Float32Array([NaN, Infinity, -Infinity, 2, -3, 0.5]));
    expect(Array.from(out)).toEqual([0, 0, 0, 1, -1, 0.5]);
  });

  it("does not alias the caller's buffer", () => {
    const bytes = f32bytes([0.5]);
    const out = new Float32Decoder().push(bytes);
    bytes.fill(0);
    expect(out[0]).toBe(0.5);
  });
});
