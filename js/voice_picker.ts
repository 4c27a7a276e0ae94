/** The voice picker: a search box, the voices it narrows, the chosen voice's description. */
import { el, fill, labelled } from "./dom";
import { listen, save, type SpeakerModel, type Voice } from "./models";

/**
 * The voices whose name, language or description contain `query`, as
 * `[id, "name · language"]` options ("name · language · neural" for the
 * offline server's neural voices). The chosen voice stays listed whatever
 * the query, and is listed by its id when it is not among `voices`.
 */
export function voiceOptions(
  voices: Voice[],
  current: string,
  query: string,
): Array<[string, string]> {
  const q = query.trim().toLowerCase();
  const shown = voices.filter(
    (v) =>
      !q ||
      v.id === current ||
      `${v.name} ${v.language} ${v.engine ?? ""} ${v.description ?? ""}`.toLowerCase().includes(q),
  );
  const options: Array<[string, string]> = shown.map((v) => [
    v.id,
    `${v.name} · ${v.language}${v.engine === "neural" ? " · neural" : ""}`,
  ]);
  if (current && !voices.some((v) => v.id === current)) options.unshift([current, current]);
  return options;
}

export interface VoicePicker {
  /** The search box and the voice list. */
  row: HTMLDivElement;
  description: HTMLDivElement;
  dispose(): void;
}

export function voicePicker(model: SpeakerModel): VoicePicker {
  const search = el("input", "cw-voice-search");
  search.type = "search";
  search.placeholder = "Search voices by name or language";
  const voice = el("select", "cw-voice");
  const description = el("div", "cw-voice-description");
  const row = el("div", "cw-row");
  row.append(labelled("Search voices", search), labelled("Voice", voice));

  const render = () => {
    const current = model.get("voice") ?? ""; // null: no voice chosen
    const voices = model.get("voices") ?? [];
    fill(voice, voiceOptions(voices, current, search.value), current);
    description.textContent = voices.find((v) => v.id === current)?.description ?? "";
  };
  search.addEventListener("input", render);
  voice.addEventListener("change", () => save(model, "voice", voice.value));
  const dispose = listen(model, "change:voices change:voice", render);
  render();
  return { row, description, dispose };
}
