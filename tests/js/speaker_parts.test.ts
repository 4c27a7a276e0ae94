import { describe, expect, it } from "vitest";
import { languageOptions } from "../../js/generation_controls";
import { latencyText } from "../../js/latency";
import type { Voice } from "../../js/models";
import { voiceOptions } from "../../js/voice_picker";

const voices: Voice[] = [
  { id: "a", name: "Anna", language: "de", description: "A calm German voice" },
  { id: "b", name: "Ben", language: "en" },
  { id: "c", name: "Chloé", language: "fr", description: "Bright" },
];

describe("voiceOptions", () => {
  it("lists every voice as name · language without a query", () => {
    expect(voiceOptions(voices, "", "")).toEqual([
      ["a", "Anna · de"],
      ["b", "Ben · en"],
      ["c", "Chloé · fr"],
    ]);
  });

  it("matches name, language and description, ignoring case and spaces", () => {
    expect(voiceOptions(voices, "", " GERMAN ").map(([id]) => id)).toEqual(["a"]);
    expect(voiceOptions(voices, "", "fr").map(([id]) => id)).toEqual(["c"]);
    expect(voiceOptions(voices, "", "ben").map(([id]) => id)).toEqual(["b"]);
  });

  it("marks the offline server's neural voices, and finds them by it", () => {
    const offline: Voice[] = [
      { id: "h", name: "Local Hibari", language: "en", engine: "neural" },
      { id: "j", name: "Local Jordan", language: "en", engine: "espeak" },
    ];
    expect(voiceOptions(offline, "", "")).toEqual([
      ["h", "Local Hibari · en · neural"],
      ["j", "Local Jordan · en"],
    ]);
    expect(voiceOptions(offline, "", "neural").map(([id]) => id)).toEqual(["h"]);
  });

  it("keeps the chosen voice listed, by id when it is unknown", () => {
    expect(voiceOptions(voices, "b", "german").map(([id]) => id)).toEqual(["a", "b"]);
    expect(voiceOptions(voices, "zz", "german")).toEqual([
      ["zz", "zz"],
      ["a", "Anna · de"],
    ]);
  });
});

describe("languageOptions", () => {
  it("offers the voice's own language, then each language once, sorted", () => {
    expect(languageOptions([...voices, { id: "d", name: "Dora", language: "de" }])).toEqual([
      ["", "Voice's own"],
      ["de", "de"],
      ["en", "en"],
      ["fr", "fr"],
    ]);
  });
});

describe("latencyText", () => {
  it("is empty before the first audio was scheduled", () => {
    expect(latencyText({})).toBe("");
    expect(latencyText({ first_scheduled_ms: null })).toBe("");
  });

  it("sums scheduling and lead into the first audio, and breaks it down", () => {
    const text = latencyText({
      first_scheduled_ms: 120,
      lead_ms: 40,
      first_server_chunk_ms: 90,
      first_sent_ms: 95,
      first_browser_chunk_ms: 101,
      schedule_ms: 0.42,
    });
    expect(text).toBe(
      "First audio 160 ms: server 90 ms · kernel → browser 6 ms · scheduling 0.4 ms · lead 40 ms",
    );
  });
});
