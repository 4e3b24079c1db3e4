import type { Stage } from './ast.js';

/**
 * A parse pattern as a regular expression source: each `*` captures lazily, except a final `*`,
 * which takes the rest of the value. The pattern may match anywhere in the value.
 */
export function globToRegex(glob: string): string {
  const parts = glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const last = parts.length - 1;
  let source = parts[0];
  for (let i = 1; i <= last; i++) source += (i === last && parts[last] === '' ? '(.*)' : '(.*?)') + parts[i];
  return glob.endsWith('*') ? `${source}$` : source;
}

/** The regular expression a parse stage runs (flags always include `s`: values may hold newlines). */
export function parseStageRegex(stage: Extract<Stage, { kind: 'parse' }>): RegExp {
  const source = stage.regex ? stage.pattern : globToRegex(stage.pattern);
  const flags = stage.regex ? stage.flags : 's';
  return new RegExp(source, flags);
}
