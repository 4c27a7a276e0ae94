/**
 * The compact player shown by each `%%speak` cell. It only renders: the
 * model's traits (kernel status, label, notice, error) and the engine's state.
 */
import { el, group } from "./dom";
import type { View } from "./engine_widget";
import { listen, type PlayerTraits } from "./models";
import { noticesPart } from "./notices";
import { statusPart, totalSeconds } from "./status";
import { transcriptPart } from "./transcript";

/** Seconds as m:ss.s */
function clock(seconds: number): string {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
}

export const renderPlayer: View<PlayerTraits> = (model, root, engine) => {
  const box = group("cw-player", "Cartesia speech player");
  const row = el("div", "cw-row");
  const live = statusPart(engine, box);
  const time = el("span", "cw-time");
  const label = el("span", "cw-label");
  row.append(live.status, time, live.stop, live.enable, label);
  const notes = noticesPart(model);
  const text = transcriptPart(model);
  box.append(row, text.transcript, notes.notice, notes.error);
  root.replaceChildren(box);

  let timer: ReturnType<typeof setInterval> | null = null;
  const update = () => {
    const kernel = String(model.get("status") ?? "");
    const audio = engine.state();
    const total = totalSeconds(audio, model.get("duration"));
    live.update(kernel, audio);
    time.textContent = total > 0 ? `${clock(audio.played)} / ${clock(total)}` : "";
    label.textContent = String(model.get("label") ?? "");
    text.highlight(audio);
    notes.update();
    if (audio.active && timer === null) timer = setInterval(update, 100);
    if (!audio.active && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };

  const unsubscribe = engine.subscribe(update);
  const traits = "change:status change:error change:notice change:duration change:label";
  const unlisten = listen(model, traits, update);
  update();
  return () => {
    unsubscribe();
    unlisten();
    text.dispose();
    if (timer !== null) clearInterval(timer);
  };
};
