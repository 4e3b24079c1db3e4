/**
 * Field names whose value is replaced whole, wherever they appear. Compared after
 * normalization (case folded, `-` `_` `.` removed), so `API_KEY`, `apiKey` and `x-api-key`
 * all match their entries.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'x-api-key',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'session_token',
  'private_key',
  'ssh_key',
  'credit_card',
  'card_number',
  'cvv',
  'cvc',
  'pin',
  'ssn',
];

/**
 * Words that also make a key sensitive when they end it (`db_password`, `githubToken`,
 * `stripe_secret_key`): applications prefix these freely and a harmless field rarely ends
 * with them. Short words such as `pin` or `pwd` stay exact-only, because as suffixes they
 * would catch `spin` or `cwd`-like names.
 */
export const DEFAULT_SENSITIVE_SUFFIXES: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'secretkey',
  'accesskey',
];
