import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const PEERS = ['@opentelemetry/api', 'express', 'fastify', 'pino', 'winston', 'winston-transport'];

/** Every bare module an entry reaches through its static and dynamic imports and require() calls. */
function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g),
      ...text.matchAll(/require\)?\(\s*'([^']+)'/g),
      ...text.matchAll(/\)\('([^']+)'\)/g),
    ].map((match) => match[1]);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else bare.add(specifier);
    }
  };
  visit(resolve(SRC, entry));
  return bare;
}

describe('entry points', () => {
  it('the core entry `actionlog` loads none of the optional peers', () => {
    const reached = bareImports('index.ts');
    for (const peer of PEERS) expect(reached, peer).not.toContain(peer);
  });

  it('each subpath loads only its own peer', () => {
    const peersOf = (entry: string) => [...bareImports(entry)].filter((name) => PEERS.includes(name)).sort();
    expect(peersOf('integrations/http/index.ts')).toEqual(['@opentelemetry/api']); // optional: require() in a try
    expect(peersOf('integrations/otel/index.ts')).toEqual(['@opentelemetry/api']);
    expect(peersOf('agent/index.ts')).toEqual([]);
    expect(peersOf('adapters/pino/index.ts')).toEqual([]);
    expect(peersOf('adapters/winston/index.ts')).toEqual(['winston', 'winston-transport']); // the latter: types only
  });

  it('package.json exports every subpath, and pino can resolve its transport with require', async () => {
    const pkg = JSON.parse(readFileSync(resolve(SRC, '../package.json'), 'utf8'));
    expect(Object.keys(pkg.exports)).toEqual(
      expect.arrayContaining(['.', './http', './otel', './agent', './pino', './winston']),
    );
    expect(pkg.exports['./pino'].default).toBe('./dist/adapters/pino/index.js');
    for (const peer of ['@opentelemetry/api', 'express', 'fastify', 'pino', 'winston']) {
      expect(pkg.peerDependenciesMeta[peer]).toEqual({ optional: true });
    }
  });
});
