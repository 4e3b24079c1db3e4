import { createHash, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['read', 'ingest', 'admin'] as const;
/** `read`: the GET routes; `ingest`: sending records; `admin`: everything, including clear. */
export type Scope = (typeof SCOPES)[number];

/**
 * A bearer token the server accepts. Give the secret itself (`token`) or, to keep it out of the
 * config file, its SHA-256 in hex (`sha256`: `printf %s "$TOKEN" | sha256sum`).
 */
export interface TokenConfig {
  /** Shown in errors and logs instead of the secret. */
  name?: string;
  token?: string;
  sha256?: string;
  scopes: readonly Scope[];
}

export interface Caller {
  name: string;
  scopes: ReadonlySet<Scope>;
}

export type Authentication = { ok: true; caller: Caller } | { ok: false; detail: string };

export const MIN_TOKEN_LENGTH = 16;

/** A wrong token configuration: each message names the token and the setting. */
export class TokenConfigError extends Error {
  override readonly name = 'TokenConfigError';
}

interface Entry {
  digest: Buffer;
  caller: Caller;
}

/**
 * The configured tokens, kept as SHA-256 digests. A presented token is hashed and compared with
 * every digest in constant time (timingSafeEqual, no early exit), so neither the time taken nor
 * the order of the list tells an attacker anything about a secret.
 */
export class TokenSet {
  private readonly entries: Entry[];

  constructor(configs: readonly TokenConfig[] = []) {
    this.entries = configs.map((config, i) => toEntry(config, i));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Checks an `Authorization` header value. */
  authenticate(header: string | undefined): Authentication {
    if (header === undefined || header === '') {
      return { ok: false, detail: 'this server needs a token: send Authorization: Bearer <token>' };
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match) return { ok: false, detail: 'the Authorization header must be: Bearer <token>' };
    const digest = sha256(match[1]);
    let found: Caller | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && !found) found = entry.caller;
    }
    return found
      ? { ok: true, caller: found }
      : { ok: false, detail: 'the token is not valid for this server' };
  }
}

/** Whether a caller may use a route that needs `scope` (admin may use every route). */
export function allows(caller: Caller, scope: Scope): boolean {
  return caller.scopes.has(scope) || caller.scopes.has('admin');
}

function toEntry(config: TokenConfig, i: number): Entry {
  const label = `tokens[${i}]${config?.name ? ` (${config.name})` : ''}`;
  if (config === null || typeof config !== 'object')
    throw new TokenConfigError(`${label}: expected an object`);
  const { token, sha256: hex, scopes } = config;
  if ((token === undefined) === (hex === undefined)) {
    throw new TokenConfigError(
      `${label}: give either token (the secret) or sha256 (its SHA-256 in hex), not both`,
    );
  }
  let digest: Buffer;
  if (token !== undefined) {
    if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new TokenConfigError(
        `${label}: token must be at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. openssl rand -hex 32)`,
      );
    }
    digest = sha256(token);
  } else {
    if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/i.test(hex)) {
      throw new TokenConfigError(`${label}: sha256 must be 64 hex digits`);
    }
    digest = Buffer.from(hex, 'hex');
  }
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s))) {
    throw new TokenConfigError(`${label}: scopes must be a non-empty list of ${SCOPES.join(', ')}`);
  }
  return { digest, caller: { name: config.name ?? `token ${i + 1}`, scopes: new Set(scopes) } };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
