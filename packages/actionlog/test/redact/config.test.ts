import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { redactConfigSchema } from '../../src/redact/redact-config.js';

describe('redactConfigSchema', () => {
  it('fills in the defaults', () => {
    expect(redactConfigSchema.parse({})).toEqual({
      enabled: true,
      keys: [],
      patterns: [],
      disable: [],
      paths: [],
      replacement: '[MASKED]',
      ipAddresses: false,
    });
  });

  it('rejects unknown settings, unknown rule names and bad flags', () => {
    const result = redactConfigSchema.safeParse({
      disabled: ['email'],
      disable: ['emial'],
      patterns: [{ name: 'x', regex: 'y', flags: 'g' }],
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths.sort()).toEqual(['', 'disable.0', 'patterns.0.flags']);
  });

  it('describes itself in JSON Schema, for editors', () => {
    const schema = z.toJSONSchema(redactConfigSchema, { io: 'input' }) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toEqual([
      'enabled',
      'keys',
      'patterns',
      'disable',
      'paths',
      'replacement',
      'ipAddresses',
    ]);
  });
});
