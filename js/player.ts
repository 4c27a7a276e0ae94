/**
 * The audio engine of one widget model. It lives in anywidget's `initialize`,
 * so a widget displayed twice still plays once; views subscribe to it and
 * only render.
 *
 * Kernel → browser custom messages (see cartesia_widget/protocol.py):
 *   {type: "chunk", stream, seq, sample_rate, t_kernel} + one float32 buffer
 *   {type: "end", stream, frames}      no more chunks for this stream
 *   {type: "stop", stream?}            silence now (all streams if no id)
 * Browser → kernel:
 *   {type: "stop"}                     the user pressed Stop
 *   {type: "first_audio", stream, ...} timings of the stream's first chunk
 *   {type: "finished", stream, ...}    playback of the stream has ended
 */
import { Float32Decoder, type BinaryLike } from "./decode";
import { page, type Output } from "./output";
import { Scheduler } from "./scheduler";

export interface Model {
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[]): void;
  on(event: string, cb: (...args: any[]) => void): void;
  off(event?: string | null, cb?: ((...args: any[]) => void) | null): void;
}

interface Stream {
  id: string;
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

export interface PlayerState {
  /** Id of the current stream ("" before any audio). */
  stream: string;
  /** "idle" before any audio, else the AudioContext state of the last stream. */
  audio: "idle" | AudioContextState;
  /** Seconds received and played of the current stream. */
  received: number;
  played: number;
  /** True while audio is scheduled or more is expected. */
  active: boolean;
  underruns: number;
}

const FADE_SECONDS = 0.005;

export class Player {
  private readonly model: Model;
  private readonly streams = new Map<string, Stream>();
  private current: Stream | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly watched = new Set<AudioContext>();
  private readonly onState = () => this.emit();
  private readonly onMessage = (msg: any, buffers: BinaryLike[]) => this.handle(msg, buffers);

  constructor(model: Model) {
    this.model = model;
    page(); // the page-wide outputs exist as soon as a player does
    model.on("msg:custom", this.onMessage);
  }

  /** Subscribe to state changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  state(): PlayerState {
    const s = this.current;
    if (!s) return { stream: "", audio: "idle", received: 0, played: 0, active: false, underruns: 0 };
    const sr = s.scheduler.sampleRate;
    return {
      stream: s.id,
      audio: s.output.ctx.state,
      received: s.scheduler.frames / sr,
      played: s.scheduler.played(),
      active: !s.stopped && (!s.ended || s.sources.size > 0),
      underruns: s.scheduler.underruns,
    };
  }

  /** Resume the AudioContext (call from a click handler). */
  resume(): void {
    this.current?.output.resume();
  }

  /** Silence every stream; with `notifyKernel`, also cancel generation. */
  stop(notifyKernel: boolean): void {
    for (const s of this.streams.values()) this.silence(s);
    if (notifyKernel) this.model.send({ type: "stop" });
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

  private handle(msg: any, buffers: BinaryLike[]): void {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "chunk" && buffers && buffers.length > 0) this.chunk(msg, buffers[0]);
    else if (msg.type === "end") this.end(String(msg.stream));
    else if (msg.type === "stop") {
      const target = msg.stream ? this.streams.get(String(msg.stream)) : null;
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
      output,
      scheduler: new Scheduler(() => ctx.currentTime, sampleRate, { lead: page().lead }),
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

  private chunk(msg: any, buffer: BinaryLike): void {
    const receivedAt = performance.now();
    const id = String(msg.stream);
    const sampleRate = Number(msg.sample_rate);
    let s = this.streams.get(id);
    if (s?.stopped) return;
    if (!s) s = this.open(id, sampleRate);
    const samples = s.decoder.push(buffer);
    if (samples.length === 0) return;
    const ctx = s.output.ctx;
    const audio = ctx.createBuffer(1, samples.length, sampleRate);
    audio.copyToChannel(samples, 0);
    const src = ctx.createBufferSource();
    src.buffer = audio;
    src.connect(s.gain);
    const placed = s.scheduler.place(samples.length, s.output.notBefore());
    src.start(placed.when);
    const stream = s;
    s.sources.add(src);
    src.onended = () => {
      stream.sources.delete(src);
      this.maybeFinished(stream);
    };
    s.output.extend(s.scheduler.end);
    page().record({
      stream: id,
      seq: Number(msg.seq),
      sampleRate,
      when: placed.when,
      frames: samples.length,
      late: placed.late,
    });
    if (!s.reportedFirst) {
      s.reportedFirst = true;
      const scheduledAt = performance.now();
      const lead = placed.when - ctx.currentTime;
      this.model.send({
        type: "first_audio",
        stream: id,
        t_kernel: msg.t_kernel,
        received_at: (performance.timeOrigin + receivedAt) / 1000,
        scheduled_at: (performance.timeOrigin + scheduledAt) / 1000,
        schedule_ms: scheduledAt - receivedAt,
        lead_ms: lead * 1000,
        output_latency_ms: ((ctx as any).outputLatency ?? 0) * 1000,
        audio_state: ctx.state,
      });
    }
    this.emit();
  }

  private end(id: string): void {
    const s = this.streams.get(id);
    if (!s) return;
    s.ended = true;
    this.maybeFinished(s);
    this.emit();
  }

  private silence(s: Stream): void {
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
    this.report(s, "stopped");
  }

  private maybeFinished(s: Stream): void {
    if (s.ended && s.sources.size === 0 && !s.stopped) this.report(s, "played");
    this.emit();
  }

  private report(s: Stream, how: "played" | "stopped"): void {
    if (s.reportedFinish) return;
    s.reportedFinish = true;
    this.model.send({
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
