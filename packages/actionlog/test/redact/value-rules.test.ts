import { describe, expect, it } from 'vitest';
import { compileMasker } from '../../src/redact/compile-masker.js';
import { passesLuhn } from '../../src/redact/luhn.js';

const masker = compileMasker();
const mask = (text: string) => masker.maskString(text);

/** [input, expected output]: each rule on shapes the docs table does not show, and near misses it must leave alone. */
const cases: Record<string, [string, string][]> = {
  'private-key': [
    [
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\nnext',
      '-----BEGIN OPENSSH PRIVATE KEY-----[MASKED]-----END OPENSSH PRIVATE KEY-----\nnext',
    ],
    [
      'cut: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB4…',
      'cut: -----BEGIN EC PRIVATE KEY-----[MASKED]-----END EC PRIVATE KEY-----',
    ],
    [
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    ],
  ],
  'url-credentials': [
    ['redis://:p4ss-w0rd@cache:6379/0', 'redis://:[MASKED]@cache:6379/0'],
    ['amqp://guest:p@ss@rabbit:5672', 'amqp://guest:[MASKED]@rabbit:5672'],
    ['https://example.com:8443/path', 'https://example.com:8443/path'],
  ],
  'secret-params': [
    ['?access_token=abc.def-123&x=1', '?access_token=[MASKED]&x=1'],
    ['DB_PASSWORD="two words" next', 'DB_PASSWORD="[MASKED]" next'],
    ["{ JWT_SECRET: 'v4lue' }", "{ JWT_SECRET: '[MASKED]' }"],
    ['Authorization: Bearer abc123def456', 'Authorization: Bearer [MASKED]'],
    ['{"password":"unterminated', '{"password":"[MASKED]'],
    ['{\\"token\\":\\"t0k3n\\"}', '{\\"token\\":\\"[MASKED]\\"}'],
    ['pin=8812 spin=3 cwd=/srv', 'pin=[MASKED] spin=3 cwd=/srv'],
    ['max_tokens=4096 tokens: 1532', 'max_tokens=4096 tokens: 1532'],
    ['password=', 'password='],
  ],
  'auth-header': [
    ['BASIC dXNlcjpwYXNzd29yZA==', 'BASIC [MASKED]'],
    ['bearer\teyJhbGciOiJIUzI1NiJ9.e30.sig', 'bearer\t[MASKED]'],
    ['Basic authentication is disabled', 'Basic authentication is disabled'],
    ['Bearer token missing', 'Bearer token missing'],
  ],
  'provider keys': [
    ['sk-ant-api03-' + 'a1B2'.repeat(10) + 'AA', 'sk-ant-api03-[MASKED]'],
    ['OPENAI=sk-' + 'Z9y8'.repeat(12), 'OPENAI=sk-[MASKED]'],
    ['github_pat_11ABCDEFG0' + 'x1Y2'.repeat(8), 'github_pat_[MASKED]'],
    ['use sk-learn-pipeline-optimization-notes', 'use sk-learn-pipeline-optimization-notes'],
    ['task-queue risk_level desk-lamp', 'task-queue risk_level desk-lamp'],
    ['AKIAIOSFODNN7EXAMPLEX', 'AKIAIOSFODNN7EXAMPLEX'],
    ['cursor eyJwYWdlIjoyfQ==', 'cursor eyJwYWdlIjoyfQ=='],
  ],
  email: [
    ['<carol+billing@mail.example.co.uk>', '<***@mail.example.co.uk>'],
    [
      'icon@2x.png react@18.2.0 @actionlog/server user@localhost',
      'icon@2x.png react@18.2.0 @actionlog/server user@localhost',
    ],
  ],
  card: [
    ['Amex 3782 822463 10005', 'Amex **** ****** *0005'],
    ['4111111111111111 2 items', '************1111 2 items'],
    ['qty 5 4111111111111111', 'qty 5 ************1111'],
    ['epoch 1732357845123 ms', 'epoch 1732357845123 ms'],
    ['pi 3.4111111111111111', 'pi 3.4111111111111111'],
    ['id 12345678901234567890123', 'id 12345678901234567890123'],
  ],
  phone: [
    ['+44 20 7946 0958.', '[PHONE].'],
    ['tel:+8613800138000', 'tel:[PHONE]'],
    ['138-0013-8000', '[PHONE]'],
    ['ORD13800138000 and 138001380001', 'ORD13800138000 and 138001380001'],
    ['+15% growth, +100 points', '+15% growth, +100 points'],
  ],
  'home-dir': [
    ['C:\\\\Users\\\\bob\\\\app', 'C:\\\\Users\\\\<user>\\\\app'],
    ['/home/alice', '/home/<user>'],
    ['/var/home/bob/x /homepage/a', '/var/home/<user>/x /homepage/a'],
  ],
  ip: [['10.0.0.1 and ::1', '10.0.0.1 and ::1']],
};

describe('value rules', () => {
  for (const [rule, examples] of Object.entries(cases)) {
    it.each(examples)(`${rule}: %j`, (input, expected) => {
      expect(mask(input)).toBe(expected);
    });
  }

  it('masks IP addresses only when switched on, and tells times from IPv6', () => {
    const withIp = compileMasker({ ipAddresses: true });
    expect(withIp.maskString('from 192.168.1.20 and [fe80::1ff:fe23:4567:890a]:443 at 10:30:45')).toBe(
      'from [IP] and [[IP]]:443 at 10:30:45',
    );
    expect(withIp.maskString('version 1.2.3.4.5 and v1.2.3.4')).toBe('version 1.2.3.4.5 and v1.2.3.4');
  });

  it('masks several secrets of different kinds in one string', () => {
    expect(
      mask(
        'alice@example.com paid with 5555 5555 5555 4444 using key AKIAIOSFODNN7EXAMPLE from /home/alice/app',
      ),
    ).toBe('***@example.com paid with **** **** **** 4444 using key AKIA[MASKED] from /home/<user>/app');
  });

  it('uses the configured replacement', () => {
    const custom = compileMasker({ replacement: '<redacted>' });
    expect(custom.maskString('password=x1 ghp_' + 'a'.repeat(36))).toBe('password=<redacted> ghp_<redacted>');
    expect(custom.replacement).toBe('<redacted>');
  });

  it('switches rules off by name', () => {
    const partial = compileMasker({ disable: ['email', 'home-dir'] });
    expect(partial.maskString('bob@example.com /home/bob 4111111111111111')).toBe(
      'bob@example.com /home/bob ************1111',
    );
  });
});

describe('passesLuhn', () => {
  it.each([
    ['4111111111111111', true],
    ['4111 1111-1111 1111', true],
    ['4111111111111112', false],
    ['79927398713', true],
    ['', false],
  ])('%s → %s', (digits, valid) => {
    expect(passesLuhn(digits)).toBe(valid);
  });
});
