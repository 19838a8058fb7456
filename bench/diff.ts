/**
 * The preview report's line diff on a large rendered file: a 3,000-line file with two edited lines
 * (the largest input the report diffs), and a 3,000-line file whose every line changed.
 *   npx ts-node --transpile-only bench/diff.ts
 * Prints one JSON line: the median and min–max of 21 runs in milliseconds for each case. Not part of
 * `make bench` (no lab needed); README "Benchmarks" quotes a run.
 */
import { lineDiff } from "../preview/diff";

function time(f: () => void, runs = 21): { median: number; min: number; max: number } {
  f(); // warm up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    f();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { median: round(ms[(runs - 1) / 2]!), min: round(ms[0]!), max: round(ms[runs - 1]!) };
}

function cases(): Record<string, [string, string]> {
  const file = Array.from(
    { length: 3000 },
    (_, i) => `    line ${i + 1} of a rendered config file`,
  );
  const twoEdits = [...file];
  twoEdits[100] = "    changed near the top";
  twoEdits[2900] = "    changed near the end";
  return {
    "3000 lines, 2 edits": [file.join("\n"), twoEdits.join("\n")],
    "3000 lines, all changed": [file.join("\n"), file.map((l) => `${l}!`).join("\n")],
  };
}

if (require.main === module) {
  const out: Record<string, unknown> = {};
  for (const [name, [a, b]] of Object.entries(cases())) out[name] = time(() => lineDiff(a, b));
  console.log(JSON.stringify(out));
}
