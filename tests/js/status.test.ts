import { describe, expect, it } from "vitest";
import { IDLE_STATE, type EngineState } from "../../js/engine";
import { liveStatus, statusText, totalSeconds } from "../../js/status";

const idle: EngineState = { ...IDLE_STATE };
const state = (over: Partial<EngineState>): EngineState => ({ ...idle, stream: "s1", ...over });

describe("statusText", () => {
  it("names the kernel's status before any audio", () => {
    expect(statusText("queued", idle)).toBe("Queued");
    expect(statusText("connecting", idle)).toBe("Connecting…");
    expect(statusText("streaming", idle)).toBe("Speaking");
    expect(statusText("done", idle)).toBe("Done");
    expect(statusText("stopped", idle)).toBe("Stopped");
    expect(statusText("error", idle)).toBe("Error");
    expect(statusText("", idle)).toBe("");
    expect(statusText("something new", idle)).toBe("something new");
  });

  it("waits for permission while the context is suspended", () => {
    const held = state({ audio: "suspended", active: true, received: 1 });
    expect(statusText("streaming", held)).toBe("Waiting for audio permission");
    expect(statusText("streaming", { ...held, active: false })).toBe("Speaking");
  });

  it("says Playing once audio plays, Played once the kernel is done and it ended", () => {
    const playing = state({ audio: "running", active: true, received: 2, played: 0.5 });
    expect(statusText("streaming", playing)).toBe("Playing");
    expect(statusText("done", playing)).toBe("Playing");
    expect(statusText("streaming", { ...playing, played: 0 })).toBe("Speaking");
    const ended = { ...playing, active: false, played: 2 };
    expect(statusText("done", ended)).toBe("Played");
    expect(statusText("streaming", ended)).toBe("Speaking");
    expect(statusText("done", state({ audio: "running" }))).toBe("Done");
  });

  it("waits for text while the source writes and nothing is left to play", () => {
    const drained = state({ audio: "running", active: true, received: 2, played: 2 });
    expect(statusText("waiting", drained)).toBe("Waiting for text");
    expect(statusText("waiting", { ...drained, buffered: 0.8 })).toBe("Playing");
    expect(statusText("waiting", idle)).toBe("Waiting for text");
    expect(liveStatus("waiting", drained).stoppable).toBe(true);
  });

  it("reports a replay as Starting, then Played, whatever the kernel says", () => {
    const replay = state({ audio: "running", active: true, received: 2, replay: true });
    expect(statusText("stopped", replay)).toBe("Starting");
    expect(statusText("error", { ...replay, active: false })).toBe("Played");
    expect(statusText("stopped", { ...replay, played: 1 })).toBe("Playing");
  });

  it("puts the kernel's error and stop before Played", () => {
    const ended = state({ audio: "running", received: 2, played: 2 });
    expect(statusText("error", ended)).toBe("Error");
    expect(statusText("stopped", ended)).toBe("Stopped");
  });
});

describe("liveStatus", () => {
  it("enables Stop while audio plays or the kernel generates", () => {
    for (const kernel of ["queued", "connecting", "streaming"]) {
      expect(liveStatus(kernel, idle).stoppable).toBe(true);
    }
    for (const kernel of ["", "done", "stopped", "error"]) {
      expect(liveStatus(kernel, idle).stoppable).toBe(false);
    }
    expect(liveStatus("done", state({ active: true, audio: "running" })).stoppable).toBe(true);
  });

  it("asks for permission only while suspended audio is active", () => {
    const asks = (kernel: string, over: Partial<EngineState>) =>
      liveStatus(kernel, state(over)).needsPermission;
    expect(asks("streaming", { audio: "suspended", active: true })).toBe(true);
    expect(asks("done", { audio: "suspended" })).toBe(false);
    expect(asks("streaming", { audio: "running", active: true })).toBe(false);
  });

  it("shows the idle text only before any status or audio", () => {
    expect(liveStatus("", idle, "Ready").text).toBe("Ready");
    expect(liveStatus("", idle).text).toBe("");
    expect(liveStatus("queued", idle, "Ready").text).toBe("Queued");
    const replayed = state({ received: 1, replay: true, audio: "running" });
    expect(liveStatus("", replayed, "Ready").text).toBe("Played");
  });
});

describe("totalSeconds", () => {
  it("is the longer of what was received and what the kernel generated", () => {
    expect(totalSeconds(state({ received: 2 }), 1.5)).toBe(2);
    expect(totalSeconds(state({ received: 1 }), 3)).toBe(3);
    expect(totalSeconds(idle, null)).toBe(0);
  });
});
