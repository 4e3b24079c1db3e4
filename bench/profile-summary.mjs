// `node bench/profile-summary.mjs <file.cpuprofile> [--top N]`: the functions where a V8 CPU
// profile (from `node --cpu-prof`, or `bench/run.mjs --cpu-prof`) spent its time, by self time,
// with total (inclusive) time beside it.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { argv, cwd, exit } from 'node:process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  args: argv.slice(2),
  options: { top: { type: 'string', default: '25' }, help: { type: 'boolean', short: 'h', default: false } },
  allowPositionals: true,
});
if (values.help || positionals.length !== 1) {
  console.log('Usage: node bench/profile-summary.mjs <file.cpuprofile> [--top N]');
  exit(values.help ? 0 : 2);
}

const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// One row per function (name + location), however many call paths it appears on.
const keyOf = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? `  ${where}` : ''}`;
};
const selfUs = new Map();
const totalUs = new Map();
let allUs = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  allUs += dt;
  const leaf = nodes.get(id);
  selfUs.set(keyOf(leaf), (selfUs.get(keyOf(leaf)) ?? 0) + dt);
  // Count a function once per sample even when it is on the stack several times (recursion).
  const seen = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const key = keyOf(nodes.get(n));
    if (seen.has(key)) continue;
    seen.add(key);
    totalUs.set(key, (totalUs.get(key) ?? 0) + dt);
  }
});

const top = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
const pct = (us) => `${((100 * us) / allUs).toFixed(1)}%`.padStart(6);
console.log(`${positionals[0]}: ${(allUs / 1e6).toFixed(2)} s sampled\n`);
console.log(`${'self ms'.padStart(9)} ${'self'.padStart(6)} ${'total'.padStart(6)}  function`);
for (const [key, us] of top) {
  console.log(`${(us / 1000).toFixed(0).padStart(9)} ${pct(us)} ${pct(totalUs.get(key))}  ${key}`);
}

function shortUrl(url) {
  if (url.startsWith('node:')) return url;
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith('/') ? relative(cwd(), path) : path;
}
