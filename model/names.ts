/**
 * A namespace of declared names (zones, machines, services) for references. It knows the names
 * that parsed, the names present in the raw config even when their entry did not parse, and whether
 * the raw sections that declare these names could be read at all. A reference is reported as "not
 * declared" only when that is certain, so a broken entry never causes false follow-on errors.
 */
import { closest, show } from "./messages";
import type { Issues } from "./schema";

/** Keys of a raw config mapping; empty for an absent or empty value; undefined when unreadable. */
export function rawKeys(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === "") return [];
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.keys(value);
}

export class Names<T> {
  private readonly entries = new Map<string, T>();
  private readonly declared = new Set<string>();
  private known = true;

  /** `what` names one entry ("zone"); `declareHint` says where to declare one. */
  constructor(
    private readonly what: string,
    private readonly declareHint: string,
  ) {}

  /** Records raw keys of a declaring section; undefined (unreadable) makes the namespace unknown. */
  declare(keys: readonly string[] | undefined): void {
    if (keys === undefined) this.known = false;
    else for (const k of keys) this.declared.add(k);
  }

  set(name: string, entry: T): void {
    this.entries.set(name, entry);
  }
  get(name: string): T | undefined {
    return this.entries.get(name);
  }
  has(name: string): boolean {
    return this.entries.has(name);
  }
  values(): T[] {
    return [...this.entries.values()];
  }
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** True unless the name is certainly undeclared. */
  mayExist(name: string): boolean {
    return this.entries.has(name) || this.declared.has(name) || !this.known;
  }

  /** Follows a reference; reports it (with a suggestion) only when it is certainly wrong. */
  ref(issues: Issues, path: string, name: string, what = this.what): T | undefined {
    const entry = this.entries.get(name);
    if (entry !== undefined || this.mayExist(name)) return entry;
    const names = this.names();
    const guess = closest(name, names);
    issues.add(
      path,
      `${show(name)} is not a declared ${what}; expected one of ${names.length ? names.join(", ") : "none"}.${guess ? ` Did you mean ${show(guess)}?` : ""} ${this.declareHint}`,
    );
    return undefined;
  }
}
