import { describe, expect, it } from "vitest";
import { isKernelMessage } from "../../js/messages";

describe("isKernelMessage", () => {
  it("accepts the kernel's four messages", () => {
    const chunk = { type: "chunk", stream: "u1", seq: 0, sample_rate: 44100, t_kernel: 1.5e9 };
    expect(isKernelMessage(chunk)).toBe(true);
    expect(isKernelMessage({ type: "end", stream: "u1", frames: 4410 })).toBe(true);
    expect(isKernelMessage({ type: "stop", stream: "u1" })).toBe(true);
    expect(isKernelMessage({ type: "stop", stream: null })).toBe(true);
    expect(isKernelMessage({ type: "stop" })).toBe(true); // no stream: every stream
    expect(isKernelMessage({ type: "hello" })).toBe(true);
  });

  it("rejects anything malformed", () => {
    const chunk = { type: "chunk", stream: "u1", seq: 0, sample_rate: 44100, t_kernel: 0 };
    for (const bad of [
      null,
      undefined,
      "chunk",
      42,
      [],
      {},
      { type: "speak" },
      { type: "finished", stream: "u1" },
      { ...chunk, stream: 7 },
      { ...chunk, seq: "0" },
      { ...chunk, sample_rate: 0 },
      { ...chunk, sample_rate: NaN },
      { ...chunk, t_kernel: undefined },
      { type: "end", stream: "u1" },
      { type: "end", frames: 1 },
      { type: "stop", stream: 3 },
    ]) {
      expect(isKernelMessage(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
