/**
 * The compact player shown by each `%%speak` cell. It only renders: the
 * model's traits (kernel status, label, notice, error) and its stream's state on
 * the page's engine.
 */
import { button, el, group } from "./dom";
import type { View } from "./playback_widget";
import { listen, type PlayerTraits } from "./models";
import { noticesPart } from "./notices";
import { hasRecording, replay } from "./recording";
import { statusPart, totalSeconds } from "./status";
import { transcriptPart } from "./transcript";

/** Seconds as m:ss.s */
function clock(seconds: number): string {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
}

export const renderPlayer: View<PlayerTraits> = (model, root, playback) => {
  const box = group("cw-player", "Cartesia speech player");
  const row = el("div", "cw-row");
  const live = statusPart(playback, box);
  const time = el("span", "cw-time");
  const label = el("span", "cw-label");
  const again = button("Replay", "Replay the speech", "cw-replay");
  again.addEventListener("click", () => void replay(model, playback));
  row.append(live.status, time, live.stop, again, live.enable, label);
  const notes = noticesPart(model);
  const text = transcriptPart(model);
  box.append(row, text.transcript, notes.notice, notes.error);
  root.replaceChildren(box);

  let timer: ReturnType<typeof setInterval> | null = null;
  const update = () => {
    const kernel = String(model.get("status") ?? "");
    const audio = playback.state();
    const total = totalSeconds(audio, model.get("duration"));
    live.update(kernel, audio);
    time.textContent = total > 0 ? `${clock(audio.played)} / ${clock(total)}` : "";
    label.textContent = String(model.get("label") ?? "");
    again.hidden = audio.active || !(audio.received > 0 || hasRecording(model));
    text.highlight(audio);
    notes.update();
    if (audio.active && timer === null) timer = setInterval(update, 100);
    if (!audio.active && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };

  const unsubscribe = playback.subscribe(update);
  const traits =
    "change:status change:error change:notice change:duration change:label change:recording";
  const unlisten = listen(model, traits, update);
  update();
  return () => {
    unsubscribe();
    unlisten();
    text.dispose();
    if (timer !== null) clearInterval(timer);
  };
};
