import { describe, expect, it } from 'vitest';
import { compileMasker } from '../../src/redact/compile-masker.js';
import { DEFAULT_SENSITIVE_KEYS } from '../../src/redact/default-keys.js';

describe('isSensitiveKey', () => {
  const masker = compileMasker();

  it.each(DEFAULT_SENSITIVE_KEYS)('matches the default key %s', (key) => {
    expect(masker.isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'PASSWORD',
    'Password',
    'API_KEY',
    'apiKey',
    'X-Api-Key',
    'x.api.key',
    'client-secret',
    'ClientSecret',
    'Set-Cookie',
    'creditCard',
    'CVV',
    'password_',
    '__pin__',
  ])('ignores case and - _ . in %s', (key) => {
    expect(masker.isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'db_password',
    'githubToken',
    'STRIPE_SECRET_KEY',
    'aws_secret_access_key',
    'ssh_private_key',
    'csrf-token',
  ])('matches %s by its sensitive ending', (key) => {
    expect(masker.isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'user_id',
    'message',
    'spin',
    'pinned',
    'cwd',
    'tokens',
    'max_tokens',
    'token_count',
    'secrets_count',
    'password_hint_shown',
    'session_id',
    'ssn_verified',
    '',
    '-_.',
  ])('leaves %j alone', (key) => {
    expect(masker.isSensitiveKey(key)).toBe(false);
  });

  it('adds redact.keys, compared the same way but exactly', () => {
    const custom = compileMasker({ keys: ['customer_ref', 'IBAN'] });
    expect(custom.isSensitiveKey('customerRef')).toBe(true);
    expect(custom.isSensitiveKey('iban')).toBe(true);
    expect(custom.isSensitiveKey('billing_iban')).toBe(false);
    expect(custom.isSensitiveKey('password')).toBe(true);
  });

  it('drops the built-in names with disable: [default-keys], keeping redact.keys', () => {
    const custom = compileMasker({ keys: ['customer_ref'], disable: ['default-keys'] });
    expect(custom.isSensitiveKey('password')).toBe(false);
    expect(custom.isSensitiveKey('customer_ref')).toBe(true);
    expect(custom.maskString('password=x1 customer_ref=CR-1')).toBe('password=x1 customer_ref=[MASKED]');
  });

  it('gives the same answer from its cache, also after the cache filled up', () => {
    for (let i = 0; i < 3000; i++) masker.isSensitiveKey(`field_${i}`);
    expect(masker.isSensitiveKey('password')).toBe(true);
    expect(masker.isSensitiveKey('password')).toBe(true);
    expect(masker.isSensitiveKey('field_1')).toBe(false);
  });

  it('exposes dropPaths and masks nothing when disabled', () => {
    expect([...compileMasker({ paths: ['data.user.address'] }).dropPaths]).toEqual(['data.user.address']);
    const off = compileMasker({ enabled: false });
    expect(off.isSensitiveKey('password')).toBe(false);
    expect(off.maskString('password=x1 bob@example.com')).toBe('password=x1 bob@example.com');
  });
});
