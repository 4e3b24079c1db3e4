import type { Row } from '../ast.js';
import { WASM_BASE64 } from './field-scan-wasm.js';
import { CHUNK_BYTES, type ReadBuffers } from './unit-reader.js';
import { WasmKernel } from './wasm-kernel.js';

/**
 * FieldExtractor's job for a whole chunk at once, straight from its bytes, for aggregations:
 * the WebAssembly kernel (field-scan.c) applies the same rules to every line, 16 bytes a step,
 * and says where the wanted values are or that the line needs JSON.parse. The chunk never
 * becomes a string: the kernel gives each distinct string value an id (group keys such as
 * `service` repeat on every line), so each is made into a JavaScript string once; numbers are
 * read from the bytes; and one row object is reused from line to line.
 */
export class ChunkFieldReader {
  private readonly kernel: WasmKernel;
  private readonly scan: (
    s: number,
    from: number,
    end: number,
    keys: number,
    n: number,
    out: number,
    max: number,
  ) => number;
  private readonly stride: number;
  private readonly keysAt: number;
  private readonly outAt: number;
  private readonly hayAt: number;
  /** The kernel's interned strings by id, made on first sight. */
  private readonly strings: Array<string | undefined> = [];
  /** The row handed to `visit`, reused: every key is set on every line (undefined when absent). */
  private readonly row: Row;
  /** Read slots in the kernel's memory: plain segments read into them are scanned with no copy. */
  readonly readBuffers: ReadBuffers;

  private constructor(
    kernel: WasmKernel,
    private readonly keys: readonly string[],
  ) {
    this.kernel = kernel;
    this.scan = kernel.exports.scan_fields as ChunkFieldReader['scan'];
    this.stride = 3 + 3 * keys.length;
    // Per key: the length of `"key":`, then its bytes.
    const table = Buffer.concat(
      keys.flatMap((key) => {
        const pattern = Buffer.from(`"${key}":`, 'latin1');
        return [Buffer.from([pattern.length]), pattern];
      }),
    );
    this.keysAt = align(kernel.heapBase);
    this.outAt = align(this.keysAt + table.length);
    // Memory: keys, output table, two read slots, then the space other chunks are copied to.
    const slotsAt = align(this.outAt + LINES_PER_CALL * this.stride * 4);
    this.readBuffers = kernel.readSlots(slotsAt, CHUNK_BYTES, 2);
    this.hayAt = slotsAt + 2 * CHUNK_BYTES;
    kernel.ensure(this.hayAt);
    kernel.bytes().set(table, this.keysAt);
    this.row = Object.fromEntries(keys.map((key) => [key, undefined]));
  }

  /**
   * A reader for these top-level keys, or undefined when the kernel cannot take them
   * (WebAssembly unavailable; a key JSON would escape, or a long one; more than 16 keys).
   */
  static create(keys: readonly string[]): ChunkFieldReader | undefined {
    if (keys.length === 0 || keys.length > 16 || !keys.every((key) => PLAIN_KEY.test(key))) return undefined;
    const kernel = WasmKernel.load(WASM_BASE64);
    return kernel && new ChunkFieldReader(kernel, keys);
  }

  /**
   * Every non-empty line of `bytes[start, end)` (which ends just after a newline): `visit` gets
   * the wanted fields, or undefined when the line needs JSON.parse. The row object is the same
   * on every call: read it, do not keep it. `ascii`: the chunk has no byte over 0x7f.
   */
  lines(
    bytes: Buffer,
    start: number,
    end: number,
    ascii: boolean,
    visit: (row: Row | undefined, lineStart: number, lineEnd: number) => void,
  ): void {
    const length = end - start;
    let hay = this.kernel.offsetOf(bytes);
    if (hay >= 0) {
      hay += start;
    } else {
      // The memory cannot grow while a read slot is out: every line then goes to JSON.parse.
      if (!this.kernel.ensure(this.hayAt + length)) {
        everyLine(bytes, start, end, visit);
        return;
      }
      this.kernel.bytes().set(bytes.subarray(start, end), this.hayAt);
      hay = this.hayAt;
    }
    const n = this.keys.length;
    const stride = this.stride;
    let from = 0;
    while (from < length) {
      const count = this.scan(hay, from, length, this.keysAt, n, this.outAt, LINES_PER_CALL);
      if (count === 0) return;
      const out = this.kernel.ints();
      let at = this.outAt >> 2;
      for (let line = 0; line < count; line++, at += stride) {
        const ok = out[at + 2] === 0 && this.fill(bytes, start, out, at + 3, ascii);
        visit(ok ? this.row : undefined, out[at] + start, out[at + 1] + start);
      }
      if (count < LINES_PER_CALL) return;
      from = out[at - stride + 1] + 1;
    }
  }

  /** Sets the row's fields from the spans; false when a value is not a JSON scalar after all. */
  private fill(bytes: Buffer, base: number, out: Int32Array, spans: number, ascii: boolean): boolean {
    const row = this.row;
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) {
      const at = spans + 3 * k;
      const from = out[at];
      if (from < 0) {
        row[keys[k]] = undefined;
        continue;
      }
      const a = from + base;
      const b = out[at + 1] + base;
      const c = bytes[a];
      let value: unknown;
      if (c === 34 /* " */) {
        const id = out[at + 2];
        // The same bytes decode the same way: each interned string is made once.
        if (id >= 0) value = this.strings[id] ??= bytes.toString('utf8', a + 1, b - 1);
        else value = ascii ? latin1(bytes, a + 1, b - 1) : bytes.toString('utf8', a + 1, b - 1);
      } else if (c === 116 /* t */ || c === 102 /* f */ || c === 110 /* n */) {
        value = literal(bytes, a, b);
        if (value === undefined) return false;
      } else {
        value = parseNumber(bytes, a, b);
        if (Number.isNaN(value)) return false;
      }
      row[keys[k]] = value;
    }
    return true;
  }
}

/** Every non-empty line of `bytes[start, end)`, each as one that needs JSON.parse. */
function everyLine(
  bytes: Buffer,
  start: number,
  end: number,
  visit: (row: Row | undefined, lineStart: number, lineEnd: number) => void,
): void {
  for (let at = start; at < end; ) {
    let nl = bytes.indexOf(10, at);
    if (nl === -1 || nl > end) nl = end;
    if (nl > at) visit(undefined, at, nl);
    at = nl + 1;
  }
}

/** Lines the kernel reads per call (its output table holds this many). */
const LINES_PER_CALL = 4096;
/** Keys the kernel compares byte for byte: what JSON writes as itself. */
const PLAIN_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,200}$/;

function align(at: number): number {
  return (at + 15) & ~15;
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (a: number, b: number) => string })
  .latin1Slice;

function latin1(bytes: Buffer, a: number, b: number): string {
  return latin1Slice ? latin1Slice.call(bytes, a, b) : bytes.toString('latin1', a, b);
}

function literal(bytes: Buffer, a: number, b: number): boolean | null | undefined {
  switch (bytes.toString('latin1', a, b)) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/**
 * A JSON number as JSON.parse reads it, NaN when the bytes are not one. Plain decimals with up
 * to 15 significant digits are computed directly (digits / 10^k is then the correctly rounded
 * value); the rest (exponents, long numbers) go to Number() once JSON's grammar is checked.
 */
function parseNumber(bytes: Buffer, a: number, b: number): number {
  let at = a;
  const negative = bytes[at] === 45;
  if (negative) at++;
  const first = at;
  let digits = 0;
  let count = 0;
  let scale = 1;
  let point = -1;
  for (; at < b; at++) {
    const c = bytes[at];
    if (c >= 48 && c <= 57) {
      digits = digits * 10 + (c - 48);
      count++;
      if (point !== -1) scale *= 10;
    } else if (c === 46 && point === -1) {
      point = at;
    } else {
      break;
    }
  }
  const leadingZero = bytes[first] === 48 && b - first > 1 && point !== first + 1;
  if (at === b && count > 0 && count <= 15 && point !== b - 1 && point !== first && !leadingZero) {
    const value = digits / scale;
    return negative ? -value : value;
  }
  const text = bytes.toString('latin1', a, b);
  return JSON_NUMBER.test(text) ? Number(text) : Number.NaN;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
