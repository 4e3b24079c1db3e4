import { WASM_BASE64 } from './fold-search-wasm.js';
import { CHUNK_BYTES, type ReadBuffers } from './unit-reader.js';
import { WasmKernel } from './wasm-kernel.js';

/**
 * Finds a needle in bytes ignoring ASCII case (A–Z = a–z; every other byte compares exactly).
 * This is the full-text term's own rule (`lowerAscii(line)` contains `lowerAscii(term)`, and
 * UTF-8 leaves every non-ASCII byte as it is), so the candidate lines found are exactly the
 * lines the filter then accepts.
 *
 * The search runs in a small WebAssembly SIMD kernel (fold-search.wat) over a copy of the chunk
 * in its memory: 16 bytes a step, about 5x the speed of the JavaScript Boyer–Moore–Horspool kept
 * below for when WebAssembly is unavailable (`--jitless`) and for very long needles. (A /term/i
 * RegExp needs the chunk as a string first, and that copy plus its garbage collection cost as
 * much as the search.)
 */
export class FoldedSearch {
  /** The needle, ASCII letters in lower case. */
  private readonly pattern: Uint8Array;
  private readonly shift = new Int32Array(256);
  /** Where the needle sits in the kernel's memory, or -1 when the kernel is not used. */
  private readonly kernelAt: number;

  constructor(needle: Uint8Array) {
    if (needle.length === 0) throw new Error('FoldedSearch: empty needle');
    this.pattern = Uint8Array.from(needle, fold);
    const m = this.pattern.length;
    this.shift.fill(m);
    for (let i = 0; i < m - 1; i++) {
      const c = this.pattern[i];
      this.shift[c] = m - 1 - i;
      if (c >= 97 && c <= 122) this.shift[c - 32] = m - 1 - i;
    }
    this.kernelAt = kernel()?.placeNeedle(this.pattern) ?? -1;
  }

  /**
   * Makes `bytes[start, end)` searchable by the kernel (one copy, shared by every needle), and
   * returns the region to pass to `indexIn`.
   */
  static region(bytes: Uint8Array, start: number, end: number): Region {
    const k = kernel();
    if (k === undefined) return { bytes, start, end, kernelBase: -1 };
    return { bytes, start, end, kernelBase: k.load(bytes, start, end) };
  }

  /**
   * Buffers for the unit reader inside the kernel's memory (undefined without the kernel): chunks
   * read into them are searched where they lie, with no copy.
   */
  static readBuffers(): ReadBuffers | undefined {
    return kernel()?.readBuffers;
  }

  /** The first match in the region starting at or after `from`, or -1. */
  indexIn(region: Region, from: number): number {
    if (region.kernelBase >= 0 && this.kernelAt >= 0) {
      const k = kernel()!;
      const shift = region.kernelBase - region.start;
      const found = k.find(from + shift, region.end + shift, this.kernelAt, this.pattern.length);
      return found === -1 ? -1 : found - shift;
    }
    return this.scan(region.bytes, from, region.end);
  }

  /** Boyer–Moore–Horspool, the shift table filled for both cases of each letter. */
  private scan(bytes: Uint8Array, from: number, end: number): number {
    const pattern = this.pattern;
    const shift = this.shift;
    const m = pattern.length;
    const last = pattern[m - 1];
    let i = from + m - 1;
    while (i < end) {
      const c = bytes[i];
      if (fold(c) === last) {
        let j = m - 2;
        let k = i - 1;
        while (j >= 0 && fold(bytes[k]) === pattern[j]) {
          j--;
          k--;
        }
        if (j < 0) return i - m + 1;
      }
      i += shift[c];
    }
    return -1;
  }
}

export interface Region {
  bytes: Uint8Array;
  start: number;
  end: number;
  /** Where `bytes[start]` is in the kernel's memory, or -1. */
  kernelBase: number;
}

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

const PAGE = 65536;
/** Needles live in the first page, two read slots after it, then the space chunks are copied to. */
const NEEDLE_SPACE = PAGE;
const SLOTS = 2;
const COPY_AT = NEEDLE_SPACE + SLOTS * CHUNK_BYTES;

/** The compiled kernel of this thread (each worker has its own), with its memory. */
class Kernel {
  readonly find: (from: number, end: number, needle: number, length: number) => number;
  readonly readBuffers: ReadBuffers;
  private needlesEnd = 0;

  constructor(private readonly wasm: WasmKernel) {
    this.find = wasm.exports.find as Kernel['find'];
    this.readBuffers = wasm.readSlots(NEEDLE_SPACE, CHUNK_BYTES, SLOTS);
  }

  /** Copies a needle into the needle page; -1 when it does not fit (the JS search is used). */
  placeNeedle(pattern: Uint8Array): number {
    if (this.needlesEnd + pattern.length > NEEDLE_SPACE) return -1;
    const at = this.needlesEnd;
    this.wasm.bytes().set(pattern, at);
    this.needlesEnd += pattern.length;
    return at;
  }

  /**
   * Where `bytes[start]` is in the kernel's memory: where it lies for a read slot, else after a
   * copy to the copy space; -1 when that space cannot grow now (the JavaScript search is used).
   */
  load(bytes: Uint8Array, start: number, end: number): number {
    const at = this.wasm.offsetOf(bytes);
    if (at >= 0) return at + start;
    if (!this.wasm.ensure(COPY_AT + (end - start))) return -1;
    this.wasm.bytes().set(bytes.subarray(start, end), COPY_AT);
    return COPY_AT;
  }
}

let compiled: Kernel | null | undefined;

function kernel(): Kernel | undefined {
  if (compiled === undefined) {
    // No WebAssembly (--jitless) or no SIMD: the JavaScript search does the work.
    const wasm = WasmKernel.load(WASM_BASE64);
    compiled = wasm === undefined ? null : new Kernel(wasm);
  }
  return compiled ?? undefined;
}
