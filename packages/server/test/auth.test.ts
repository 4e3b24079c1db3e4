import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkExposure, isLoopbackHost, ServeError } from '../src/auth/loopback.js';
import { TokenConfigError, TokenSet } from '../src/auth/tokens.js';
import { record, tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();

const READER = 'reader-token-0123456789';
const INGESTER = 'ingest-token-0123456789';
const ADMIN = 'admin-token-0123456789ab';
const tokens = [
  { name: 'dashboard', token: READER, scopes: ['read'] as const },
  {
    name: 'shipper',
    sha256: createHash('sha256').update(INGESTER).digest('hex'),
    scopes: ['ingest'] as const,
  },
  { name: 'ops', token: ADMIN, scopes: ['admin'] as const },
];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('tokens and scopes', () => {
  it('401 without a valid token, 403 without the scope, admin may do everything', async () => {
    const server = await servers.open(tempDir(), {
      tokens: tokens.map((t) => ({ ...t, scopes: [...t.scopes] })),
    });
    const missing = await server.call('/action-logs/recent');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.body).toEqual({ detail: 'this server needs a token: send Authorization: Bearer <token>' });
    const wrong = await server.call({
      url: '/action-logs/recent',
      headers: bearer('not-a-real-token-at-all'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toBe('the token is not valid for this server');
    const malformed = await server.call({
      url: '/action-logs/recent',
      headers: { authorization: `Basic ${READER}` },
    });
    expect(malformed.status).toBe(401);
    expect(malformed.body.detail).toBe('the Authorization header must be: Bearer <token>');

    const ingest = { method: 'POST' as const, url: '/action-logs', payload: [record(1)] };
    const clear = { method: 'POST' as const, url: '/action-logs/clear' };
    const expectStatus = async (headers: Record<string, string>, request: object, status: number) => {
      const response = await server.call({ ...request, headers });
      expect(response.status, `${JSON.stringify(request)} → ${response.text}`).toBe(status);
      return response;
    };
    // read
    for (const url of [
      '/action-logs/recent',
      '/action-logs/failed',
      '/action-logs/service/X',
      '/action-logs/stats',
    ]) {
      await expectStatus(bearer(READER), { url }, 200);
    }
    await expectStatus(bearer(READER), { url: '/action-logs/search' }, 200);
    await expectStatus(bearer(READER), { url: '/api/query?q=limit%201' }, 200);
    const denied = await expectStatus(bearer(READER), ingest, 403);
    expect(denied.body.detail).toBe('this route needs the "ingest" scope; dashboard has: read');
    await expectStatus(bearer(READER), clear, 403);
    // ingest (configured by hash)
    await expectStatus(bearer(INGESTER), ingest, 202);
    await expectStatus(bearer(INGESTER), { url: '/action-logs/recent' }, 403);
    const clearDenied = await expectStatus(bearer(INGESTER), clear, 403);
    expect(clearDenied.body.detail).toBe('this route needs the "admin" scope; shipper has: ingest');
    // admin
    await expectStatus(bearer(ADMIN), { url: '/action-logs/recent' }, 200);
    await expectStatus(bearer(ADMIN), ingest, 202);
    await expectStatus(bearer(ADMIN), clear, 200);
    // probes stay open
    await expectStatus({}, { url: '/healthz' }, 200);
    await expectStatus({}, { url: '/readyz' }, 200);
    expect(servers.internalErrors).toEqual([]);
  });

  it('without tokens every route is open, clear included', async () => {
    const server = await servers.open(tempDir());
    expect((await server.call({ method: 'POST', url: '/action-logs/clear' })).status).toBe(200);
    expect((await server.call('/action-logs/recent')).status).toBe(200);
  });

  it('the token is checked before the request is looked at', async () => {
    const server = await servers.open(tempDir(), { tokens: [{ token: ADMIN, scopes: ['admin'] }] });
    expect((await server.call('/action-logs/recent?limit=abc')).status).toBe(401);
    const body = await server.call({
      method: 'POST',
      url: '/action-logs',
      headers: { 'content-type': 'application/json' },
      payload: '{broken',
    });
    expect(body.status).toBe(401);
  });

  it('refuses bad token configurations with the fix', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ token: 'short', scopes: ['read'] }, /tokens\[0\]: token must be at least 16 characters/],
      [{ token: READER, sha256: 'ab', scopes: ['read'] }, /give either token .* or sha256 .*, not both/],
      [{ scopes: ['read'] }, /give either token/],
      [{ sha256: 'xyz', scopes: ['read'] }, /sha256 must be 64 hex digits/],
      [{ token: READER, scopes: [] }, /scopes must be a non-empty list of read, ingest, admin/],
      [{ name: 'x', token: READER, scopes: ['write'] }, /tokens\[0\] \(x\): scopes must be/],
    ];
    for (const [config, message] of cases) {
      expect(() => new TokenSet([config as never])).toThrow(TokenConfigError);
      expect(() => new TokenSet([config as never])).toThrow(message);
    }
  });
});

describe('the loopback rule', () => {
  it('knows loopback addresses', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.5',
      '192.168.1.2',
      'example.com',
      '::ffff:10.0.0.1',
      '128.0.0.1',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('refuses a public address without tokens unless insecure', () => {
    expect(() => checkExposure('0.0.0.0', 0, false)).toThrow(ServeError);
    expect(() => checkExposure('0.0.0.0', 0, false)).toThrow(
      /refusing to listen on 0.0.0.0 without tokens: .* pass --insecure/,
    );
    expect(() => checkExposure('0.0.0.0', 1, false)).not.toThrow();
    expect(() => checkExposure('0.0.0.0', 0, true)).not.toThrow();
    expect(() => checkExposure('127.0.0.1', 0, false)).not.toThrow();
  });
});
