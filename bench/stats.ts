/** Medians with min–max over interleaved runs, and their formatting for docs/benchmarks.md. */

export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number[];
}

export function stat(xs: number[]): Stat {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median: mid, min: s[0]!, max: s[s.length - 1]!, runs: xs };
}

export const sec = (ms: number) => (ms / 1000).toFixed(1);
export const fmt = (s: Stat, unit: (x: number) => string = sec) =>
  `${unit(s.median)} (${unit(s.min)}–${unit(s.max)})`;
export const ratio = (s: Stat) =>
  `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

/** Per-run ratios a[i]/b[i] (runs are interleaved, so each pair saw the same machine load). */
export const ratios = (a: number[], b: number[]) => stat(a.map((x, i) => x / b[i]!));

export function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}
