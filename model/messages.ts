/**
 * Pieces of validation messages shared by the schema language and the cross-checks: how a value the
 * user gave is shown, and "did you mean" suggestions.
 */

/** Renders a value the user gave, short and unambiguous. */
export function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  let text: string;
  try {
    // JSON.stringify returns undefined only for functions and symbols, which config never holds.
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(
        dp[i - 1]![j]! + 1,
        dp[i]![j - 1]! + 1,
        dp[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
    }
  }
  return dp[a.length]![b.length]!;
}

/** The closest known key within edit distance 2, for "did you mean" hints. */
export function closest(needle: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of [...candidates].sort()) {
    const d = levenshtein(needle, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

export function unknownKeyMessage(key: string, known: readonly string[], where: string): string {
  const guess = closest(key, known);
  const hint = guess ? `Did you mean ${show(guess)}?` : `Remove it or fix its spelling.`;
  return `${show(key)} is not a known key ${where}; expected one of ${[...known].sort().join(", ")}. ${hint}`;
}
