import { closeSync, openSync, readSync } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/**
 * actionlog's `.jsonl.gz`: a plain gzip file made of independent members (RFC 1952 allows any
 * number, and gzip, zcat, DuckDB, Python and Node read them as one stream), each holding whole
 * lines, about MEMBER_BYTES of them. Every member header carries an extra field (the FEXTRA
 * subfield `AL`, as BGZF's `BC`) with the member's own length, its uncompressed length, and
 * whether it begins inside a line (only after a line longer than two members).
 *
 * A reader can then hop from member to member reading headers only: a query splits a gzipped
 * day into pieces that worker threads inflate in parallel, and reads the last members first for
 * "newest first" — without inflating the whole day to reach its end.
 */
export const MEMBER_BYTES = 4 << 20;

const SUBFIELD = [0x41, 0x4c]; // 'A' 'L'
const FLG_FEXTRA = 0x04;
/** XLEN (2) + subfield id (2) + its length (2) + member length (4) + uncompressed length (4) + flags (1). */
const EXTRA_BYTES = 15;
const SUBFIELD_BYTES = 9;
/** Flag: the member's first bytes end the previous member's last line. */
const CONTINUES_LINE = 1;
const HEADER_PROBE = 10 + EXTRA_BYTES;

const gzipAsync = promisify(gzip);

/** One member for `lines` (compressed on the thread pool, so the caller's thread stays free). */
export async function encodeMember(lines: Buffer, level: number, continuesLine = false): Promise<Buffer> {
  const packed = await gzipAsync(lines, { level });
  // zlib writes the 10-byte header without optional fields; ours adds FEXTRA after it.
  if (packed[0] !== 0x1f || packed[1] !== 0x8b || packed[3] !== 0) throw new Error('unexpected gzip header');
  const member = Buffer.allocUnsafe(packed.length + EXTRA_BYTES);
  packed.copy(member, 0, 0, 10);
  member[3] = FLG_FEXTRA;
  member.writeUInt16LE(EXTRA_BYTES - 2, 10);
  member[12] = SUBFIELD[0];
  member[13] = SUBFIELD[1];
  member.writeUInt16LE(SUBFIELD_BYTES, 14);
  member.writeUInt32LE(member.length, 16);
  member.writeUInt32LE(lines.length, 20);
  member[24] = continuesLine ? CONTINUES_LINE : 0;
  packed.copy(member, 10 + EXTRA_BYTES, 10);
  return member;
}

/**
 * A gzip stream of members of about `memberBytes` each, cut after a newline (a line longer than
 * a member is cut where it stands, and the next member says so; readers join the pieces).
 */
export function createMemberGzip(level = 6, memberBytes = MEMBER_BYTES): Transform {
  let parts: Buffer[] = [];
  let partsBytes = 0;
  /** The last member ended inside a line. */
  let midLine = false;

  /** Where the next member ends in `bytes`, or 0 to wait for more input. */
  const nextCut = (bytes: Buffer, final: boolean): number => {
    if (bytes.length < memberBytes) return final ? bytes.length : 0;
    const before = bytes.lastIndexOf(0x0a, memberBytes - 1);
    if (before >= memberBytes / 2) return before + 1;
    const after = bytes.indexOf(0x0a, memberBytes);
    if (after !== -1 && after < 2 * memberBytes) return after + 1;
    if (bytes.length >= 2 * memberBytes) return 2 * memberBytes;
    return final ? bytes.length : 0;
  };

  /** Encodes every member the input gathered so far holds (all of it when `final`). */
  const drain = async (stream: Transform, final: boolean): Promise<void> => {
    if (partsBytes < memberBytes && !final) return;
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, partsBytes);
    for (let cut = nextCut(bytes, final); cut > 0; cut = nextCut(bytes, final)) {
      const lines = bytes.subarray(0, cut);
      const continues = midLine;
      midLine = lines[lines.length - 1] !== 0x0a;
      stream.push(await encodeMember(lines, level, continues));
      bytes = bytes.subarray(cut);
    }
    parts = bytes.length > 0 ? [bytes] : [];
    partsBytes = bytes.length;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      parts.push(chunk);
      partsBytes += chunk.length;
      drain(this, false).then(() => done(), done);
    },
    flush(done: TransformCallback) {
      drain(this, true).then(() => done(), done);
    },
  });
}

export interface Member {
  /** Byte offset of the member in the file, and its length. */
  offset: number;
  length: number;
  /** Its uncompressed length. */
  rawLength: number;
  /** It begins inside a line (the previous member's last): no piece of work may start here. */
  continuesLine: boolean;
}

/** The `AL` field of the member header at `buffer[at]`, or undefined when it has none. */
export function memberHeader(
  buffer: Buffer,
  at: number,
): { length: number; rawLength: number; continuesLine: boolean } | undefined {
  if (buffer.length - at < HEADER_PROBE) return undefined;
  if (buffer[at] !== 0x1f || buffer[at + 1] !== 0x8b || buffer[at + 2] !== 8) return undefined;
  if ((buffer[at + 3] & FLG_FEXTRA) === 0 || buffer.readUInt16LE(at + 10) < EXTRA_BYTES - 2) return undefined;
  if (
    buffer[at + 12] !== SUBFIELD[0] ||
    buffer[at + 13] !== SUBFIELD[1] ||
    buffer.readUInt16LE(at + 14) !== SUBFIELD_BYTES
  )
    return undefined;
  const length = buffer.readUInt32LE(at + 16);
  if (length <= HEADER_PROBE) return undefined;
  return {
    length,
    rawLength: buffer.readUInt32LE(at + 20),
    continuesLine: (buffer[at + 24] & CONTINUES_LINE) !== 0,
  };
}

/**
 * The members of an actionlog `.jsonl.gz` of `size` bytes, found by hopping from header to
 * header; undefined for any other gzip file (one member, or members without the `AL` field),
 * which is then read as one stream.
 */
export function readMemberIndex(path: string, size: number): Member[] | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const probe = Buffer.allocUnsafe(HEADER_PROBE);
    const members: Member[] = [];
    for (let offset = 0; offset < size; ) {
      const n = readSync(fd, probe, 0, HEADER_PROBE, offset);
      const header = memberHeader(probe.subarray(0, n), 0);
      if (header === undefined || offset + header.length > size) return undefined;
      members.push({ offset, ...header });
      offset += header.length;
    }
    return members.length > 0 ? members : undefined;
  } finally {
    closeSync(fd);
  }
}
