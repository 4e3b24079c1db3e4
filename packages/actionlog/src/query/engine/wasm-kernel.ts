import type { ReadBuffers } from './unit-reader.js';

/**
 * The WebAssembly kernels' shared plumbing: compiling one from its committed base64, and views
 * of its memory. Each thread (every scan worker) compiles its own instance.
 */

/** The part of the WebAssembly global used here (@types/node does not declare it; the DOM lib would bring the rest of the browser). */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Global {
    readonly value: number;
  }
}

const PAGE = 65536;

export class WasmKernel {
  private readonly memory: WebAssembly.Memory;
  readonly exports: Record<string, unknown>;
  /** Which read slots (see readSlots) are handed out. */
  private slotsTaken: boolean[] = [];

  private constructor(base64: string) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(base64, 'base64')));
    this.exports = instance.exports;
    this.memory = instance.exports.memory as WebAssembly.Memory;
  }

  /** The kernel, or undefined where WebAssembly (or its SIMD) is not available (`--jitless`). */
  static load(base64: string): WasmKernel | undefined {
    try {
      return new WasmKernel(base64);
    } catch {
      return undefined;
    }
  }

  /** The first byte after the kernel's own stack and data (C kernels); 0 for hand-written ones. */
  get heapBase(): number {
    const base = this.exports.__heap_base as WebAssembly.Global | undefined;
    return base === undefined ? 0 : base.value;
  }

  /**
   * Grows the memory to at least `bytes`; false when it would have to grow while a read slot is
   * handed out. Growing detaches every view of the memory, and a read may be under way into a
   * slot's view: the caller then does without the kernel for this piece (same answer, slower).
   * Views taken before a growth are stale: take new ones.
   */
  ensure(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    if (this.slotsTaken.some(Boolean)) return false;
    this.memory.grow(Math.ceil((bytes - have) / PAGE));
    return true;
  }

  /**
   * `count` read buffers of `size` bytes each at `at` in the kernel's memory (reserved now), for
   * the unit reader: a plain segment is read straight into memory the kernel searches, instead
   * of into a buffer that is then copied in (a copy that cost more than the search). A slot is
   * handed out as a fresh view each time (growth while none is out detaches older ones); when
   * all are out, a JavaScript buffer is (and is then copied in as before).
   */
  readSlots(at: number, size: number, count: number): ReadBuffers {
    this.ensure(at + size * count);
    const taken = new Array<boolean>(count).fill(false);
    this.slotsTaken = taken;
    return {
      take: (want: number): Buffer => {
        const free = taken.indexOf(false);
        if (want > size || free === -1) return Buffer.allocUnsafe(want);
        taken[free] = true;
        return Buffer.from(this.memory.buffer, at + free * size, want);
      },
      giveBack: (buffer: Buffer): void => {
        if (buffer.buffer !== this.memory.buffer) return;
        const slot = (buffer.byteOffset - at) / size;
        if (Number.isInteger(slot) && slot >= 0 && slot < count) taken[slot] = false;
      },
    };
  }

  /** Where `bytes[0]` sits in the kernel's memory when `bytes` is a view of it, else -1. */
  offsetOf(bytes: Uint8Array): number {
    return bytes.buffer === this.memory.buffer ? bytes.byteOffset : -1;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  ints(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }
}
