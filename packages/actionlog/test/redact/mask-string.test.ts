import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMasker } from '../../src/redact/compile-masker.js';
import { BUILT_IN_RULE_NAMES } from '../../src/redact/value-patterns.js';

interface CorpusEntry {
  rule: string;
  text: string;
  secrets: string[];
  key?: string;
  switch?: string;
}

const corpus: CorpusEntry[] = JSON.parse(
  readFileSync(new URL('../corpus/secrets.json', import.meta.url), 'utf8'),
);
const benign: string[] = JSON.parse(readFileSync(new URL('../corpus/benign.json', import.meta.url), 'utf8'));
const masker = compileMasker({ ipAddresses: true, keys: ['customer_ref'] });
const defaults = compileMasker();

describe('the secrets corpus', () => {
  it('has at least 150 secrets and several for every built-in rule', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    for (const rule of BUILT_IN_RULE_NAMES) {
      expect(corpus.filter((entry) => entry.rule === rule).length, rule).toBeGreaterThanOrEqual(6);
    }
  });

  const values = corpus.filter((entry) => entry.key === undefined);
  it.each(values.map((entry) => [entry.rule, entry] as const))(
    '%s: no secret survives maskString',
    (_rule, entry) => {
      const masked = masker.maskString(entry.text);
      for (const secret of entry.secrets) expect(masked).not.toContain(secret);
      expect(masker.maskString(masked)).toBe(masked);
    },
  );

  const keyed = corpus.filter((entry) => entry.key !== undefined);
  it.each(keyed.map((entry) => [entry.key!]))('%s is a sensitive key', (key) => {
    expect(masker.isSensitiveKey(key)).toBe(true);
  });
});

describe('the benign corpus', () => {
  it('is altered in at most 1% of its strings', () => {
    const altered = benign.filter((text) => defaults.maskString(text) !== text);
    expect(benign.length).toBeGreaterThanOrEqual(200);
    expect(altered.length / benign.length, altered.join('\n')).toBeLessThanOrEqual(0.01);
  });
});

describe('maskString', () => {
  it('returns the very same string when there is nothing to mask', () => {
    // Built at run time so the engine cannot share one literal between input and expectation.
    for (const text of benign) {
      const copy = [...text].join('');
      expect(Object.is(defaults.maskString(copy), copy)).toBe(true);
    }
  });

  it('returns the same string when a trigger fires but no rule matches', () => {
    const text = ['reference 4111-1111-1111-1112 for ', 'task-', 'queue, key: value'].join('');
    expect(defaults.maskString(text)).toBe(text);
    expect(Object.is(defaults.maskString(text), text)).toBe(true);
  });

  it('still masks strings just above the short-string cutoff', () => {
    expect(defaults.maskString('pwd=x')).toBe('pwd=[MASKED]');
    expect(defaults.maskString('a@b.cd')).toBe('***@b.cd');
    expect(compileMasker({ ipAddresses: true }).maskString('::1')).toBe('[IP]');
    expect(compileMasker({ keys: ['k'] }).maskString('k=v')).toBe('k=[MASKED]');
  });

  it('never throws and always returns a string, including on lone surrogates', () => {
    const secretish = fc.constantFrom(
      '@',
      'sk-',
      'eyJ',
      'Bearer ',
      '-----BEGIN PRIVATE KEY-----',
      '://u:p@',
      'password=',
      '"token":"',
      '4111 1111 1111 1111',
      '+1 415',
      '/home/',
      'C:\\Users\\',
      '::',
      '\uD800',
      '\uDC00',
    );
    const text = fc
      .array(fc.oneof(fc.string({ unit: 'binary' }), secretish), { maxLength: 12 })
      .map((parts) => parts.join(''));
    for (const candidate of [masker, defaults]) {
      fc.assert(
        fc.property(text, (value) => {
          const out = candidate.maskString(value);
          return typeof out === 'string';
        }),
        { numRuns: 2000 },
      );
    }
  });
});
