// Display helpers shared by the CLI: familiar names, short IDs, sizes, ages.
import { familiarName, formatFamiliar, tryParseRef } from './refs.js';

/** busybox:latest for docker.io/library/busybox:latest (the input if it does not parse) */
export function familiarOf(full: string): string {
  const ref = tryParseRef(full);
  return ref ? formatFamiliar(ref) : full;
}

/** [repository, tag] in familiar form */
export function repoAndTag(full: string): [string, string] {
  const ref = tryParseRef(full);
  if (!ref) return [full, '<none>'];
  return [familiarName(ref), ref.tag ?? '<none>'];
}

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v}B` : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)}${units[u]}`;
}

export function humanAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  const steps: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [n, name] of steps) {
    if (s >= n) {
      const k = Math.floor(s / n);
      return `${k} ${name}${k > 1 ? 's' : ''} ago`;
    }
  }
  return s < 2 ? 'Less than a second ago' : `${s} seconds ago`;
}

/** Renders rows as left-aligned columns separated by three spaces, like Docker's tables. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
