/**
 * Line diff for the preview report: unified hunks ("-"/"+"/" " prefixed lines) between the old and
 * new text of a rendered file, so a reviewer reads the one nftables rule that changes rather than
 * "source changed". Pure and deterministic. The edit script comes from jsdiff (the `diff` package,
 * https://github.com/kpdecker/jsdiff, `diffArrays`); the hunks and their line numbers are ours, in
 * the format the report has always printed. Inputs over `maxInput` lines are summarised instead.
 */
import { diffArrays } from "diff";

export interface DiffOptions {
  /** Unchanged lines shown around each change. */
  readonly context?: number;
  /** Diff lines shown at most; the rest is summarised as "… N more changed lines". */
  readonly maxLines?: number;
  /** Inputs with more lines than this (either side) are not diffed. */
  readonly maxInput?: number;
  /**
   * Edit scripts longer than this (lines removed + added) are not computed: Myers' algorithm costs
   * O(N·D), so a wholly rewritten file would take seconds. Such a file is summarised instead.
   */
  readonly maxEdits?: number;
}

type Op = { readonly kind: " " | "-" | "+"; readonly line: string };

/**
 * The edit script from jsdiff's `diffArrays` (Myers' O(ND) algorithm: time grows with the number of
 * changed lines, not with the file's size squared), as one op per line, deletions before insertions
 * within a run of changes as `diff -u` prints them.
 */
function ops(a: readonly string[], b: readonly string[], maxEdits: number): Op[] | undefined {
  const changes = diffArrays([...a], [...b], { maxEditLength: maxEdits });
  if (!changes) return undefined;
  const out: Op[] = [];
  let removed: Op[] = [];
  let added: Op[] = [];
  const flush = () => {
    out.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const change of changes) {
    if (change.removed) removed.push(...change.value.map((line): Op => ({ kind: "-", line })));
    else if (change.added) added.push(...change.value.map((line): Op => ({ kind: "+", line })));
    else {
      flush();
      out.push(...change.value.map((line): Op => ({ kind: " ", line })));
    }
  }
  flush();
  return out;
}

const lines = (s: string) => (s === "" ? [] : s.replace(/\n$/, "").split("\n"));

/**
 * Unified-style hunks between `before` and `after`, or "" when they are equal. Hunk headers carry
 * line numbers (`@@ -12,3 +12,4 @@`) so a reviewer can find the place in the rendered file.
 */
export function lineDiff(before: string, after: string, opts: DiffOptions = {}): string {
  if (before === after) return "";
  const context = opts.context ?? 2;
  const maxLines = opts.maxLines ?? 80;
  const maxInput = opts.maxInput ?? 3000;
  const maxEdits = opts.maxEdits ?? 500;
  const a = lines(before);
  const b = lines(after);
  if (a.length > maxInput || b.length > maxInput) {
    return `(not diffed: ${a.length} → ${b.length} lines, larger than ${maxInput})`;
  }
  const all = ops(a, b, maxEdits);
  if (!all)
    return `(not diffed: ${a.length} → ${b.length} lines, more than ${maxEdits} lines differ)`;
  // Mark the lines to show: every change plus `context` lines either side.
  const show = new Array<boolean>(all.length).fill(false);
  all.forEach((o, k) => {
    if (o.kind !== " ")
      for (let d = -context; d <= context; d++)
        if (k + d >= 0 && k + d < all.length) show[k + d] = true;
  });
  const out: string[] = [];
  let oldNo = 1;
  let newNo = 1;
  let k = 0;
  while (k < all.length) {
    if (!show[k]) {
      if (all[k]!.kind !== "+") oldNo++;
      if (all[k]!.kind !== "-") newNo++;
      k++;
      continue;
    }
    const start = k;
    while (k < all.length && show[k]) k++;
    const hunk = all.slice(start, k);
    const oldLen = hunk.filter((o) => o.kind !== "+").length;
    const newLen = hunk.filter((o) => o.kind !== "-").length;
    out.push(
      `@@ -${oldNo},${oldLen} +${newNo},${newLen} @@`,
      ...hunk.map((o) => `${o.kind}${o.line}`),
    );
    oldNo += oldLen;
    newNo += newLen;
  }
  if (out.length > maxLines) {
    const rest = out.slice(maxLines).filter((l) => l.startsWith("+") || l.startsWith("-")).length;
    return [
      ...out.slice(0, maxLines),
      `… ${rest} more changed line${rest === 1 ? "" : "s"} not shown`,
    ].join("\n");
  }
  return out.join("\n");
}
