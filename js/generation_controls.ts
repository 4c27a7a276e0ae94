/**
 * The generation controls: model, language, speed, volume and emotion, and
 * under "Advanced" the sample rate and encoding. A control the chosen model
 * does not honour (`features[model]`) is disabled. Unset traits are null:
 * language shows "Voice's own", emotion "None", speed and volume 1.00×.
 */
import { el, fill, labelled } from "./dom";
import { listen, save, type Feature, type SpeakerModel, type Voice } from "./models";

/** "Voice's own" (unset), then every language of the voices, sorted. */
export function languageOptions(voices: Voice[]): Array<[string, string]> {
  const languages = [...new Set(voices.map((v) => v.language))].sort();
  return [["", "Voice's own"], ...languages.map((l): [string, string] => [l, l])];
}

/** Options whose value is their text. */
const plain = (values: string[]): Array<[string, string]> => values.map((v) => [v, v]);

/** A labelled range input with its value shown as "1.00×". */
function slider(name: string, className: string, min: string, max: string) {
  const input = el("input", className);
  input.type = "range";
  input.min = min;
  input.max = max;
  input.step = "0.05";
  const output = el("output", `${className}-value`);
  const field = labelled(name, input);
  field.append(output);
  const show = (value: number | null) => {
    const v = value ?? 1; // null: the model's default
    input.value = String(v);
    output.textContent = `${v.toFixed(2)}×`;
  };
  return { input, field, show };
}

export interface GenerationControls {
  /** Model, language, speed, volume, emotion. */
  row: HTMLDivElement;
  /** "Advanced": sample rate and encoding. */
  advanced: HTMLDetailsElement;
  dispose(): void;
}

export function generationControls(model: SpeakerModel): GenerationControls {
  const modelSelect = el("select", "cw-model");
  const language = el("select", "cw-language");
  const speed = slider("Speed", "cw-speed", "0.6", "1.5");
  const volume = slider("Volume", "cw-volume", "0.5", "2.0");
  const emotion = el("select", "cw-emotion");
  const row = el("div", "cw-row");
  row.append(
    labelled("Model", modelSelect),
    labelled("Language", language),
    speed.field,
    volume.field,
    labelled("Emotion", emotion),
  );
  const advanced = el("details", "cw-advanced");
  advanced.append(el("summary", "", "Advanced"));
  const rate = el("select", "cw-sample-rate");
  const encoding = el("select", "cw-encoding");
  const advancedRow = el("div", "cw-row");
  advancedRow.append(labelled("Sample rate", rate), labelled("Encoding", encoding));
  advanced.append(advancedRow);

  const render = () => {
    const m = model.get("model") ?? "";
    fill(modelSelect, plain(model.get("models") ?? []), m);
    fill(language, languageOptions(model.get("voices") ?? []), model.get("language") ?? "");
    speed.show(model.get("speed"));
    volume.show(model.get("volume"));
    const emotions = plain(model.get("emotions") ?? []);
    fill(emotion, [["", "None"], ...emotions], model.get("emotion") ?? "");
    const features = (model.get("features") ?? {})[m] ?? [];
    const gate = (control: HTMLInputElement | HTMLSelectElement, feature: Feature) => {
      control.disabled = !features.includes(feature);
      control.title = control.disabled ? `Not supported by ${m}` : "";
    };
    gate(speed.input, "speed");
    gate(volume.input, "volume");
    gate(emotion, "emotion");
    const rates = (model.get("sample_rates") ?? []).map((r): [string, string] => [
      String(r),
      `${r} Hz`,
    ]);
    fill(rate, rates, String(model.get("sample_rate")));
    fill(encoding, plain(model.get("encodings") ?? []), String(model.get("encoding")));
  };

  modelSelect.addEventListener("change", () => save(model, "model", modelSelect.value));
  language.addEventListener("change", () => save(model, "language", language.value || null));
  speed.input.addEventListener("input", () => save(model, "speed", Number(speed.input.value)));
  volume.input.addEventListener("input", () => save(model, "volume", Number(volume.input.value)));
  emotion.addEventListener("change", () => save(model, "emotion", emotion.value || null));
  rate.addEventListener("change", () => save(model, "sample_rate", Number(rate.value)));
  encoding.addEventListener("change", () => save(model, "encoding", encoding.value));
  const dispose = listen(
    model,
    "change:model change:models change:features change:voices change:language change:speed " +
      "change:volume change:emotion change:emotions change:sample_rate change:sample_rates " +
      "change:encoding change:encodings",
    render,
  );
  render();
  return { row, advanced, dispose };
}
