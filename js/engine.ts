/**
 * The page's audio engine: one per page, alive before the first speech.
 *
 * Every kernel's `Engine` widget (engine_entry.ts) connects its model to it,
 * so audio flows into something already running in the page instead of into
 * a widget created in the same breath; each cell's player only renders a
 * stream's state, found by its id (playback.ts). The engine plays each stream
 * through the page's shared outputs (output.ts), placing chunks with a
 * Scheduler whose first lead the page learns (lead.ts), reports each stream's
 * first audio and end to the kernel that sent it, and keeps what it received
 * (speech_cache.ts, bounded) so the browser can replay it and save it as a WAV.
 *
 * anywidget imports each widget's bundle separately, so the engine lives on
 * `globalThis` (`pageEngine()`), like the page's outputs.
 */
import type { AnyModel } from "@anywidget/types";
import { Float32Decoder, type BinaryLike, type PcmAudio } from "./decode";
import { LeadTracker, StreamNeed, type Store } from "./lead";
import {
  isKernelMessage,
  type BrowserMessage,
  type ChunkMessage,
  type FirstAudioReport,
} from "./messages";
import { page, type Output } from "./output";
import { Scheduler } from "./scheduler";
import { SpeechCache } from "./speech_cache";

type Reporter = (msg: BrowserMessage) => void;

interface Stream {
  id: string;
  /** A replay played from the browser's own data (cache, embedded WAV), not sent by a kernel. */
  replay: boolean;
  /** Where this stream's reports go (the kernel that sent it); null for replays. */
  report: Reporter | null;
  output: Output;
  scheduler: Scheduler;
  need: StreamNeed;
  decoder: Float32Decoder;
  gain: GainNode;
  sources: Set<AudioBufferSourceNode>;
  ended: boolean;
  stopped: boolean;
  reportedFirst: boolean;
  /** The first-audio report, held until FIRST_REPORT_DELAY_MS has passed or the stream ends. */
  firstReport: FirstAudioReport | null;
  reportedFinish: boolean;
}

export interface EngineState {
  /** Id of the stream ("" when there is none yet). */
  stream: string;
  /** "idle" before its audio, else the AudioContext state it plays on. */
  audio: "idle" | AudioContextState;
  /** Seconds received and played. */
  received: number;
  played: number;
  /** True while audio is scheduled or more is expected. */
  active: boolean;
  /** Seconds of audio scheduled ahead of the clock (0: nothing is playing now). */
  buffered: number;
  /** The stream is a replay from the browser's own data. */
  replay: boolean;
  /** The page keeps the stream's audio (for Replay and Download WAV). */
  kept: boolean;
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
  kept: false,
  underruns: 0,
};

const FADE_SECONDS = 0.005;
/**
 * How long a stream's first-audio report waits, ms. Sent at once, it reached the kernel
 * between the first chunks, and the kernel's busy and idle status for it came back to
 * the page where JupyterLab rendered them: frames the second chunk waited behind, where
 * a stream has the least audio in hand. Later, the stream has hundreds of ms in hand.
 */
const FIRST_REPORT_DELAY_MS = 300;
/** Streams kept for replay and download after they ended, per page. */
const KEPT_STREAMS = 32;

export class AudioEngine {
  private readonly streams = new Map<string, Stream>();
  private readonly listeners = new Set<() => void>();
  private readonly watched = new Set<AudioContext>();
  private readonly onState = () => this.emit();
  /** What the page keeps of each stream's audio. */
  private readonly cache = new SpeechCache();
  /** The lead new streams start with, learned from how their chunks arrived. */
  readonly leads = new LeadTracker(pageStore());

  /** Feed the engine with the kernel messages of `model`, and tell its kernel that a
   * page listens; returns the disconnect. */
  connect(model: AnyModel): () => void {
    const report: Reporter = (msg) => model.send(msg);
    const onMessage = (msg: unknown, buffers: BinaryLike[]) => this.handle(msg, buffers, report);
    model.on("msg:custom", onMessage);
    report({ type: "hello" });
    return () => model.off("msg:custom", onMessage);
  }

  /** Open the AudioContext for `sampleRate` now (creating one takes tens of ms), take a
   * silent chunk through the chunk path once, and resume the context at the page's next
   * user gesture. */
  warm(sampleRate: number): void {
    if (sampleRate > 0) {
      const ctx = page().output(sampleRate).ctx;
      this.watch(ctx);
      warmChunkPath(ctx, sampleRate);
    }
    page().resumeOnGesture();
  }

  /** Subscribe to state changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  state(id: string): EngineState {
    const s = this.streams.get(id);
    if (!s) return { ...IDLE_STATE, stream: id };
    const sr = s.scheduler.sampleRate;
    return {
      stream: s.id,
      audio: s.output.ctx.state,
      received: s.scheduler.frames / sr,
      played: s.scheduler.played(),
      active: !s.stopped && (!s.ended || s.sources.size > 0),
      buffered: s.stopped ? 0 : Math.max(0, s.scheduler.end - s.output.ctx.currentTime),
      replay: s.replay,
      kept: this.cache.has(s.id),
      underruns: s.scheduler.underruns,
    };
  }

  /** Resume the page's audio (call from a click handler). */
  resume(): void {
    page().resumeAll();
  }

  /** Silence these streams now. */
  stop(...ids: string[]): void {
    for (const id of ids) {
      const s = this.streams.get(id);
      if (s) this.silence(s);
    }
    this.emit();
  }

  /** A stream's audio as received (for Download WAV and Replay), or null when the page
   * does not keep it (see speech_cache.ts). */
  audio(id: string): PcmAudio | null {
    return this.cache.audio(id);
  }

  /** Play samples as a new replay stream `id` (from a cache or an embedded WAV). Needs no
   * kernel; nothing is reported to one. */
  play(audio: PcmAudio, id: string): void {
    const s = this.open(id, audio.sampleRate, null, null);
    s.replay = true;
    s.reportedFirst = s.reportedFinish = true;
    const step = Math.max(1, Math.round(audio.sampleRate / 4));
    for (let i = 0, seq = 0; i < audio.samples.length; i += step, seq++) {
      this.schedule(s, audio.samples.subarray(i, i + step), seq);
    }
    s.ended = true;
    this.emit();
  }

  /** Output level of the context a stream plays on (RMS, 0 when silent). */
  level(id: string): number {
    return this.streams.get(id)?.output.level() ?? 0;
  }

  private handle(msg: unknown, buffers: BinaryLike[], report: Reporter): void {
    if (!isKernelMessage(msg)) return;
    if (msg.type === "chunk" && buffers && buffers.length > 0) this.chunk(msg, buffers[0], report);
    else if (msg.type === "end") this.end(msg.stream);
    else if (msg.type === "stop") {
      if (msg.stream) this.stop(msg.stream);
      else this.stop(...this.streams.keys());
    }
  }

  private open(id: string, sampleRate: number, report: Reporter | null, lead: number | null): Stream {
    const output = page().output(sampleRate);
    const gain = output.ctx.createGain();
    gain.connect(output.input);
    const ctx = output.ctx;
    const stream: Stream = {
      id,
      replay: false,
      report,
      output,
      scheduler: new Scheduler(() => ctx.currentTime, sampleRate, {
        lead: lead ?? this.leads.lead(),
      }),
      need: new StreamNeed(),
      decoder: new Float32Decoder(),
      gain,
      sources: new Set(),
      ended: false,
      stopped: false,
      reportedFirst: false,
      firstReport: null,
      reportedFinish: false,
    };
    this.watch(ctx);
    if (ctx.state !== "running") output.resume();
    this.streams.set(id, stream);
    this.forgetOld();
    return stream;
  }

  private chunk(msg: ChunkMessage, buffer: BinaryLike, report: Reporter): void {
    const receivedAt = performance.now();
    let s = this.streams.get(msg.stream);
    if (s?.stopped) return;
    s ??= this.open(msg.stream, msg.sample_rate, report, msg.lead);
    const samples = s.decoder.push(buffer);
    if (samples.length === 0) return;
    if (s.output.running) s.need.arrived(s.output.ctx.currentTime, samples.length / msg.sample_rate);
    const placed = this.schedule(s, samples, msg.seq);
    if (!s.reportedFirst) {
      s.reportedFirst = true;
      const scheduledAt = performance.now();
      const ctx = s.output.ctx;
      s.firstReport = {
        type: "first_audio",
        stream: s.id,
        t_kernel: msg.t_kernel,
        received_at: (performance.timeOrigin + receivedAt) / 1000,
        scheduled_at: (performance.timeOrigin + scheduledAt) / 1000,
        schedule_ms: scheduledAt - receivedAt,
        lead_ms: (placed - ctx.currentTime) * 1000,
        output_latency_ms: (ctx.outputLatency ?? 0) * 1000,
        audio_state: ctx.state,
      };
      setTimeout(() => this.sendFirstReport(s), FIRST_REPORT_DELAY_MS);
    }
    this.emit();
  }

  /** Schedule samples right after the stream's previous ones; returns the start time. */
  private schedule(s: Stream, samples: Float32Array, seq: number): number {
    const ctx = s.output.ctx;
    const sampleRate = s.scheduler.sampleRate;
    this.cache.add(s.id, samples, sampleRate);
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
    page().record({ stream: s.id, seq, sampleRate, when: placed.when, frames: samples.length, late: placed.late });
    return placed.when;
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
    const now = s.output.ctx.currentTime;
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
    this.finish(s, "stopped");
  }

  private maybeFinished(s: Stream): void {
    if (s.ended && s.sources.size === 0 && !s.stopped) this.finish(s, "played");
    this.emit();
  }

  private sendFirstReport(s: Stream): void {
    const first = s.firstReport;
    s.firstReport = null;
    if (first) s.report?.(first);
  }

  private finish(s: Stream, how: "played" | "stopped"): void {
    if (s.reportedFinish) return;
    s.reportedFinish = true;
    this.sendFirstReport(s); // the kernel hears of the first audio before the end
    if (how === "played" && s.scheduler.frames > 0) this.leads.record(s.need.need);
    s.report?.({
      type: "finished",
      stream: s.id,
      how,
      frames: s.scheduler.frames,
      played: s.scheduler.played(),
      underruns: s.scheduler.underruns,
      gap_seconds: s.scheduler.gapSeconds,
    });
  }

  private watch(ctx: AudioContext): void {
    if (this.watched.has(ctx)) return;
    this.watched.add(ctx);
    ctx.addEventListener("statechange", this.onState);
  }

  /** Keep the page's memory bounded: forget the oldest finished streams. */
  private forgetOld(): void {
    for (const [id, s] of this.streams) {
      if (this.streams.size <= KEPT_STREAMS) break;
      if (s.stopped || (s.ended && s.sources.size === 0)) {
        this.streams.delete(id);
        this.cache.forget(id);
      }
    }
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The page's localStorage, where there is one to use. */
function pageStore(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // e.g. a sandboxed iframe
  }
}

const KEY = "__cartesiaWidgetEngine_v1";

/** The page's engine (created on first use). */
export function pageEngine(): AudioEngine {
  const g = globalThis as unknown as Record<string, AudioEngine | undefined>;
  g[KEY] ??= new AudioEngine();
  return g[KEY];
}

/**
 * Pay the first use of the chunk path (decoding, placing, keeping, buffer and node
 * creation: about 2 ms in a fresh page, measured by bench_latency) before the first
 * speech, with a chunk of a server's usual size (40 ms) on throwaway objects: nothing is
 * connected to an output, started, or kept.
 */
function warmChunkPath(ctx: BaseAudioContext, sampleRate: number): void {
  const chunk = new Float32Array(Math.round(sampleRate * 0.04));
  const samples = new Float32Decoder().push(chunk.buffer);
  new SpeechCache().add("warm-up", samples, sampleRate);
  new Scheduler(() => ctx.currentTime, sampleRate, { lead: 0.05 }).place(samples.length);
  new StreamNeed().arrived(ctx.currentTime, samples.length / sampleRate);
  const audio = ctx.createBuffer(1, samples.length, sampleRate);
  audio.copyToChannel(samples, 0);
  const src = ctx.createBufferSource();
  src.buffer = audio;
  const gain = ctx.createGain();
  src.connect(gain);
  src.disconnect();
}
