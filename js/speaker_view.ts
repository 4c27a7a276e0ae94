/**
 * The Speaker widget's view: text, voice picker, generation controls, Speak /
 * Stop / Replay / Download, level meter, progress, captions, latency and
 * errors. It renders model state and the Player's state; the Player (model
 * level) owns the audio. All text goes through textContent.
 */
import type { Model, Player } from "./player";
import { el, statusText, type ViewModel } from "./view";
import { decodeWav, encodeWav } from "./wav";

type SpeakerModel = ViewModel &
  Model & {
    set(name: string, value: unknown): void;
    save_changes(): void;
  };

interface Voice {
  id: string;
  name: string;
  language: string;
  gender?: string | null;
  description?: string;
}

function labelled<T extends HTMLElement>(text: string, control: T): HTMLLabelElement {
  const label = el("label", "cw-field");
  label.append(el("span", "cw-field-name", text), control);
  control.setAttribute("aria-label", text);
  return label;
}

function button(text: string, aria: string, className: string): HTMLButtonElement {
  const b = el("button", className, text);
  b.type = "button";
  b.setAttribute("aria-label", aria);
  return b;
}

function fill(select: HTMLSelectElement, options: Array<[string, string]>, value: string): void {
  select.replaceChildren(
    ...options.map(([v, text]) => {
      const o = el("option", "", text);
      o.value = v;
      return o;
    }),
  );
  select.value = value;
}

function seconds(s: number): string {
  return `${s.toFixed(1)} s`;
}

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

export function renderSpeaker(model: SpeakerModel, root: HTMLElement, player: Player): () => void {
  const save = (name: string, value: unknown) => {
    model.set(name, value);
    model.save_changes();
  };
  const box = el("div", "cw-speaker");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Cartesia speaker");

  const text = el("textarea", "cw-text");
  text.rows = 3;
  text.placeholder = "Type something to say… (Ctrl+Enter speaks, Escape stops)";
  text.setAttribute("aria-label", "Text to speak");

  const search = el("input", "cw-voice-search");
  search.type = "search";
  search.placeholder = "Search voices by name or language";
  const voice = el("select", "cw-voice");
  const description = el("div", "cw-voice-description");
  const voiceRow = el("div", "cw-row");
  voiceRow.append(labelled("Search voices", search), labelled("Voice", voice));

  const modelSelect = el("select", "cw-model");
  const language = el("select", "cw-language");
  const speed = el("input", "cw-speed");
  speed.type = "range";
  speed.min = "0.6";
  speed.max = "1.5";
  speed.step = "0.05";
  const speedValue = el("output", "cw-speed-value");
  const emotion = el("select", "cw-emotion");
  const controls = el("div", "cw-row");
  const speedField = labelled("Speed", speed);
  speedField.append(speedValue);
  controls.append(
    labelled("Model", modelSelect),
    labelled("Language", language),
    speedField,
    labelled("Emotion", emotion),
  );

  const advanced = el("details", "cw-advanced");
  advanced.append(el("summary", "", "Advanced"));
  const rate = el("select", "cw-sample-rate");
  const encoding = el("select", "cw-encoding");
  const advancedRow = el("div", "cw-row");
  advancedRow.append(labelled("Sample rate", rate), labelled("Encoding", encoding));
  advanced.append(advancedRow);

  const speak = button("Speak", "Speak the text", "cw-speak");
  const stop = button("Stop", "Stop speech", "cw-stop");
  const replay = button("Replay", "Replay the last speech", "cw-replay");
  const download = button("Download WAV", "Download the speech as a WAV file", "cw-download");
  const enable = button("Click to enable audio", "Enable audio playback", "cw-enable");
  const actions = el("div", "cw-row cw-actions");
  actions.append(speak, stop, replay, download, enable);

  const status = el("span", "cw-status");
  status.setAttribute("role", "status");
  const progress = el("progress", "cw-progress");
  progress.setAttribute("aria-label", "Seconds played of the seconds received");
  const progressText = el("span", "cw-progress-text");
  const meter = el("div", "cw-meter");
  meter.setAttribute("role", "meter");
  meter.setAttribute("aria-label", "Output level");
  meter.setAttribute("aria-valuemin", "0");
  meter.setAttribute("aria-valuemax", "1");
  const meterBar = el("div", "cw-meter-bar");
  meter.append(meterBar);
  const progressRow = el("div", "cw-row");
  progressRow.append(status, progress, progressText, meter);

  const captions = el("div", "cw-captions");
  captions.setAttribute("aria-label", "Captions");
  const latency = el("div", "cw-latency");
  latency.setAttribute("aria-label", "Latency");
  const notice = el("div", "cw-notice");
  const error = el("div", "cw-error");
  error.setAttribute("role", "alert");

  box.append(
    text,
    voiceRow,
    description,
    controls,
    advanced,
    actions,
    progressRow,
    captions,
    latency,
    notice,
    error,
  );
  root.replaceChildren(box);

  // -- model → view ---------------------------------------------------------------
  const voices = (): Voice[] => (model.get("voices") as Voice[]) ?? [];
  const renderVoices = () => {
    const query = search.value.trim().toLowerCase();
    const current = String(model.get("voice") ?? "");
    const all = voices();
    const shown = all.filter(
      (v) =>
        !query ||
        v.id === current ||
        `${v.name} ${v.language} ${v.description ?? ""}`.toLowerCase().includes(query),
    );
    const options: Array<[string, string]> = shown.map((v) => [v.id, `${v.name} · ${v.language}`]);
    if (current && !all.some((v) => v.id === current)) options.unshift([current, current]);
    fill(voice, options, current);
    const chosen = all.find((v) => v.id === current);
    description.textContent = chosen?.description ?? "";
    const languages = [...new Set(all.map((v) => v.language))].sort();
    fill(
      language,
      [["", "Voice's own"], ...languages.map((l): [string, string] => [l, l])],
      String(model.get("language") ?? ""),
    );
  };
  const renderControls = () => {
    if (text.value !== model.get("text")) text.value = String(model.get("text") ?? "");
    const m = String(model.get("model") ?? "");
    fill(modelSelect, ((model.get("models") as string[]) ?? []).map((x) => [x, x]), m);
    const features: string[] = (model.get("features") ?? {})[m] ?? [];
    speed.value = String(model.get("speed"));
    speedValue.textContent = `${Number(model.get("speed")).toFixed(2)}×`;
    speed.disabled = !features.includes("speed");
    fill(
      emotion,
      [["", "None"], ...((model.get("emotions") as string[]) ?? []).map((e): [string, string] => [e, e])],
      String(model.get("emotion") ?? ""),
    );
    emotion.disabled = !features.includes("emotion");
    const unsupported = `Not supported by ${m}`;
    speed.title = speed.disabled ? unsupported : "";
    emotion.title = emotion.disabled ? unsupported : "";
    fill(
      rate,
      ((model.get("sample_rates") as number[]) ?? []).map((r): [string, string] => [String(r), `${r} Hz`]),
      String(model.get("sample_rate")),
    );
    fill(
      encoding,
      ((model.get("encodings") as string[]) ?? []).map((e): [string, string] => [e, e]),
      String(model.get("encoding")),
    );
  };
  let wordSpans: HTMLSpanElement[] = [];
  const renderWords = () => {
    const words = (model.get("words") as Array<[string, number, number]>) ?? [];
    wordSpans = words.map(([w], i) => {
      const span = el("span", "cw-word", w);
      span.dataset.index = String(i);
      return span;
    });
    const parts: Node[] = [];
    wordSpans.forEach((span, i) => {
      if (i > 0) parts.push(document.createTextNode(" "));
      parts.push(span);
    });
    captions.replaceChildren(...parts);
  };
  const renderLatency = () => {
    const m = (model.get("metrics") as Record<string, number | null>) ?? {};
    if (m.first_scheduled_ms == null) {
      latency.textContent = "";
      return;
    }
    const audible = (m.first_scheduled_ms ?? 0) + (m.lead_ms ?? 0);
    const toBrowser = (m.first_browser_chunk_ms ?? 0) - (m.first_sent_ms ?? 0);
    latency.textContent =
      `First audio ${audible.toFixed(0)} ms: server ${Number(m.first_server_chunk_ms).toFixed(0)} ms` +
      ` · kernel → browser ${toBrowser.toFixed(0)} ms · scheduling ${Number(m.schedule_ms).toFixed(1)} ms` +
      ` · lead ${Number(m.lead_ms).toFixed(0)} ms`;
  };
  let frame = 0;
  const renderLive = () => {
    const kernel = String(model.get("status") ?? "");
    const audio = player.state();
    const total = Math.max(audio.received, Number(model.get("duration") ?? 0));
    status.textContent = kernel || audio.received > 0 ? statusText(kernel, audio) : "Ready";
    box.dataset.status = kernel;
    box.dataset.audio = audio.audio;
    box.dataset.stream = audio.stream;
    progress.max = Math.max(total, 0.001);
    progress.value = Math.min(audio.played, total);
    progressText.textContent = `received ${seconds(total)} · played ${seconds(audio.played)}`;
    const level = player.level();
    meterBar.style.width = `${Math.min(100, level * 400).toFixed(1)}%`;
    meter.setAttribute("aria-valuenow", level.toFixed(3));
    const words = (model.get("words") as Array<[string, number, number]>) ?? [];
    const active = audio.active || audio.played > 0 ? activeWord(words, audio.played) : -1;
    wordSpans.forEach((span, i) => span.classList.toggle("cw-word-active", i === active));
    captions.dataset.active = String(active);
    const generating = ["queued", "connecting", "streaming"].includes(kernel);
    stop.disabled = !(audio.active || generating);
    const hasAudio = audio.received > 0 || (model.get("wav")?.byteLength ?? 0) > 0;
    replay.disabled = !hasAudio && total === 0;
    download.disabled = !hasAudio;
    enable.hidden = !(audio.audio === "suspended" && audio.active);
    notice.textContent = String(model.get("notice") ?? "");
    error.textContent = String(model.get("error") ?? "");
    notice.hidden = !notice.textContent;
    error.hidden = !error.textContent;
    if (audio.active && frame === 0) {
      const tick = () => {
        frame = 0;
        renderLive();
      };
      frame = requestAnimationFrame(tick);
    }
  };

  // -- view → model ---------------------------------------------------------------
  const doSpeak = () => {
    save("text", text.value);
    model.send({ type: "speak" });
  };
  const embedded = (): { samples: Float32Array<ArrayBuffer>; sampleRate: number } | null => {
    const wav = model.get("wav") as DataView | null;
    return wav && wav.byteLength > 0 ? decodeWav(wav) : null;
  };
  text.addEventListener("input", () => save("text", text.value));
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.stopPropagation();
      doSpeak();
    }
  });
  box.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      player.stop(true);
    }
  });
  search.addEventListener("input", renderVoices);
  voice.addEventListener("change", () => save("voice", voice.value));
  modelSelect.addEventListener("change", () => save("model", modelSelect.value));
  language.addEventListener("change", () => save("language", language.value));
  speed.addEventListener("input", () => save("speed", Number(speed.value)));
  emotion.addEventListener("change", () => save("emotion", emotion.value));
  rate.addEventListener("change", () => save("sample_rate", Number(rate.value)));
  encoding.addEventListener("change", () => save("encoding", encoding.value));
  speak.addEventListener("click", doSpeak);
  stop.addEventListener("click", () => player.stop(true));
  enable.addEventListener("click", () => player.resume());
  replay.addEventListener("click", () => {
    if (player.replay()) return;
    const wav = embedded();
    if (wav) player.play(wav.samples, wav.sampleRate, `embedded#${Date.now()}`);
    else model.send({ type: "replay" }); // after a page reload: the kernel sends it again
  });
  download.addEventListener("click", () => {
    const audio = player.audio() ?? embedded();
    if (!audio) return;
    const blob = new Blob([encodeWav(audio.samples, audio.sampleRate)], { type: "audio/wav" });
    const url = URL.createObjectURL(blob);
    const a = el("a");
    a.href = url;
    a.download = "speech.wav";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });

  const onVoices = () => renderVoices();
  const onControls = () => {
    renderControls();
    renderLive();
  };
  const traits =
    "change:text change:model change:models change:features change:speed change:emotion " +
    "change:emotions change:sample_rate change:sample_rates change:encoding change:encodings";
  const live = "change:status change:error change:notice change:duration change:wav";
  model.on("change:voices change:voice change:language", onVoices);
  model.on(traits, onControls);
  model.on("change:words", renderWords);
  model.on("change:metrics", renderLatency);
  model.on(live, renderLive);
  const unsubscribe = player.subscribe(renderLive);
  renderVoices();
  renderControls();
  renderWords();
  renderLatency();
  renderLive();
  return () => {
    unsubscribe();
    if (frame) cancelAnimationFrame(frame);
    model.off("change:voices change:voice change:language", onVoices);
    model.off(traits, onControls);
    model.off("change:words", renderWords);
    model.off("change:metrics", renderLatency);
    model.off(live, renderLive);
  };
}
