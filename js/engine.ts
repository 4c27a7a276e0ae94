/**
 * The audio engine of one widget model. It lives in anywidget's `initialize`
 * (see engine_widget.ts), so a widget displayed twice still plays once; views
 * subscribe to it and only render.
 *
 * It plays the kernel's streams (the messages of messages.ts) through the
 * page's shared outputs (output.ts), placing each chunk with a Scheduler, and
 * keeps what it received so the browser can replay it and save it as a WAV.
 */
import type { AnyModel } from "@anywidget/types";
import { Float32Decoder, type BinaryLike, type PcmAudio } from "./decode";
import { isKernelMessage, type ChunkMessage } from "./messages";
import { sendToKernel, type PlayerTraits } from "./models";
import { page, type Output } from "./output";
import { DEFAULT_LEAD, Scheduler } from "./scheduler";

interface Stream {
  id: string;
  /** A replay played from the browser's own data (cache, embedded WAV), not sent by the kernel. */
  replay: boolean;
  /** Decoded samples as received, kept for replay and download. */
  cache: Float32Array[];
  output: Output;
  scheduler: Scheduler;
  decoder: Float32Decoder;
  gain: GainNode;
  sources: Set<AudioBufferSourceNode>;
  ended: boolean;
  stopped: boolean;
  reportedFirst: boolean;
  reportedFinish: boolean;
}

export interface EngineState {
  /** Id of the current stream ("" before any audio). */
  stream: string;
  /** "idle" before any audio, else the AudioContext state of the last stream. */
  audio: "idle" | AudioContextState;
  /** Seconds received and played of the current stream. */
  received: number;
  played: number;
  /** True while audio is scheduled or more is expected. */
  active: boolean;
  /** Seconds of audio scheduled ahead of the clock (0: nothing is playing now). */
  buffered: number;
  /** The stream is a replay from the browser's own data. */
  replay: boolean;
  underruns: number;
}

/** The state before any audio. */
export const IDLE_STATE: Readonly<EngineState> = {
  stream: "",
  audio: "idle",
  received: 0,
  played: 0,
  active: false,
  buffered: 0,
  replay: false,
  underruns: 0,
};

const FADE_SECONDS = 0.005;

type EngineModel = AnyModel<PlayerTraits>;

export class AudioEngine {
  private readonly model: EngineModel;
  private readonly streams = new Map<string, Stream>();
  private current: Stream | null = null;
  private replays = 0;
  private readonly listeners = new Set<() => void>();
  private readonly watched = new Set<AudioContext>();
  private readonly onState = () => this.emit();
  private readonly onMessage = (msg: unknown, buffers: BinaryLike[]) => this.handle(msg, buffers);

  constructor(model: EngineModel) {
    this.model = model;
    // Open the AudioContext ahead of the first chunk (creating one takes tens of ms).
    const rate = Number(model.get("sample_rate"));
    if (rate > 0) page().output(rate);
    model.on("msg:custom", this.onMessage);
  }

  /** Subscribe to state changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  state(): EngineState {
    const s = this.current;
    if (!s) return { ...IDLE_STATE };
    const sr = s.scheduler.sampleRate;
    return {
      stream: s.id,
      audio: s.output.ctx.state,
      received: s.scheduler.frames / sr,
      played: s.scheduler.played(),
      active: !s.stopped && (!s.ended || s.sources.size > 0),
      buffered: s.stopped ? 0 : Math.max(0, s.scheduler.end - s.output.ctx.currentTime),
      replay: s.replay,
      underruns: s.scheduler.underruns,
    };
  }

  /** Resume the AudioContext (call from a click handler). */
  resume(): void {
    this.current?.output.resume();
  }

  /** Silence every stream; with `notifyKernel`, also cancel generation. */
  stop(notifyKernel: boolean): void {
    // The kernel hears "stop" before the "finished" reports the silencing sends.
    if (notifyKernel) sendToKernel(this.model, { type: "stop" });
    for (const s of this.streams.values()) this.silence(s);
    this.emit();
  }

  dispose(): void {
    this.model.off("msg:custom", this.onMessage);
    for (const s of this.streams.values()) this.silence(s);
    for (const ctx of this.watched) ctx.removeEventListener("statechange", this.onState);
    this.watched.clear();
    this.streams.clear();
    this.listeners.clear();
  }

  private handle(msg: unknown, buffers: BinaryLike[]): void {
    if (!isKernelMessage(msg)) return;
    if (msg.type === "chunk" && buffers && buffers.length > 0) this.chunk(msg, buffers[0]);
    else if (msg.type === "end") this.end(msg.stream);
    else if (msg.type === "stop") {
      const target = msg.stream ? this.streams.get(msg.stream) : null;
      if (target) this.silence(target);
      else if (!msg.stream) for (const s of this.streams.values()) this.silence(s);
      this.emit();
    }
  }

  private open(id: string, sampleRate: number): Stream {
    const output = page().output(sampleRate);
    const ctx = output.ctx;
    const gain = ctx.createGain();
    gain.connect(output.input);
    const stream: Stream = {
      id,
      replay: false,
      cache: [],
      output,
      scheduler: new Scheduler(() => ctx.currentTime, sampleRate, {
        lead: Number(this.model.get("lead")) || DEFAULT_LEAD,
      }),
      decoder: new Float32Decoder(),
      gain,
      sources: new Set(),
      ended: false,
      stopped: false,
      reportedFirst: false,
      reportedFinish: false,
    };
    if (!this.watched.has(ctx)) {
      this.watched.add(ctx);
      ctx.addEventListener("statechange", this.onState);
    }
    if (ctx.state !== "running") output.resume();
    this.streams.set(id, stream);
    this.current = stream;
    return stream;
  }

  private chunk(msg: ChunkMessage, buffer: BinaryLike): void {
    const receivedAt = performance.now();
    const id = msg.stream;
    const sampleRate = msg.sample_rate;
    let s = this.streams.get(id);
    if (s?.stopped) return;
    if (!s) s = this.open(id, sampleRate);
    const samples = s.decoder.push(buffer);
    if (samples.length === 0) return;
    const placed = this.schedule(s, samples, msg.seq);
    if (!s.reportedFirst) {
      s.reportedFirst = true;
      const scheduledAt = performance.now();
      const ctx = s.output.ctx;
      sendToKernel(this.model, {
        type: "first_audio",
        stream: id,
        t_kernel: msg.t_kernel,
        received_at: (performance.timeOrigin + receivedAt) / 1000,
        scheduled_at: (performance.timeOrigin + scheduledAt) / 1000,
        schedule_ms: scheduledAt - receivedAt,
        lead_ms: (placed - ctx.currentTime) * 1000,
        output_latency_ms: (ctx.outputLatency ?? 0) * 1000,
        audio_state: ctx.state,
      });
    }
    this.emit();
  }

  /** Schedule samples right after the stream's previous ones; returns the start time. */
  private schedule(s: Stream, samples: Float32Array, seq: number): number {
    const ctx = s.output.ctx;
    const sampleRate = s.scheduler.sampleRate;
    s.cache.push(samples);
    const audio = ctx.createBuffer(1, samples.length, sampleRate);
    audio.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
    const src = ctx.createBufferSource();
    src.buffer = audio;
    src.connect(s.gain);
    const placed = s.scheduler.place(samples.length, s.output.notBefore());
    src.start(placed.when);
    s.sources.add(src);
    src.onended = () => {
      s.sources.delete(src);
      this.maybeFinished(s);
    };
    s.output.extend(s.scheduler.end);
    page().record({
      stream: s.id,
      seq,
      sampleRate,
      when: placed.when,
      frames: samples.length,
      late: placed.late,
    });
    return placed.when;
  }

  /** The current stream's audio as received (for Download WAV), or null. */
  audio(): PcmAudio | null {
    const s = this.current;
    if (!s || s.cache.length === 0) return null;
    const total = s.cache.reduce((n, c) => n + c.length, 0);
    const samples = new Float32Array(total);
    let offset = 0;
    for (const c of s.cache) {
      samples.set(c, offset);
      offset += c.length;
    }
    return { samples, sampleRate: s.scheduler.sampleRate };
  }

  /**
   * Play samples as a new replay stream (from the cache or from an embedded
   * WAV). Needs no kernel; nothing is reported to it.
   */
  play(samples: Float32Array, sampleRate: number, id: string): void {
    for (const s of this.streams.values()) this.silence(s, false);
    const s = this.open(id, sampleRate);
    s.replay = true;
    s.reportedFirst = true;
    s.reportedFinish = true; // a replay: the kernel did not send it
    const step = Math.max(1, Math.round(sampleRate / 4));
    for (let i = 0, seq = 0; i < samples.length; i += step, seq++) {
      this.schedule(s, samples.subarray(i, i + step), seq);
    }
    s.ended = true;
    this.emit();
  }

  /** Replay the current stream from the cache; false when nothing is cached. */
  replay(): boolean {
    const audio = this.audio();
    if (!audio || !this.current) return false;
    const base = this.current.id.split("#")[0];
    this.replays += 1;
    this.play(audio.samples, audio.sampleRate, `${base}#replay${this.replays}`);
    return true;
  }

  /** Output level of the current stream's AudioContext (RMS, 0 when silent). */
  level(): number {
    return this.current ? this.current.output.level() : 0;
  }

  private end(id: string): void {
    const s = this.streams.get(id);
    if (!s) return;
    s.ended = true;
    this.maybeFinished(s);
    this.emit();
  }

  private silence(s: Stream, report = true): void {
    if (s.stopped) return;
    s.stopped = true;
    const ctx = s.output.ctx;
    const now = ctx.currentTime;
    s.gain.gain.setTargetAtTime(0, now, FADE_SECONDS / 3);
    for (const src of s.sources) {
      try {
        src.stop(now + FADE_SECONDS);
      } catch {
        // already stopped
      }
    }
    s.sources.clear();
    if (s.output.end > now) s.output.truncate();
    if (report) this.report(s, "stopped");
  }

  private maybeFinished(s: Stream): void {
    if (s.ended && s.sources.size === 0 && !s.stopped) this.report(s, "played");
    this.emit();
  }

  private report(s: Stream, how: "played" | "stopped"): void {
    if (s.reportedFinish) return;
    s.reportedFinish = true;
    sendToKernel(this.model, {
      type: "finished",
      stream: s.id,
      how,
      frames: s.scheduler.frames,
      played: s.scheduler.played(),
      underruns: s.scheduler.underruns,
      gap_seconds: s.scheduler.gapSeconds,
    });
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
