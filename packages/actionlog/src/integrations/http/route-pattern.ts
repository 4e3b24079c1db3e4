const NUMBER = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_ID = /^[0-9a-f]{16,}$/i;
const TOKEN = /^(?=.*\d)[\w-]{20,}$/;

/**
 * The path of `url` without its query, with segments that look like ids (numbers, UUIDs, long
 * hex, long tokens with digits) replaced by `:id`: `/users/42/orders/9f…` → `/users/:id/orders/:id`.
 * Used when no router gives a pattern, so that a route stays one value however many ids it sees.
 */
export function routeFromPath(url: string | undefined): string {
  if (url === undefined || url === '') return '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const segments = path.split('/');
  let changed = false;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.length > 0 && isId(segment)) {
      segments[i] = ':id';
      changed = true;
    }
  }
  return changed ? segments.join('/') : path;
}

function isId(segment: string): boolean {
  return NUMBER.test(segment) || UUID.test(segment) || HEX_ID.test(segment) || TOKEN.test(segment);
}
