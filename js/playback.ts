/**
 * What one widget plays: its stream on the page's engine. The kernel names
 * the stream in the widget's `stream` trait; a replay from the browser's own
 * data (the engine's cache, an embedded WAV) becomes the widget's stream until
 * the kernel names a new one. Views use a Playback and only render.
 */
import type { AnyModel } from "@anywidget/types";
import type { PcmAudio } from "./decode";
import type { AudioEngine, EngineState } from "./engine";
import { listen, sendToKernel, type PlayerTraits } from "./models";

export class Playback {
  private readonly model: AnyModel<PlayerTraits>;
  private readonly engine: AudioEngine;
  private replayId = "";
  private replays = 0;

  constructor(model: AnyModel<PlayerTraits>, engine: AudioEngine) {
    this.model = model;
    this.engine = engine;
  }

  /** The kernel's stream for this widget ("" before its first speech). */
  private get kernelStream(): string {
    return String(this.model.get("stream") ?? "");
  }

  /** The stream shown: a replay, or the kernel's. */
  get stream(): string {
    return this.replayId || this.kernelStream;
  }

  state(): EngineState {
    return this.engine.state(this.stream);
  }

  /** Call `listener` on every engine change and when the kernel names a new stream. */
  subscribe(listener: () => void): () => void {
    const forget = () => {
      this.replayId = "";
      listener();
    };
    const unlisten = listen(this.model, "change:stream", forget);
    const unsubscribe = this.engine.subscribe(listener);
    return () => {
      unlisten();
      unsubscribe();
    };
  }

  /** Silence this widget's speech; with `notifyKernel`, also stop generating it. */
  stop(notifyKernel: boolean): void {
    // The kernel hears "stop" before the "finished" report the silencing sends.
    if (notifyKernel) sendToKernel(this.model, { type: "stop" });
    this.engine.stop(this.kernelStream, this.replayId);
  }

  resume(): void {
    this.engine.resume();
  }

  level(): number {
    return this.engine.level(this.stream);
  }

  /** The audio shown, as received (for Download WAV), or null. */
  audio(): PcmAudio | null {
    return this.engine.audio(this.stream);
  }

  /** Play `audio` from the browser's own data as this widget's stream. */
  play(audio: PcmAudio, name: string): void {
    this.engine.stop(this.stream);
    this.replays += 1;
    this.replayId = `${this.kernelStream || name}#replay${this.replays}`;
    this.engine.play(audio, this.replayId);
  }

  /** Replay the shown speech from the engine's cache; false when it holds none. */
  replay(): boolean {
    const audio = this.audio();
    if (!audio) return false;
    this.play(audio, "speech");
    return true;
  }
}
