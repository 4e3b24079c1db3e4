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

  /** Grows the memory to at least `bytes`. Views taken before are then stale: take new ones. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  ints(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }
}
