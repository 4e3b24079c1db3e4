/** Level names in the order of severity; the index is the level's weight. */
export const LEVEL_NAMES = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type LevelName = (typeof LEVEL_NAMES)[number];

export const LEVEL = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3, CRITICAL: 4 } as const satisfies Record<
  LevelName,
  number
>;

/** OpenTelemetry severity numbers, for export and OTLP ingest (DESIGN.md §2). */
export const OTEL_SEVERITY: Record<LevelName, number> = {
  DEBUG: 5,
  INFO: 9,
  WARNING: 13,
  ERROR: 17,
  CRITICAL: 21,
};

const ALIASES: Record<string, LevelName> = {
  DEBUG: 'DEBUG',
  TRACE: 'DEBUG',
  INFO: 'INFO',
  WARN: 'WARNING',
  WARNING: 'WARNING',
  ERROR: 'ERROR',
  ERR: 'ERROR',
  CRITICAL: 'CRITICAL',
  FATAL: 'CRITICAL',
};

/** Accepts any case and the usual aliases (`warn`, `fatal`); undefined when the text is not a level. */
export function parseLevel(text: string): LevelName | undefined {
  return ALIASES[text.trim().toUpperCase()];
}
