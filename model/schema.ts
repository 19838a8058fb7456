/**
 * A small schema language for the inventory: each schema parses an untyped config value, reports every
 * problem it finds (never stopping at the first) and describes itself, so that the same definitions
 * drive validation, the generated JSON Schema and the config reference in docs/.
 *
 * Messages follow one shape: `<path>: <value given> <what is wrong>; expected <what is expected>. <fix>`
 */
import {
  closest,
  Expected,
  Issues,
  show,
  suggestName,
  unknownKeyMessage,
  wrongTypeMessage,
} from "./messages";

export { Issues } from "./messages";
export type { Issue } from "./messages";

/** Machine-readable description of a schema, for docs and JSON Schema. */
export type Doc =
  | {
      kind: "string";
      description: string;
      format?: string;
      enum?: readonly string[];
      pattern?: string;
    }
  | { kind: "integer"; description: string; min?: number; max?: number }
  | { kind: "boolean"; description: string }
  | { kind: "array"; description: string; items: Doc; minItems?: number }
  | { kind: "map"; description: string; keyFormat: string; values: Doc }
  | { kind: "object"; description: string; fields: Record<string, FieldDoc> }
  | { kind: "any"; description: string };

export interface FieldDoc {
  readonly doc: Doc;
  readonly required: boolean;
  /** Behaviour when omitted, in words. */
  readonly default?: string;
}

export interface Schema<T> {
  readonly doc: Doc;
  /** Returns the parsed value, or undefined after recording at least one issue. */
  parse(value: unknown, path: string, issues: Issues): T | undefined;
}

function wrongType(
  path: string,
  value: unknown,
  expected: string,
  issues: Issues,
  kind: Expected,
): undefined {
  issues.add(path, wrongTypeMessage(value, issues.shown(path, value), expected, kind));
  return undefined;
}

export interface StringOptions {
  description: string;
  /** Human name of the format, e.g. "an IPv4 address"; shown in errors and docs. */
  format?: string;
  /** Returns a problem phrase (e.g. "is not an IPv4 address") or undefined when valid. */
  check?: (value: string) => string | undefined;
  /** Sentence appended to format errors telling how to fix them (may depend on the value). */
  fix?: string | ((value: string) => string);
  /** JSON Schema `pattern` (ECMA-262) for editors, when the shape can be written as one. */
  pattern?: string;
}

export function str(opts: StringOptions): Schema<string> {
  const expected = opts.format ?? "a string";
  const fix = (v: string) => {
    const text = typeof opts.fix === "function" ? opts.fix(v) : opts.fix;
    return text ? ` ${text}` : "";
  };
  return {
    doc: {
      kind: "string",
      description: opts.description,
      format: opts.format,
      pattern: opts.pattern,
    },
    parse(value, path, issues) {
      if (typeof value !== "string") return wrongType(path, value, expected, issues, "text");
      if (value.trim() === "") {
        issues.add(path, `"" is empty; expected ${expected}.${fix(value)}`);
        return undefined;
      }
      const problem = opts.check?.(value);
      if (problem) {
        issues.add(path, `${show(value)} ${problem}; expected ${expected}.${fix(value)}`);
        return undefined;
      }
      return value;
    },
  };
}

export function oneOf<T extends string>(
  values: readonly T[],
  opts: { description: string; fix?: string },
): Schema<T> {
  const expected = `one of ${values.join(", ")}`;
  return {
    doc: { kind: "string", description: opts.description, enum: values },
    parse(value, path, issues) {
      if (typeof value !== "string") return wrongType(path, value, expected, issues, "choice");
      if (!(values as readonly string[]).includes(value)) {
        const guess = closest(value, values);
        issues.add(
          path,
          `${show(value)} is not allowed; expected ${expected}. ${opts.fix ?? (guess ? `Did you mean ${show(guess)}?` : "Use one of those.")}`,
        );
        return undefined;
      }
      return value as T;
    },
  };
}

export function int(opts: {
  description: string;
  min?: number;
  max?: number;
  fix?: string;
}): Schema<number> {
  const range =
    opts.min !== undefined && opts.max !== undefined
      ? ` from ${opts.min} to ${opts.max}`
      : opts.min !== undefined
        ? ` of at least ${opts.min}`
        : opts.max !== undefined
          ? ` of at most ${opts.max}`
          : "";
  const expected = `an integer${range}`;
  return {
    doc: { kind: "integer", description: opts.description, min: opts.min, max: opts.max },
    parse(value, path, issues) {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        return wrongType(path, value, expected, issues, "integer");
      }
      if (
        (opts.min !== undefined && value < opts.min) ||
        (opts.max !== undefined && value > opts.max)
      ) {
        issues.add(
          path,
          `${issues.shown(path, value)} is out of range; expected ${expected}. ${opts.fix ?? "Use a value in that range."}`,
        );
        return undefined;
      }
      return value;
    },
  };
}

export function bool(opts: { description: string }): Schema<boolean> {
  return {
    doc: { kind: "boolean", description: opts.description },
    parse(value, path, issues) {
      if (typeof value !== "boolean") {
        return wrongType(path, value, "true or false", issues, "boolean");
      }
      return value;
    },
  };
}

/** Free-form data passed through untouched (e.g. Talos config patches, validated elsewhere). */
export function anyValue(opts: { description: string }): Schema<unknown> {
  return {
    doc: { kind: "any", description: opts.description },
    parse(value) {
      return value;
    },
  };
}

export function list<T>(
  item: Schema<T>,
  opts: { description: string; minItems?: number; fix?: string },
): Schema<T[]> {
  return {
    doc: { kind: "array", description: opts.description, items: item.doc, minItems: opts.minItems },
    parse(value, path, issues) {
      if (!Array.isArray(value)) return wrongType(path, value, "a list", issues, "list");
      if (opts.minItems !== undefined && value.length < opts.minItems) {
        issues.add(
          path,
          `a list of ${value.length} is too short; expected at least ${opts.minItems} item${opts.minItems === 1 ? "" : "s"}.${opts.fix ? ` ${opts.fix}` : ""}`,
        );
        return undefined;
      }
      const out: T[] = [];
      let ok = true;
      value.forEach((v, i) => {
        const parsed = item.parse(v, `${path}[${i}]`, issues);
        if (parsed === undefined) ok = false;
        else out.push(parsed);
      });
      return ok ? out : undefined;
    },
  };
}

/** Names of lab objects: lower-case DNS labels, because they become host names and URNs. */
export const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const NAME_FORMAT = "a lower-case DNS label (a-z, 0-9, '-', at most 63 characters)";

export function map<T>(
  values: Schema<T>,
  opts: { description: string },
): Schema<Record<string, T>> {
  return {
    doc: { kind: "map", description: opts.description, keyFormat: NAME_FORMAT, values: values.doc },
    parse(value, path, issues) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return wrongType(path, value, "a mapping of name to settings", issues, "mapping");
      }
      const out: Record<string, T> = {};
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (!NAME_RE.test(key)) {
          const taken = Object.keys(value);
          issues.add(
            `${path}.${key}`,
            `${show(key)} is not a valid name; expected ${NAME_FORMAT}. Rename it, e.g. ${show(suggestName(key, taken))}.`,
          );
          issues.dropped.push({ mapPath: path, key });
          continue;
        }
        const parsed = values.parse(v, `${path}.${key}`, issues);
        if (parsed === undefined) issues.dropped.push({ mapPath: path, key });
        else out[key] = parsed;
      }
      // Partial result on purpose: valid entries stay checkable; invalid ones are in issues.dropped.
      return out;
    },
  };
}

/**
 * One key of an object schema. `R` (required) and `D` (has a default) are carried in the type so that
 * the parsed object's type can be inferred from the fields: see `Infer`.
 */
export interface Field<T, R extends boolean = boolean, D extends boolean = boolean> {
  readonly schema: Schema<T>;
  readonly required: R;
  readonly hasDefault: D;
  readonly default?: T;
  readonly defaultText?: string;
}

/** A required field. */
export function req<T>(schema: Schema<T>): Field<T, true, false> {
  return { schema, required: true, hasDefault: false };
}

/** An optional field; `defaultValue` fills it when omitted, `defaultText` documents the behaviour. */
export function opt<T>(schema: Schema<T>): Field<T, false, false>;
export function opt<T>(
  schema: Schema<T>,
  defaultValue: undefined,
  defaultText: string,
): Field<T, false, false>;
export function opt<T>(
  schema: Schema<T>,
  defaultValue: T,
  defaultText?: string,
): Field<T, false, true>;
export function opt<T>(
  schema: Schema<T>,
  defaultValue?: T,
  defaultText?: string,
): Field<T, false, boolean> {
  return {
    schema,
    required: false,
    hasDefault: defaultValue !== undefined,
    default: defaultValue,
    defaultText:
      defaultText ?? (defaultValue === undefined ? undefined : JSON.stringify(defaultValue)),
  };
}

export type FieldMap = Readonly<Record<string, Field<unknown>>>;
type ValueOf<F> = F extends Field<infer T> ? T : never;
/** Keys present after parsing: required ones and those a default fills. */
type PresentKeys<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { readonly required: true } | { readonly hasDefault: true }
    ? K
    : never;
}[keyof F];
type Flatten<T> = { [K in keyof T]: T[K] } & {};
/** The parsed value of an object schema: optional fields without a default stay optional (`?:`). */
export type ObjectValue<F extends FieldMap> = Flatten<
  { [K in PresentKeys<F>]: ValueOf<F[K]> } & {
    [K in Exclude<keyof F, PresentKeys<F>>]?: ValueOf<F[K]>;
  }
>;
/** The type a schema parses to, e.g. `type ZoneSpec = Infer<typeof zoneSchema>`. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** The same fields, each optional without a default (for per-host overrides of global settings). */
export function withoutDefaults<F extends FieldMap>(
  fields: F,
): { [K in keyof F]: Field<ValueOf<F[K]>, false, false> } {
  const out: Record<string, Field<unknown, false, false>> = {};
  for (const [name, f] of Object.entries(fields)) out[name] = opt(f.schema);
  return out as { [K in keyof F]: Field<ValueOf<F[K]>, false, false> };
}

export function object<F extends FieldMap>(description: string, fields: F): Schema<ObjectValue<F>> {
  type T = ObjectValue<F>;
  const names = Object.keys(fields);
  const docFields: Record<string, FieldDoc> = {};
  for (const name of names) {
    const f = fields[name]!;
    docFields[name] = { doc: f.schema.doc, required: f.required, default: f.defaultText };
  }
  return {
    doc: { kind: "object", description, fields: docFields },
    parse(value, path, issues) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return wrongType(path, value, "a mapping", issues, "mapping");
      }
      const input = value as Record<string, unknown>;
      let ok = true;
      for (const key of Object.keys(input)) {
        if (!names.includes(key)) {
          issues.add(`${path}.${key}`, unknownKeyMessage(key, names, `here`));
          ok = false;
        }
      }
      const out: Record<string, unknown> = {};
      for (const name of names) {
        const f = fields[name]!;
        const v = input[name];
        if (v === undefined || v === null) {
          if (f.required) {
            issues.add(
              `${path}.${name}`,
              `(missing) is required; expected ${expectedOf(f.schema.doc)}. Add ${name} here.`,
            );
            ok = false;
          } else if (f.default !== undefined) {
            out[name] = structuredClone(f.default);
          }
          continue;
        }
        const parsed = f.schema.parse(v, `${path}.${name}`, issues);
        if (parsed === undefined) ok = false;
        else out[name] = parsed;
      }
      return ok ? (out as T) : undefined;
    },
  };
}

/** One-line "expected" phrase for a schema. */
export function expectedOf(doc: Doc): string {
  switch (doc.kind) {
    case "string":
      return doc.enum ? `one of ${doc.enum.join(", ")}` : (doc.format ?? "a string");
    case "integer":
      return doc.min !== undefined && doc.max !== undefined
        ? `an integer from ${doc.min} to ${doc.max}`
        : "an integer";
    case "boolean":
      return "true or false";
    case "array":
      return "a list";
    case "map":
      return "a mapping of name to settings";
    case "object":
      return "a mapping";
    case "any":
      return "a value";
  }
}
