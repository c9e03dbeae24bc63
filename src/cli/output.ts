/** Output helpers shared by commands: JSON on stdout for --json, text for people. */
import { formatDuration } from '../plan/duration.ts';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function span(start?: string, end?: string): string {
  if (!start) return '';
  return formatDuration((end ? Date.parse(end) : Date.now()) - Date.parse(start));
}

export function shortTime(iso?: string): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '';
}
