// The field-reading kernel: FieldExtractor's rules (extract.ts) applied to every line of a
// chunk of bytes with WebAssembly SIMD, 16 bytes a step. `npm run build:wasm` compiles it
// (clang --target=wasm32) into field-scan-wasm.ts, which is committed: the package needs no
// compiler, and a test checks the two agree wherever clang is installed.
//
// For each line it says where the wanted top-level values are, or that only JSON.parse can
// tell (SLOW). The rules are FieldExtractor's, so the two answer alike:
// - the line starts with `{` and ends with `}`;
// - from its first nested value on (the first `{` after the start, or `[`), which must follow a
//   `:`, as many `}` as `{` (counting the outer pair) and `]` as `[`, and no `}{`;
// - a wanted `"key":` occurs once, before the first nested value, after `,` or `{`; its value is
//   a string without backslashes, or runs to the next `,` or `}` (the caller checks it is a
//   number, true, false or null);
// - a key that is not there does not occur as `"key"` anywhere in the line.
//
// String values are also interned: the same bytes always get the same small id, so the caller
// makes each distinct string once (group keys such as `service` repeat on every line).
#include <stdint.h>
#include <wasm_simd128.h>

typedef uint8_t u8;
typedef int32_t i32;
typedef uint32_t u32;

#define SLOW 1
/**
 * Per line in `out`: start, end (its newline), flags, then per key its value's start and end
 * (-1: absent) and, for a string, its id (-1: not a string, or the table is full).
 */
#define HEAD 3
#define PER_KEY 3

// The intern table: open addressing on an FNV-1a hash; the strings' bytes in an arena.
#define TABLE_SLOTS 8192
#define MAX_STRINGS 4096
#define ARENA_BYTES (512 * 1024)
static u32 slot_hash[TABLE_SLOTS];
static i32 slot_id[TABLE_SLOTS]; /* id + 1; 0 = empty */
static i32 string_at[MAX_STRINGS];
static i32 string_length[MAX_STRINGS];
static u8 arena[ARENA_BYTES];
static i32 arena_used = 0;
static i32 strings = 0;

/** The id of the bytes p[0, length), added if new; -1 once the table is full. */
static i32 intern(const u8 *p, i32 length) {
  u32 h = 2166136261u;
  for (i32 i = 0; i < length; i++) h = (h ^ p[i]) * 16777619u;
  u32 slot = h & (TABLE_SLOTS - 1);
  for (;;) {
    i32 id = slot_id[slot] - 1;
    if (id < 0) break;
    if (slot_hash[slot] == h && string_length[id] == length) {
      const u8 *q = arena + string_at[id];
      i32 i = 0;
      while (i < length && q[i] == p[i]) i++;
      if (i == length) return id;
    }
    slot = (slot + 1) & (TABLE_SLOTS - 1);
  }
  if (strings >= MAX_STRINGS || arena_used + length > ARENA_BYTES) return -1;
  i32 id = strings++;
  string_at[id] = arena_used;
  string_length[id] = length;
  for (i32 i = 0; i < length; i++) arena[arena_used + i] = p[i];
  arena_used += length;
  slot_hash[slot] = h;
  slot_id[slot] = id + 1;
  return id;
}

static inline u32 mask(v128_t hits) { return wasm_i8x16_bitmask(hits); }

/** The first `c` in [i, end), or end. */
static i32 find_byte(const u8 *s, i32 i, i32 end, u8 c) {
  v128_t v = wasm_i8x16_splat(c);
  while (i + 16 <= end) {
    u32 m = mask(wasm_i8x16_eq(wasm_v128_load(s + i), v));
    if (m) return i + __builtin_ctz(m);
    i += 16;
  }
  while (i < end && s[i] != c) i++;
  return i;
}

/** The first `a` or `b` in [i, end), or end. */
static i32 find_either(const u8 *s, i32 i, i32 end, u8 a, u8 b) {
  v128_t va = wasm_i8x16_splat(a), vb = wasm_i8x16_splat(b);
  while (i + 16 <= end) {
    v128_t x = wasm_v128_load(s + i);
    u32 m = mask(wasm_v128_or(wasm_i8x16_eq(x, va), wasm_i8x16_eq(x, vb)));
    if (m) return i + __builtin_ctz(m);
    i += 16;
  }
  while (i < end && s[i] != a && s[i] != b) i++;
  return i;
}

/**
 * The first occurrence of pat[0, m) (m >= 3) starting in [i, end - m], or -1: candidates where
 * its second and second-to-last bytes sit (the key's first and last letters, rarer than the
 * quotes around them), then compared in full.
 */
static i32 find_pattern(const u8 *s, i32 i, i32 end, const u8 *pat, i32 m) {
  v128_t a = wasm_i8x16_splat(pat[1]), b = wasm_i8x16_splat(pat[m - 2]);
  i32 gap = m - 3;
  while (i + 1 + gap + 16 <= end) {
    u32 hits = mask(wasm_v128_and(wasm_i8x16_eq(wasm_v128_load(s + i + 1), a),
                                  wasm_i8x16_eq(wasm_v128_load(s + i + 1 + gap), b)));
    while (hits) {
      i32 at = i + __builtin_ctz(hits);
      hits &= hits - 1;
      if (at + m > end) continue;
      i32 k = 0;
      while (k < m && s[at + k] == pat[k]) k++;
      if (k == m) return at;
    }
    i += 16;
  }
  for (; i + m <= end; i++) {
    i32 k = 0;
    while (k < m && s[i + k] == pat[k]) k++;
    if (k == m) return i;
  }
  return -1;
}

/** The braces and brackets of s[from, end) add up (see the rules above). */
static int balanced(const u8 *s, i32 from, i32 end) {
  v128_t ob = wasm_i8x16_splat('{'), cb = wasm_i8x16_splat('}'), os = wasm_i8x16_splat('['),
         cs = wasm_i8x16_splat(']');
  i32 open = 1, close = 0, squares = 0;
  i32 i = from;
  // "}{": a `}` whose next byte is `{` (which may be in the next block).
  u32 carry = 0;
  while (i + 16 <= end) {
    v128_t x = wasm_v128_load(s + i);
    u32 mo = mask(wasm_i8x16_eq(x, ob)), mc = mask(wasm_i8x16_eq(x, cb));
    u32 ms = mask(wasm_i8x16_eq(x, os)), me = mask(wasm_i8x16_eq(x, cs));
    if (((mc << 1) | carry) & mo) return 0;
    carry = mc >> 15;
    open += __builtin_popcount(mo);
    close += __builtin_popcount(mc);
    squares += (i32)__builtin_popcount(ms) - (i32)__builtin_popcount(me);
    i += 16;
  }
  for (; i < end; i++) {
    u8 c = s[i];
    if (c == '{') {
      if (carry) return 0;
      open++;
    } else if (c == '[') {
      squares++;
    } else if (c == ']') {
      squares--;
    }
    carry = c == '}';
    if (carry) close++;
  }
  return open == close && squares == 0;
}

/** Flags of the line s[p, e); the wanted values written to `spans` (PER_KEY per key). */
static i32 read_line(const u8 *s, i32 p, i32 e, const u8 *keys, i32 n, i32 *spans) {
  if (e - p < 2 || s[p] != '{' || s[e - 1] != '}') return SLOW;
  // The first `{` after the opening one, or `[` (s[p] is `{`): one pass that stops there.
  i32 nested = find_either(s, p + 1, e, '{', '[');
  if (nested != e) {
    if (s[nested - 1] != ':' || !balanced(s, nested, e)) return SLOW;
  } else if (s[p + 1] != '"' && e - p != 2) {
    return SLOW;
  }
  // keys: per key its length m, then `"key":` (m bytes).
  const u8 *k = keys;
  for (i32 index = 0; index < n; index++, k += 1 + k[0]) {
    i32 m = k[0];
    const u8 *pat = k + 1;
    i32 *span = spans + PER_KEY * index;
    span[0] = span[1] = span[2] = -1;
    i32 at = find_pattern(s, p, e, pat, m);
    if (at < 0) {
      // Absent, unless `"key"` is there in another role (a string value, a nested key).
      if (find_pattern(s, p, e, pat, m - 1) >= 0) return SLOW;
      continue;
    }
    if (at > nested || (s[at - 1] != ',' && s[at - 1] != '{')) return SLOW;
    i32 value = at + m;
    if (value >= e || find_pattern(s, value, e, pat, m) >= 0) return SLOW;
    i32 stop;
    if (s[value] == '"') {
      i32 close = find_either(s, value + 1, e, '"', '\\');
      if (close >= e || s[close] == '\\') return SLOW;
      stop = close + 1;
      span[2] = intern(s + value + 1, close - value - 1);
    } else {
      stop = find_either(s, value, e, ',', '}');
    }
    span[0] = value;
    span[1] = stop;
  }
  return 0;
}

/**
 * Reads the lines of s[from, end) (end just after a newline): for each non-empty one, HEAD +
 * PER_KEY * n numbers in `out`. Stops after `max_lines`; returns how many it wrote.
 */
__attribute__((export_name("scan_fields"))) i32 scan_fields(const u8 *s, i32 from, i32 end, const u8 *keys,
                                                            i32 n, i32 *out, i32 max_lines) {
  i32 lines = 0;
  i32 stride = HEAD + PER_KEY * n;
  while (from < end && lines < max_lines) {
    i32 nl = find_byte(s, from, end, '\n');
    if (nl > from) {
      i32 *line = out + lines * stride;
      line[0] = from;
      line[1] = nl;
      line[2] = read_line(s, from, nl, keys, n, line + HEAD);
      lines++;
    }
    from = nl + 1;
  }
  return lines;
}
