/**
 * The compact player shown by each `%%speak` cell. It only renders: the
 * model's traits (kernel status, notice, error) and the Player's state.
 * All text goes through textContent.
 */
import type { Player, PlayerState } from "./player";

export interface ViewModel {
  get(name: string): any;
  on(event: string, cb: () => void): void;
  off(event?: string | null, cb?: (() => void) | null): void;
}

const KERNEL_STATUS: Record<string, string> = {
  queued: "Queued",
  connecting: "Connecting…",
  streaming: "Speaking",
  done: "Done",
  stopped: "Stopped",
  error: "Error",
};

function clock(seconds: number): string {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
}

/** A new element with a class and its text set through textContent. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text = "",
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

export function statusText(kernel: string, audio: PlayerState): string {
  if (audio.audio === "suspended" && audio.active) return "Waiting for audio permission";
  if (audio.active && audio.played > 0) return "Playing";
  if (audio.local && audio.received > 0) return audio.active ? "Starting" : "Played";
  if (kernel === "error") return KERNEL_STATUS.error;
  if (kernel === "stopped") return KERNEL_STATUS.stopped;
  if (kernel === "done" && !audio.active && audio.received > 0) return "Played";
  return KERNEL_STATUS[kernel] ?? kernel;
}

export function renderPlayer(model: ViewModel, root: HTMLElement, player: Player): () => void {
  const box = el("div", "cw-player");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Cartesia speech player");
  const row = el("div", "cw-row");
  const status = el("span", "cw-status");
  status.setAttribute("role", "status");
  const time = el("span", "cw-time");
  const stop = el("button", "cw-stop", "Stop");
  stop.type = "button";
  stop.setAttribute("aria-label", "Stop speech");
  const enable = el("button", "cw-enable", "Click to enable audio");
  enable.type = "button";
  enable.setAttribute("aria-label", "Enable audio playback");
  const label = el("span", "cw-label");
  row.append(status, time, stop, enable, label);
  const notice = el("div", "cw-notice");
  const error = el("div", "cw-error");
  error.setAttribute("role", "alert");
  box.append(row, notice, error);
  root.replaceChildren(box);

  let timer: ReturnType<typeof setInterval> | null = null;
  const update = () => {
    const kernel = String(model.get("status") ?? "");
    const audio = player.state();
    const total = Math.max(audio.received, Number(model.get("duration") ?? 0));
    status.textContent = statusText(kernel, audio);
    box.dataset.status = kernel;
    box.dataset.audio = audio.audio;
    box.dataset.stream = audio.stream;
    time.textContent = total > 0 ? `${clock(audio.played)} / ${clock(total)}` : "";
    const generating = kernel === "queued" || kernel === "connecting" || kernel === "streaming";
    stop.disabled = !(audio.active || generating);
    enable.hidden = !(audio.audio === "suspended" && audio.active);
    label.textContent = String(model.get("label") ?? "");
    notice.textContent = String(model.get("notice") ?? "");
    notice.hidden = !notice.textContent;
    error.textContent = String(model.get("error") ?? "");
    error.hidden = !error.textContent;
    if (audio.active && timer === null) timer = setInterval(update, 100);
    if (!audio.active && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };

  stop.addEventListener("click", () => player.stop(true));
  enable.addEventListener("click", () => player.resume());
  const unsubscribe = player.subscribe(update);
  const traits = "change:status change:error change:notice change:duration change:label";
  model.on(traits, update);
  update();
  return () => {
    unsubscribe();
    model.off(traits, update);
    if (timer !== null) clearInterval(timer);
  };
}
