import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileMasker } from '../../src/redact/compile-masker.js';
import { checkRedactConfig, redactConfigSchema } from '../../src/redact/redact-config.js';
import { unsafeRegexShape } from '../../src/redact/regex-safety.js';

const check = (patterns: { name: string; regex: string; flags?: string }[]) =>
  checkRedactConfig(redactConfigSchema.parse({ patterns }));

describe('user patterns', () => {
  it('mask every string, with $-references in the replacement', () => {
    const masker = compileMasker({
      patterns: [
        { name: 'order-token', regex: 'ord_tok_[A-Za-z0-9]{24}' },
        { name: 'employee', regex: '\\b(EMP)-(\\d{6})\\b', replacement: '$1-******', flags: 'i' },
      ],
    });
    expect(masker.maskString('token ord_tok_aaaabbbbccccddddeeeeffff used by emp-123456')).toBe(
      'token [MASKED] used by emp-******',
    );
    expect(masker.maskString('ok')).toBe('ok');
  });

  it('run before the built-in rules, so they see the original text', () => {
    const masker = compileMasker({
      patterns: [{ name: 'mail-domain', regex: '@example\\.com', replacement: '@corp' }],
    });
    expect(masker.maskString('bob@example.com')).toBe('bob@corp');
  });

  it('find matches in strings longer than the window, cut at whitespace', () => {
    const masker = compileMasker({ patterns: [{ name: 'order-token', regex: 'ord_tok_[A-Za-z0-9]{24}' }] });
    const token = 'ord_tok_aaaabbbbccccddddeeeeffff';
    const text = `${'lorem ipsum '.repeat(40)}${token} ${'dolor sit '.repeat(100)}${token}`;
    const masked = masker.maskString(text);
    expect(masked).not.toContain(token);
    expect(masked.length).toBe(text.length - 2 * (token.length - '[MASKED]'.length));
  });

  it.each([
    ['(a+)+$', 'a repeated group contains a quantifier'],
    ['(\\w+\\s?)*$', 'a repeated group contains a quantifier'],
    ['(?:x*){2,}', 'a repeated group contains a quantifier'],
    ['(a|aa)*b', 'a repeated group contains an alternation'],
    ['(?<q>["\'])\\w+\\k<q>', 'backreferences'],
    ['(a)\\1', 'backreferences'],
  ])('refuses the catastrophic shape %s', (source, reason) => {
    expect(unsafeRegexShape(source)).toContain(reason);
  });

  it.each([
    'ord_tok_[A-Za-z0-9]{24}',
    '(?:https?://)?example\\.com',
    '[a-z]+@[a-z]+\\.[a-z]{2,}',
    '(ab)+',
    '\\(a+\\)+',
    '[(a+)+]',
  ])('accepts the safe shape %s', (source) => {
    expect(unsafeRegexShape(source)).toBeUndefined();
  });

  it('reports invalid, catastrophic, slow and empty-matching patterns by name, and leaves them out', () => {
    const problems = check([
      { name: 'broken', regex: '(unclosed' },
      { name: 'nested', regex: '(a+)+$' },
      { name: 'cubic', regex: '\\w*\\w*\\w*x' },
      { name: 'empty', regex: 'x*' },
      { name: 'fine', regex: 'ord_tok_[A-Za-z0-9]{24}' },
    ]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^redact\.patterns\[0\] "broken": invalid regex: .*not applied$/);
    expect(problems[1]).toMatch(
      /^redact\.patterns\[1\] "nested": refused, a repeated group contains a quantifier/,
    );
    expect(problems[2]).toMatch(/^redact\.patterns\[2\] "cubic": refused, it backtracks badly/);
    expect(problems[3]).toMatch(/^redact\.patterns\[3\] "empty": refused, it matches the empty string/);

    const masker = compileMasker({
      patterns: [
        { name: 'nested', regex: '(a+)+$' },
        { name: 'fine', regex: 'ord_tok_[A-Za-z0-9]{24}' },
      ],
    });
    expect(masker.maskString(`${'a'.repeat(40)}! ord_tok_aaaabbbbccccddddeeeeffff`)).toBe(
      `${'a'.repeat(40)}! [MASKED]`,
    );
  });

  it('reports keys made only of separators', () => {
    expect(checkRedactConfig(redactConfigSchema.parse({ keys: ['-_'] }))).toEqual([
      'redact.keys[0] "-_": only - _ . characters, which are ignored when comparing keys',
    ]);
  });

  it('cannot hang the logger: hostile patterns and inputs finish in a child process', async () => {
    // vite-node (vitest's own TypeScript runner) runs the fixture from source, no build needed.
    const viteNode = join(
      dirname(createRequire(import.meta.url).resolve('vite-node')),
      '..',
      'vite-node.mjs',
    );
    const fixture = fileURLToPath(new URL('./fixtures/hostile-masking.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [viteNode, fixture], {
      timeout: 50_000,
      maxBuffer: 1 << 20,
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { problems: string[]; slowest: number };
    expect(report.problems.map((problem) => /"([^"]+)"/.exec(problem)![1])).toEqual([
      'nested',
      'alternation',
      'polynomial',
    ]);
  }, 60_000);
});
