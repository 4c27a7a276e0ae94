/**
 * The transcript of text that arrives piece by piece (an LLM's answer): shown
 * as it comes, the word being spoken highlighted when there are word
 * timestamps, the text not yet reached dimmed. Only renders; text through
 * textContent.
 */
import type { AnyModel } from "@anywidget/types";
import { activeWord } from "./captions";
import { el } from "./dom";
import type { EngineState } from "./engine";
import { listen, type PlayerTraits } from "./models";

/** Where each word sits in `text`: [start, end] offsets, searched in order; words not
 * found (the server normalised them) stop the mapping. */
export function placeWords(text: string, words: Array<[string, number, number]>): Array<[number, number]> {
  const places: Array<[number, number]> = [];
  let at = 0;
  for (const [word] of words) {
    const start = text.indexOf(word, at);
    if (start < 0) break;
    places.push([start, start + word.length]);
    at = start + word.length;
  }
  return places;
}

export interface TranscriptPart {
  transcript: HTMLDivElement;
  highlight(audio: EngineState): void;
  dispose(): void;
}

export function transcriptPart<T extends PlayerTraits>(model: AnyModel<T>): TranscriptPart {
  const transcript = el("div", "cw-transcript");
  transcript.setAttribute("aria-label", "Transcript");
  transcript.setAttribute("aria-live", "polite");
  let spans: HTMLSpanElement[] = [];
  let active = -1;
  const render = () => {
    const text = String(model.get("transcript") ?? "");
    const words = model.get("words") ?? [];
    const parts: Node[] = [];
    spans = [];
    let at = 0;
    placeWords(text, words).forEach(([start, end], i) => {
      if (start > at) parts.push(document.createTextNode(text.slice(at, start)));
      const span = el("span", "cw-word", text.slice(start, end));
      span.dataset.index = String(i);
      spans.push(span);
      parts.push(span);
      at = end;
    });
    if (at < text.length) parts.push(el("span", "cw-pending", text.slice(at)));
    transcript.replaceChildren(...parts);
    transcript.hidden = !text;
    active = -1;
  };
  const highlight = (audio: EngineState) => {
    const words = model.get("words") ?? [];
    const now = audio.active || audio.played > 0 ? activeWord(words, audio.played) : -1;
    if (now === active) return;
    spans[active]?.classList.remove("cw-word-active");
    spans[now]?.classList.add("cw-word-active");
    spans[now]?.scrollIntoView?.({ block: "nearest" });
    active = now;
    transcript.dataset.active = String(now);
  };
  const dispose = listen(model, "change:transcript change:words", render);
  render();
  return { transcript, highlight, dispose };
}
