/** Captions: the words of the speech, the one being spoken highlighted. */
import { el } from "./dom";
import type { EngineState } from "./engine";
import { listen, type SpeakerModel } from "./models";

/** The word being spoken at `t` seconds, or -1. */
export function activeWord(words: Array<[string, number, number]>, t: number): number {
  let active = -1;
  for (let i = 0; i < words.length; i++) {
    if (words[i][1] <= t) active = i;
    else break;
  }
  if (active >= 0 && t > words[active][2] + 0.25 && active === words.length - 1) return -1;
  return active;
}

export interface Captions {
  captions: HTMLDivElement;
  /** Highlight the word at the engine's play time (data-active: its index, or -1). */
  highlight(audio: EngineState): void;
  dispose(): void;
}

export function captionsPart(model: SpeakerModel): Captions {
  const captions = el("div", "cw-captions");
  captions.setAttribute("aria-label", "Captions");
  let spans: HTMLSpanElement[] = [];
  const render = () => {
    spans = (model.get("words") ?? []).map(([w], i) => {
      const span = el("span", "cw-word", w);
      span.dataset.index = String(i);
      return span;
    });
    const parts: Node[] = [];
    spans.forEach((span, i) => {
      if (i > 0) parts.push(document.createTextNode(" "));
      parts.push(span);
    });
    captions.replaceChildren(...parts);
  };
  const highlight = (audio: EngineState) => {
    const words = model.get("words") ?? [];
    const active = audio.active || audio.played > 0 ? activeWord(words, audio.played) : -1;
    spans.forEach((span, i) => span.classList.toggle("cw-word-active", i === active));
    captions.dataset.active = String(active);
  };
  const dispose = listen(model, "change:words", render);
  render();
  return { captions, highlight, dispose };
}
