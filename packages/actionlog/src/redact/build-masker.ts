import { type Masker, noMasking } from './masker.js';

/** The masker for a config's `redact` section. */
export function buildMasker(_redact: unknown): Masker {
  return noMasking;
}
