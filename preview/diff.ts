/**
 * Line diff for the preview report: unified hunks ("-"/"+"/" " prefixed lines) between the old and
 * new text of a rendered file, so a reviewer reads the one nftables rule that changes rather than
 * "source changed". Pure and deterministic; longest-common-subsequence on lines, which is plenty for
 * generated config files (hundreds of lines). Larger inputs are summarised instead of diffed.
 */

export interface DiffOptions {
  /** Unchanged lines shown around each change. */
  readonly context?: number;
  /** Diff lines shown at most; the rest is summarised as "… N more changed lines". */
  readonly maxLines?: number;
  /** Inputs with more lines than this (either side) are not diffed. */
  readonly maxInput?: number;
}

type Op = { readonly kind: " " | "-" | "+"; readonly line: string };

function ops(a: readonly string[], b: readonly string[]): Op[] {
  // Trim the common prefix and suffix first: config changes are usually a few lines in the middle.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (
    suf < a.length - pre &&
    suf < b.length - pre &&
    a[a.length - 1 - suf] === b[b.length - 1 - suf]
  )
    suf++;
  const x = a.slice(pre, a.length - suf);
  const y = b.slice(pre, b.length - suf);
  // lcs[i][j] = LCS length of x[i..] and y[j..]
  const lcs: Uint32Array[] = Array.from(
    { length: x.length + 1 },
    () => new Uint32Array(y.length + 1),
  );
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i]![j] =
        x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: Op[] = a.slice(0, pre).map((line) => ({ kind: " ", line }));
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      out.push({ kind: " ", line: x[i]! });
      i++;
      j++;
    } else if (j < y.length && (i === x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ kind: "+", line: y[j]! });
      j++;
    } else {
      out.push({ kind: "-", line: x[i]! });
      i++;
    }
  }
  // Deletions before insertions within a run of changes, as `diff -u` prints them.
  const tail = a.slice(a.length - suf).map((line): Op => ({ kind: " ", line }));
  return [...normalise(out), ...tail];
}

function normalise(xs: Op[]): Op[] {
  const out: Op[] = [];
  let k = 0;
  while (k < xs.length) {
    if (xs[k]!.kind === " ") {
      out.push(xs[k]!);
      k++;
      continue;
    }
    const run: Op[] = [];
    while (k < xs.length && xs[k]!.kind !== " ") run.push(xs[k++]!);
    out.push(...run.filter((o) => o.kind === "-"), ...run.filter((o) => o.kind === "+"));
  }
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
  const a = lines(before);
  const b = lines(after);
  if (a.length > maxInput || b.length > maxInput) {
    return `(not diffed: ${a.length} → ${b.length} lines, larger than ${maxInput})`;
  }
  const all = ops(a, b);
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
