import { describe, expect, it } from 'vitest';
import { compileMasker } from '../../src/redact/compile-masker.js';
import { maskLine } from '../../src/redact/mask-text.js';

const masker = compileMasker({ paths: ['data.user.address', 'data.users.phone'] });

describe('maskLine', () => {
  it('masks a JSON record by key at any depth, in arrays and in error causes', () => {
    const line = JSON.stringify({
      timestamp: '2026-11-23T10:30:45.123Z',
      level: 'ERROR',
      message: 'login failed for bob@example.com',
      data: {
        user: { name: 'Bob', password: 'hunter2', tokens: [{ refresh_token: 'r1' }] },
        items: [{ apiKey: 'k' }],
      },
      error: {
        type: 'Error',
        message: 'bad',
        cause: { type: 'Error', message: 'x', secret: { nested: 's' } },
      },
    });
    expect(JSON.parse(maskLine(line, masker))).toEqual({
      timestamp: '2026-11-23T10:30:45.123Z',
      level: 'ERROR',
      message: 'login failed for ***@example.com',
      data: {
        user: { name: 'Bob', password: '[MASKED]', tokens: [{ refresh_token: '[MASKED]' }] },
        items: [{ apiKey: '[MASKED]' }],
      },
      error: { type: 'Error', message: 'bad', cause: { type: 'Error', message: 'x', secret: '[MASKED]' } },
    });
  });

  it('drops exact paths, array items sharing their array path', () => {
    const line = '{"data":{"user":{"id":1,"address":"1 Main St"},"users":[{"id":2,"phone":"x"},{"id":3}]}}';
    expect(maskLine(line, masker)).toBe('{"data":{"user":{"id":1},"users":[{"id":2},{"id":3}]}}');
  });

  it('masks key names and keeps numbers exactly as written', () => {
    const line =
      '{"id":12345678901234567890,"ratio":1.50,"by_email":{"alice@example.com":2},"ok":true,"none":null}';
    expect(maskLine(line, masker)).toBe(
      '{"id":12345678901234567890,"ratio":1.50,"by_email":{"***@example.com":2},"ok":true,"none":null}',
    );
  });

  it('keeps escapes and unicode intact', () => {
    const line = '{"message":"tab\\there \\"quoted\\" \\u00e9 ✓ mail bob@example.com","n":"\\ud800"}';
    expect(JSON.parse(maskLine(line, masker))).toEqual({
      message: 'tab\there "quoted" é ✓ mail ***@example.com',
      n: '\ud800',
    });
  });

  it('returns the same line, formatting and all, when nothing needs masking', () => {
    const line = '{ "level": "INFO",  "data": { "count": 3 } }';
    expect(maskLine(line, masker)).toBe(line);
  });

  it('masks top-level arrays and empty containers', () => {
    expect(maskLine('[{"token":"t"},[],{},"bob@example.com",1]', masker)).toBe(
      '[{"token":"[MASKED]"},[],{},"***@example.com",1]',
    );
  });

  it('masks other lines as text, including broken JSON', () => {
    expect(maskLine('2026-11-23 INFO password=hunter2', masker)).toBe('2026-11-23 INFO password=[MASKED]');
    expect(maskLine('{"password":"hunter2", truncated', masker)).toBe('{"password":"[MASKED]", truncated');
    expect(maskLine('', masker)).toBe('');
  });
});
