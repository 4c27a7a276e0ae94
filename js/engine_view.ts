/**
 * The Engine widget's view: one line saying speech is ready, which voice
 * speaks, and whether the page may play audio yet ("Click to enable audio"
 * while the browser holds it back). Renders only; text through textContent.
 */
import type { AnyModel } from "@anywidget/types";
import { button, el, group, showText } from "./dom";
import type { AudioEngine } from "./engine";
import { listen, type EngineTraits } from "./models";
import { page } from "./output";

export function renderEngine(model: AnyModel<EngineTraits>, root: HTMLElement, engine: AudioEngine): () => void {
  const box = group("cw-engine", "Cartesia speech engine");
  const state = el("span", "cw-engine-state");
  state.setAttribute("role", "status");
  const enable = button("Click to enable audio", "Enable audio playback", "cw-enable");
  const notice = el("span", "cw-notice");
  box.append(state, enable, notice);
  root.replaceChildren(box);
  enable.addEventListener("click", () => engine.resume());
  const update = () => {
    const contexts = [...page().outputs.values()].map((o) => o.ctx.state);
    const held = contexts.some((s) => s === "suspended");
    state.textContent = held ? "Speech ready · audio waits for a click or key press" : "Speech ready";
    box.dataset.audio = held ? "suspended" : contexts.length ? "running" : "idle";
    enable.hidden = !held;
    showText(notice, String(model.get("notice") ?? ""));
  };
  const disposers = [engine.subscribe(update), listen(model, "change:notice", update)];
  update();
  return () => {
    for (const dispose of disposers) dispose();
  };
}
