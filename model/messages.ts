/**
 * Validation messages: the issue list, how a value the user gave is shown, type errors with the
 * sentence telling how to write the value, "did you mean" suggestions and valid renames.
 */

/**
 * Renders a value the user gave, unambiguous. Text is shown whole up to 120 characters, and beyond
 * that by its start and its end (where a stray comment or suffix usually is); mappings and lists,
 * which can be long, by their start.
 */
export function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  let text: string;
  try {
    // JSON.stringify returns undefined only for functions and symbols, which config never holds.
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  if (typeof value === "string") {
    return text.length > 120 ? `${text.slice(0, 80)}...${text.slice(-30)}` : text;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A valid lab name (lower-case DNS label) close to `name`, different from the `taken` ones. */
export function suggestName(name: string, taken: readonly string[] = []): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+/, "")
      .slice(0, 63)
      .replace(/-+$/, "") || "host-1";
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, 63 - `-${n}`.length).replace(/-+$/, "")}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
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

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  return `a ${typeof value}`;
}

/** What a value of the wrong type should have been. */
export type Expected = "text" | "integer" | "boolean" | "list" | "mapping" | "choice";

function typeFix(kind: Expected, value: unknown, written: string): string {
  if (value === null) return "Fill it in or remove the key.";
  const scalar = typeof value !== "object";
  switch (kind) {
    case "text":
      return scalar
        ? `Quote it (${JSON.stringify(written)}) so YAML keeps it as text.`
        : "Write a single value here.";
    case "integer":
      return typeof value === "string" && /^\s*-?\d+\s*$/.test(value)
        ? `Write it without quotes: ${value.trim()}.`
        : "Write a whole number without quotes.";
    case "boolean":
      return typeof value === "string" && /^(true|false)$/i.test(value.trim())
        ? `Write ${value.trim().toLowerCase()} without quotes.`
        : "Write true or false without quotes.";
    case "list":
      return scalar
        ? `Write it as a YAML list, e.g. [${written}], or one "- item" line per entry.`
        : 'Write it as a YAML list: one "- item" line per entry.';
    case "mapping":
      return 'Write it as a YAML mapping: "key: value" lines indented under this key.';
    case "choice":
      return "Write one of those values.";
  }
}

/** `<value> is <type>; expected <expected>. <how to write it>`; `written` is the value as written. */
export function wrongTypeMessage(
  value: unknown,
  written: string,
  expected: string,
  kind: Expected,
): string {
  const given = value === null ? "(empty)" : written;
  const plain = typeof value === "string" ? value : written;
  return `${given} ${value === null ? "has no value" : `is ${typeName(value)}`}; expected ${expected}. ${typeFix(kind, value, plain)}`;
}

export interface Issue {
  /** Config path, e.g. `homelab:hypervisors.atlas.vms.hermes.nics[0].zone`. */
  readonly path: string;
  readonly message: string;
}

export class Issues {
  readonly list: Issue[] = [];
  /** Map entries that were present but invalid (path of the map, key), so that cross-reference
   * checks do not report them a second time as "not declared". */
  readonly dropped: { mapPath: string; key: string }[] = [];
  /** `written(path)` is the value's text as written in the stack file, when the loader knows it. */
  constructor(private readonly written?: (path: string) => string | undefined) {}
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
  /** A value as the user wrote it: YAML turns an unquoted 25.10 into the number 25.1. */
  shown(path: string, value: unknown): string {
    if (typeof value === "number" || typeof value === "boolean") {
      const text = this.written?.(path);
      if (text !== undefined && text.trim() !== "") return text.trim();
    }
    return show(value);
  }
}
