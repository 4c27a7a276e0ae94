/** The latency readout: how long the first audio took, and where the time went. */
import { el } from "./dom";
import { listen, type SpeakerModel } from "./models";

/** The readout for the kernel's `metrics` ("" before the first audio was scheduled). */
export function latencyText(m: Record<string, number | null>): string {
  if (m.first_scheduled_ms == null) return "";
  const audible = (m.first_scheduled_ms ?? 0) + (m.lead_ms ?? 0);
  const toBrowser = (m.first_browser_chunk_ms ?? 0) - (m.first_sent_ms ?? 0);
  const server = Number(m.first_server_chunk_ms).toFixed(0);
  const scheduling = Number(m.schedule_ms).toFixed(1);
  return (
    `First audio ${audible.toFixed(0)} ms: server ${server} ms` +
    ` · kernel → browser ${toBrowser.toFixed(0)} ms · scheduling ${scheduling} ms` +
    ` · lead ${Number(m.lead_ms).toFixed(0)} ms`
  );
}

export function latencyPart(model: SpeakerModel): { latency: HTMLDivElement; dispose(): void } {
  const latency = el("div", "cw-latency");
  latency.setAttribute("aria-label", "Latency");
  const render = () => {
    latency.textContent = latencyText(model.get("metrics") ?? {});
  };
  const dispose = listen(model, "change:metrics", render);
  render();
  return { latency, dispose };
}
