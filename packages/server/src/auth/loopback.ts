import { isIP } from 'node:net';

/**
 * Whether binding `host` keeps the server reachable from this machine only: `localhost`,
 * 127.0.0.0/8, ::1 (and ::ffff:127.x). Any other name or address (0.0.0.0, ::, a LAN address, a
 * host name that DNS could point anywhere) counts as public.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const version = isIP(bare);
  if (version === 4) return bare.startsWith('127.');
  if (version === 6) {
    const lower = bare.toLowerCase();
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped?.[1].startsWith('127.') === true;
  }
  return false;
}

/** Refusing to start: a usage problem with the fix in the message. */
export class ServeError extends Error {
  override readonly name = 'ServeError';
}

/**
 * The loopback rule: a server reachable from other machines must ask for tokens, unless the
 * operator says `--insecure` (a trusted network, or a proxy in front that authenticates).
 */
export function checkExposure(host: string, tokenCount: number, insecure: boolean): void {
  if (isLoopbackHost(host) || tokenCount > 0 || insecure) return;
  throw new ServeError(
    `refusing to listen on ${host} without tokens: anyone who can reach it could read and delete the logs. ` +
      'Add tokens (tokens: in --config), bind 127.0.0.1, or pass --insecure if something in front authenticates',
  );
}
