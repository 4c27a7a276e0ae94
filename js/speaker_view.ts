/**
 * The Speaker widget's view: the text to speak, then its parts: the voice
 * picker, the generation controls, the transport (Speak / Stop / Replay /
 * Download), the status and playback meter, captions, the latency readout,
 * and the kernel's notices. It renders the model's traits and its stream's
 * state; the page's engine owns the audio.
 *
 * Keyboard: Ctrl/Cmd+Enter in the text speaks; Escape anywhere in it stops.
 */
import { captionsPart } from "./captions";
import { el, group } from "./dom";
import type { View } from "./playback_widget";
import { generationControls } from "./generation_controls";
import { latencyPart } from "./latency";
import { meterPart } from "./meter";
import { listen, save, type SpeakerModel, type SpeakerTraits } from "./models";
import { noticesPart } from "./notices";
import { statusPart, totalSeconds } from "./status";
import { transport } from "./transport";
import { voicePicker } from "./voice_picker";

function textInput(model: SpeakerModel): { text: HTMLTextAreaElement; dispose(): void } {
  const text = el("textarea", "cw-text");
  text.rows = 3;
  text.placeholder = "Type something to say… (Ctrl+Enter speaks, Escape stops)";
  text.setAttribute("aria-label", "Text to speak");
  const render = () => {
    if (text.value !== model.get("text")) text.value = String(model.get("text") ?? "");
  };
  text.addEventListener("input", () => save(model, "text", text.value));
  const dispose = listen(model, "change:text", render);
  render();
  return { text, dispose };
}

export const renderSpeaker: View<SpeakerTraits> = (model, root, playback) => {
  const box = group("cw-speaker", "Cartesia speaker");
  const { text, dispose: disposeText } = textInput(model);
  const voices = voicePicker(model);
  const controls = generationControls(model);
  const live = statusPart(playback, box, "Ready");
  const actions = transport(model, playback, live, () => text.value);
  const meter = meterPart();
  const progressRow = el("div", "cw-row");
  progressRow.append(live.status, ...meter.nodes);
  const captions = captionsPart(model);
  const latency = latencyPart(model);
  const notes = noticesPart(model);
  box.append(
    text,
    voices.row,
    voices.description,
    controls.row,
    controls.advanced,
    actions.row,
    progressRow,
    captions.captions,
    latency.latency,
    notes.notice,
    notes.error,
  );
  root.replaceChildren(box);

  let frame = 0;
  const renderLive = () => {
    const kernel = String(model.get("status") ?? "");
    const audio = playback.state();
    const total = totalSeconds(audio, model.get("duration"));
    live.update(kernel, audio);
    meter.update(audio, total, playback.level());
    captions.highlight(audio);
    actions.update(audio, total);
    notes.update();
    if (audio.active && frame === 0) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        renderLive();
      });
    }
  };

  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.stopPropagation();
      actions.speak();
    }
  });
  box.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      playback.stop(true);
    }
  });
  const liveTraits = "change:status change:error change:notice change:duration change:recording";
  const disposers = [
    disposeText,
    voices.dispose,
    controls.dispose,
    captions.dispose,
    latency.dispose,
    listen(model, liveTraits, renderLive),
    playback.subscribe(renderLive),
  ];
  renderLive();
  return () => {
    for (const dispose of disposers) dispose();
    if (frame) cancelAnimationFrame(frame);
  };
};
