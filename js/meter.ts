/** The playback meter: progress (seconds played of received) and the output level. */
import { el } from "./dom";
import type { EngineState } from "./engine";

function seconds(s: number): string {
  return `${s.toFixed(1)} s`;
}

export interface Meter {
  /** Progress bar, progress text, level meter. */
  nodes: HTMLElement[];
  /** Show the engine's progress through `total` seconds and the output `level` (RMS). */
  update(audio: EngineState, total: number, level: number): void;
}

export function meterPart(): Meter {
  const progress = el("progress", "cw-progress");
  progress.setAttribute("aria-label", "Seconds played of the seconds received");
  const progressText = el("span", "cw-progress-text");
  const meter = el("div", "cw-meter");
  meter.setAttribute("role", "meter");
  meter.setAttribute("aria-label", "Output level");
  meter.setAttribute("aria-valuemin", "0");
  meter.setAttribute("aria-valuemax", "1");
  const bar = el("div", "cw-meter-bar");
  meter.append(bar);
  const update = (audio: EngineState, total: number, level: number) => {
    progress.max = Math.max(total, 0.001);
    progress.value = Math.min(audio.played, total);
    progressText.textContent = `received ${seconds(total)} · played ${seconds(audio.played)}`;
    bar.style.width = `${Math.min(100, level * 400).toFixed(1)}%`;
    meter.setAttribute("aria-valuenow", level.toFixed(3));
  };
  return { nodes: [progress, progressText, meter], update };
}
