import * as crypto from 'node:crypto';

/**
 * The integrity chain, byte for byte (README "Integrity chain"):
 *
 *   line      = canonical without its final `}`, then `,"hash":"<64 hex>"}` and `\n`
 *   canonical = the record's JSON exactly as it would be written without `hash` (no newline)
 *   hash      = hex(SHA-256(prev ‖ canonical)), or hex(HMAC-SHA-256(key, prev ‖ canonical))
 *   prev      = the 64 hex characters of the previous record's `hash`; GENESIS for the first record
 *
 * `hash` is the last key, so a verifier finds it at a fixed distance from the end of the line
 * and the canonical bytes are a prefix of the line plus one `}`: nothing is parsed or re-encoded.
 */
export const GENESIS = '0'.repeat(64);
export const HASH_HEX_LENGTH = 64;
/** `,"hash":"` */
export const HASH_MEMBER_PREFIX = ',"hash":"';
/** Bytes from the start of `,"hash":"` to the end of the line (without the newline). */
export const HASH_SUFFIX_LENGTH = HASH_MEMBER_PREFIX.length + HASH_HEX_LENGTH + 2;

export type ChainAlgorithm = 'sha256' | 'hmac-sha256';

/** Where the key comes from; never a config file, so it is not committed beside the settings. */
export const INTEGRITY_KEY_VARIABLE = 'ACTIONLOG_INTEGRITY_KEY';

/** The key from the environment, or undefined when unset or empty. */
export function integrityKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const value = env[INTEGRITY_KEY_VARIABLE];
  return value ? Buffer.from(value, 'utf8') : undefined;
}

/** A short public name for a key, so a verifier can tell "wrong key" from "edited records". */
export function keyId(key: Buffer): string {
  return crypto
    .createHash('sha256')
    .update('actionlog-integrity-key-id\n')
    .update(key)
    .digest('hex')
    .slice(0, 16);
}

/** Hex digest of `prev ‖ canonical` for one record. `prev` is 64 ASCII hex characters. */
export type LinkHasher = (data: string | Buffer) => string;

// crypto.hash (Node 20.12+) skips the Hash object: a third faster per record than createHash.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function linkHasher(key: Buffer | undefined): LinkHasher {
  if (key !== undefined) return (data) => crypto.createHmac('sha256', key).update(data).digest('hex');
  if (oneShot !== undefined) return (data) => oneShot('sha256', data, 'hex');
  return (data) => crypto.createHash('sha256').update(data).digest('hex');
}

export function algorithmOf(key: Buffer | undefined): ChainAlgorithm {
  return key === undefined ? 'sha256' : 'hmac-sha256';
}

const HEX = /^[0-9a-f]{64}$/;

export function isHashHex(text: string): boolean {
  return HEX.test(text);
}

/**
 * The stored hash of a chained line (bytes `[start, end)` of `buf`, without the newline), or
 * undefined when the line does not end in `,"hash":"<64 hex>"}`.
 */
export function storedHashAt(buf: Buffer, start: number, end: number): string | undefined {
  const at = end - HASH_SUFFIX_LENGTH;
  if (at <= start) return undefined;
  // `"}` at the end, `,"hash":"` before the hex: checked byte by byte, no string made.
  if (buf[end - 1] !== 0x7d || buf[end - 2] !== 0x22) return undefined;
  for (let i = 0; i < HASH_MEMBER_PREFIX.length; i++) {
    if (buf[at + i] !== HASH_MEMBER_PREFIX.charCodeAt(i)) return undefined;
  }
  const hex = buf.toString('latin1', at + HASH_MEMBER_PREFIX.length, end - 2);
  return HEX.test(hex) ? hex : undefined;
}
