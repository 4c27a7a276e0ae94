import { describe, expect, it } from "vitest";
import { placeWords } from "../../js/transcript";

describe("placeWords", () => {
  it("finds each timestamped word in the transcript, in order", () => {
    const text = "Hello there, world. Hello again.";
    const words: Array<[string, number, number]> = [
      ["Hello", 0, 0.3],
      ["there,", 0.3, 0.6],
      ["world.", 0.6, 1],
      ["Hello", 1.2, 1.5],
    ];
    const places = placeWords(text, words);
    expect(places.map(([a, b]) => text.slice(a, b))).toEqual(["Hello", "there,", "world.", "Hello"]);
    expect(places[3][0]).toBe(20); // the second "Hello", not the first
  });

  it("stops at a word the transcript does not hold (the server normalised it)", () => {
    const places = placeWords("It costs $5 today.", [
      ["It", 0, 1],
      ["costs", 1, 2],
      ["five dollars", 2, 3],
      ["today.", 3, 4],
    ]);
    expect(places).toEqual([
      [0, 2],
      [3, 8],
    ]);
  });
});
