/**
 * Decoding of little-endian float32 PCM from comm-message buffers.
 *
 * JupyterLab hands buffers over as DataViews with byteOffset 0; Colab hands
 * over Uint8Arrays that may start at any offset. Both work here: an unaligned
 * view is copied before it is read as a Float32Array, a trailing partial
 * sample is carried over to the next buffer, and NaN/Inf become 0.
 */

export type BinaryLike = DataView | ArrayBufferView | ArrayBuffer;

/** Mono float32 samples with their rate: a stream as received, or a decoded WAV. */
export interface PcmAudio {
  samples: Float32Array<ArrayBuffer>;
  sampleRate: number;
}

function asBytes(buffer: BinaryLike): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class Float32Decoder {
  private carry = new Uint8Array(0);

  /** Decode one buffer; returns the whole samples it completes. */
  push(buffer: BinaryLike): Float32Array<ArrayBuffer> {
    let bytes = asBytes(buffer);
    if (this.carry.length > 0) {
      const joined = new Uint8Array(this.carry.length + bytes.length);
      joined.set(this.carry, 0);
      joined.set(bytes, this.carry.length);
      bytes = joined;
    }
    const whole = bytes.length - (bytes.length % 4);
    this.carry = bytes.slice(whole);
    const samples = whole / 4;
    let out: Float32Array<ArrayBuffer>;
    if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
      out = new Float32Array(bytes.buffer, bytes.byteOffset, samples).slice();
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, whole);
      out = new Float32Array(samples);
      for (let i = 0; i < samples; i++) out[i] = view.getFloat32(i * 4, true);
    }
    return sanitize(out);
  }

  /** Bytes waiting for the rest of their sample. */
  get pending(): number {
    return this.carry.length;
  }
}

/** Replace NaN and ±Inf by 0 and clamp to [-1, 1], in place. */
export function sanitize<T extends Float32Array>(samples: T): T {
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    if (!Number.isFinite(v)) samples[i] = 0;
    else if (v > 1) samples[i] = 1;
    else if (v < -1) samples[i] = -1;
  }
  return samples;
}
