const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** `52428800` → `50.0 MB` (binary units, as `maxTotalSize` takes them). */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}
