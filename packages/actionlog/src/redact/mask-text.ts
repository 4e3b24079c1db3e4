import type { Masker } from './masker.js';

/**
 * Re-emits valid JSON text with strings masked, sensitive keys replaced and dropped paths
 * removed. It walks the original text instead of re-serializing `JSON.parse` output, so
 * numbers keep their exact digits (a 19-digit id stays exact) and nothing else moves.
 * Output is compact; when nothing was masked the caller keeps the original text.
 */
class JsonRewriter {
  private pos = 0;
  changed = false;

  constructor(
    private readonly text: string,
    private readonly masker: Masker,
  ) {}

  value(path: string): string {
    this.skipWhitespace();
    switch (this.text[this.pos]) {
      case '{':
        return this.object(path);
      case '[':
        return this.array(path);
      case '"':
        return this.string();
      default:
        return this.literal();
    }
  }

  private object(path: string): string {
    this.pos++;
    const members: string[] = [];
    this.skipWhitespace();
    while (this.text[this.pos] !== '}') {
      this.skipWhitespace();
      const rawKey = this.rawString();
      const key = JSON.parse(rawKey) as string;
      this.skipWhitespace();
      this.pos++; // :
      const memberPath = path === '' ? key : path + '.' + key;
      const value = this.value(memberPath);
      if (this.masker.dropPaths.has(memberPath)) {
        this.changed = true;
      } else if (this.masker.isSensitiveKey(key)) {
        this.changed = true;
        members.push(this.maskedString(rawKey, key) + ':' + JSON.stringify(this.masker.replacement));
      } else {
        members.push(this.maskedString(rawKey, key) + ':' + value);
      }
      this.skipWhitespace();
      if (this.text[this.pos] === ',') this.pos++;
    }
    this.pos++;
    return '{' + members.join(',') + '}';
  }

  /** Array items keep their parent's path, as in the serializer: `data.users.email` names every item's `email`. */
  private array(path: string): string {
    this.pos++;
    const items: string[] = [];
    this.skipWhitespace();
    while (this.text[this.pos] !== ']') {
      items.push(this.value(path));
      this.skipWhitespace();
      if (this.text[this.pos] === ',') this.pos++;
    }
    this.pos++;
    return '[' + items.join(',') + ']';
  }

  private string(): string {
    const raw = this.rawString();
    return this.maskedString(raw, JSON.parse(raw) as string);
  }

  private maskedString(raw: string, decoded: string): string {
    const masked = this.masker.maskString(decoded);
    if (masked === decoded) return raw;
    this.changed = true;
    return JSON.stringify(masked);
  }

  private rawString(): string {
    const start = this.pos;
    this.pos++;
    while (this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    this.pos++;
    return this.text.slice(start, this.pos);
  }

  private literal(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !',]} \t\r\n'.includes(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private skipWhitespace(): void {
    while (' \t\r\n'.includes(this.text[this.pos] ?? 'x')) this.pos++;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * One line of a log, masked: a JSON object or array line keeps its structure (keys checked,
 * strings and key names masked, `dropPaths` removed); any other line is masked as text.
 * Returns the same string when nothing needed masking.
 */
export function maskLine(line: string, masker: Masker): string {
  const first = line.trimStart()[0];
  if ((first === '{' || first === '[') && isJson(line)) {
    const rewriter = new JsonRewriter(line, masker);
    const masked = rewriter.value('');
    return rewriter.changed ? masked : line;
  }
  return masker.maskString(line);
}
