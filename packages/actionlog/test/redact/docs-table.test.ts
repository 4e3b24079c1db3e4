import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileMasker } from '../../src/redact/compile-masker.js';
import { maskLine } from '../../src/redact/mask-text.js';
import { BUILT_IN_RULE_NAMES } from '../../src/redact/value-patterns.js';

/** The README's section under `heading`, up to the next section of the same level. */
function readmeSection(heading: string): string {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + heading.length + 2);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** Rows of the "What gets masked" table: [rule cell, before, after]. */
function tableRows(): [string, string, string][] {
  const doc = readmeSection('## What gets masked');
  const rows: [string, string, string][] = [];
  for (const line of doc.split('\n')) {
    const cells = line.split(' | ');
    if (cells.length !== 3 || !line.startsWith('| `')) continue;
    const code = (cell: string) => /`(.*)`/.exec(cell)![1];
    rows.push([cells[0].slice(2), code(cells[1]), code(cells[2])]);
  }
  return rows;
}

describe('the "What gets masked" table in README.md', () => {
  const rows = tableRows();
  const defaults = compileMasker();
  const withIp = compileMasker({ ipAddresses: true });

  it('has a row for every built-in rule', () => {
    const named = new Set(rows.map(([rule]) => /`([^`]+)`/.exec(rule)![1]));
    expect(named).toEqual(new Set(BUILT_IN_RULE_NAMES));
  });

  it.each(rows)('%s: %s', (rule, before, after) => {
    const masker = rule.startsWith('`ip`') ? withIp : defaults;
    expect(maskLine(before, masker)).toBe(after);
  });
});
