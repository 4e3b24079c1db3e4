import { constants, createGunzip, gunzipSync } from 'node:zlib';

/** The part of zlib's native handle used here: what `zlib.gunzipSync` itself drives. */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Buffer,
    inOff: number,
    inLen: number,
    out: Buffer,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  onerror?: (message: string, errno: number) => void;
}

/** Inflated members past this are not kept for the next one (a rare, huge member). */
const KEEP_MAX = 16 << 20;
/** A damaged header must not make a huge allocation: output starts at most this big, then doubles. */
const START_MAX = 64 << 20;

/** Output space for a member at first: what its header gives (one more, to see the end), within reason. */
function firstSize(rawLength: number): number {
  return Math.min(Math.max(64 << 10, rawLength + 1), START_MAX);
}

/**
 * Inflates gzip members one after another into one buffer this thread keeps, instead of a new
 * buffer per member as `gunzipSync` returns: new memory is page faults, and in a VM those cost
 * about as much as inflating (half the inflate time of a gzipped day in a profile).
 *
 * It drives zlib's own handle the way `gunzipSync` does inside (`_handle.writeSync`,
 * `_writeState`): not public API, so its shape is checked first, and CI runs the query tests on
 * Node 20 and 24. Where the handle is not as expected, each member goes to `gunzipSync` instead.
 */
export class MemberInflater {
  private out: Buffer = Buffer.allocUnsafe(0);
  private handle: ZlibHandle | undefined;
  private state: Uint32Array | undefined;
  private error: string | undefined;
  /** The handle was not as expected once: every member goes to gunzipSync from then on. */
  private unavailable = false;

  /**
   * `prefix` then the member `packed[at, at + length)` inflated, in this inflater's buffer: valid
   * until the next call. `rawLength` is the size the member's header gives.
   */
  inflate(packed: Buffer, at: number, length: number, rawLength: number, prefix?: Buffer): Buffer {
    const handle = this.handle ?? (this.unavailable ? undefined : this.open());
    const state = this.state;
    const before = prefix?.length ?? 0;
    if (handle === undefined || state === undefined) {
      const member = gunzipSync(packed.subarray(at, at + length), { chunkSize: firstSize(rawLength) });
      return prefix === undefined ? member : Buffer.concat([prefix, member]);
    }
    let out = this.out;
    const want = before + firstSize(rawLength);
    if (out.length < want) out = Buffer.allocUnsafe(want);
    if (prefix !== undefined) prefix.copy(out, 0);
    let inOff = at;
    let inLeft = length;
    let written = before;
    this.error = undefined;
    for (;;) {
      const outLeft = out.length - written;
      handle.writeSync(constants.Z_FINISH, packed, inOff, inLeft, out, written, outLeft);
      if (this.error !== undefined) {
        const message = this.error;
        this.handle = undefined;
        throw new Error(`gzip member: ${message}`);
      }
      const outAfter = state[0];
      const inAfter = state[1];
      written += outLeft - outAfter;
      inOff += inLeft - inAfter;
      inLeft = inAfter;
      // Output space left over: the member is done (zlib stopped at its end, or at the input's).
      if (outAfter > 0) break;
      const bigger = Buffer.allocUnsafe(out.length * 2);
      out.copy(bigger, 0, 0, written);
      out = bigger;
    }
    handle.reset();
    if (out.length <= KEEP_MAX) this.out = out;
    return out.subarray(0, written);
  }

  private open(): ZlibHandle | undefined {
    const gunzip = createGunzip() as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
    const handle = gunzip._handle;
    if (
      typeof handle?.writeSync !== 'function' ||
      typeof handle.reset !== 'function' ||
      !(gunzip._writeState instanceof Uint32Array)
    ) {
      this.unavailable = true;
      return undefined;
    }
    handle.onerror = (message) => {
      this.error = message;
    };
    this.handle = handle;
    this.state = gunzip._writeState;
    return handle;
  }
}
