/**
 * `npm run policy-config -- check <file>`: refuses a --policy-pack-config file that the engine and
 * the pack would misread, before any preview. The engine (pulumi/pulumi pkg/resource/analyzer/
 * config.go) reports a JSON error without the file's name, and it validates each policy's options
 * against the policy's schema only: a policy name it does not know and an option the schema does not
 * list (its schema has no additionalProperties) are silently ignored. This checks the whole file:
 * JSON (the file named, with line and column), policy names and option keys (with did-you-mean),
 * enforcement levels, and every option against its policy's schema, waiver dates as real dates.
 */
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import { closest } from "../model/messages";
import { RULES } from "../policies/all";
import { isCalendarDate, WAIVERS_SCHEMA } from "../policies/lib/rule";

/** Levels the engine accepts (sdk/go/common/apitype EnforcementLevel.IsValid). */
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];
/** Top-level keys the engine gives a meaning besides policy names. */
const ENGINE_KEYS = ["all", "environments"];

const list = (xs: readonly string[]) =>
  [...xs]
    .sort()
    .map((x) => JSON.stringify(x))
    .join(", ");
const hint = (key: string, known: readonly string[], otherwise: string) => {
  const guess = closest(key, known);
  return guess ? `Did you mean ${JSON.stringify(guess)}?` : otherwise;
};

/** Where a JSON.parse error is, as `line L, column C` (Node reports a character position). */
function jsonProblem(text: string, e: Error): string {
  const pos = /at position (\d+)/.exec(e.message);
  const reason = e.message.replace(/ in JSON at position \d+.*$/, "").replace(/^JSON\.parse: /, "");
  if (!pos) {
    return /end of JSON input/.test(e.message)
      ? `${reason}: the file ends early (a closing "}" or "]" is missing, or it was cut off)`
      : reason;
  }
  const before = text.slice(0, Number(pos[1]));
  const line = before.split("\n").length;
  const column = Number(pos[1]) - before.lastIndexOf("\n");
  return `${reason} at line ${line}, column ${column}`;
}

/** Every problem of a policy-pack config file's text (empty when it is fine). */
export function checkPolicyConfig(text: string, file: string): string[] {
  let config: unknown;
  if (text.trim() === "") return []; // the engine accepts an empty file (no configuration)
  try {
    config = JSON.parse(text);
  } catch (e) {
    return [
      `${file}: is not valid JSON: ${jsonProblem(text, e as Error)}. Fix the JSON before running pulumi with it.`,
    ];
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    return [
      `${file}: is ${Array.isArray(config) ? "a list" : JSON.stringify(config)}; expected a JSON object keyed by policy name. See docs/policies.md.`,
    ];
  }
  const names = RULES.map((r) => r.name);
  const problems: string[] = [];
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("date", isCalendarDate);
  for (const [key, value] of Object.entries(config as Record<string, unknown>).sort()) {
    const at = `${file}: ${key}`;
    if (key === "environments") continue; // ESC environments: the engine checks them itself
    const rule = RULES.find((r) => r.name === key);
    if (!rule && key !== "all") {
      problems.push(
        `${file}: ${JSON.stringify(key)} is not a policy of the homelab pack; expected one of ${list([...names, ...ENGINE_KEYS])}. ${hint(key, names, "Remove it.")}`,
      );
      continue;
    }
    if (typeof value === "string") {
      if (!LEVELS.includes(value)) {
        problems.push(
          `${at}: ${JSON.stringify(value)} is not an enforcement level; expected one of ${list(LEVELS)}. ${hint(value, LEVELS, "Use one of those.")}`,
        );
      }
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      problems.push(
        `${at}: ${JSON.stringify(value)} is not an enforcement level or an object; expected "advisory" or { "waivers": [...] }. See docs/policies.md.`,
      );
      continue;
    }
    const schema: Record<string, unknown> = {
      ...(rule?.config ?? {}),
      ...(rule ? { waivers: WAIVERS_SCHEMA } : {}),
    };
    const known = ["enforcementLevel", ...Object.keys(schema)];
    for (const [opt, v] of Object.entries(value as Record<string, unknown>).sort()) {
      if (!known.includes(opt)) {
        problems.push(
          `${at}: ${JSON.stringify(opt)} is not an option of ${key}; expected ${list(known)}. ${hint(opt, known, "Remove it.")}`,
        );
        continue;
      }
      if (opt === "enforcementLevel") {
        if (typeof v !== "string" || !LEVELS.includes(v)) {
          problems.push(
            `${at}.enforcementLevel: ${JSON.stringify(v)} is not an enforcement level; expected one of ${list(LEVELS)}.`,
          );
        }
        continue;
      }
      const validate = ajv.compile(schema[opt] as object);
      if (validate(v)) continue;
      for (const err of validate.errors ?? []) {
        const where = err.instancePath.replace(/\/(\d+)/g, "[$1]").replace(/\//g, ".");
        const got = where === "" ? v : pick(v, err.instancePath);
        const extra =
          err.keyword === "additionalProperties"
            ? ` (${JSON.stringify((err.params as { additionalProperty: string }).additionalProperty)})`
            : "";
        problems.push(
          `${at}.${opt}${where}: ${JSON.stringify(got)} ${err.message ?? "is invalid"}${extra}.${err.keyword === "format" ? " Use a real calendar date, YYYY-MM-DD." : ""}`,
        );
      }
    }
  }
  return problems;
}

function pick(v: unknown, pointer: string): unknown {
  return pointer
    .split("/")
    .slice(1)
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], v);
}

function main(argv: readonly string[]): number {
  if (argv[0] !== "check" || argv.length !== 2) {
    console.error("usage: npm run policy-config -- check <policy-config.json>");
    return 2;
  }
  const file = argv[1]!;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    console.error(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`);
    return 1;
  }
  const problems = checkPolicyConfig(text, file);
  if (problems.length === 0) {
    console.log(`${file}: ok`);
    return 0;
  }
  console.error(`${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:`);
  for (const p of problems) console.error(`  - ${p}`);
  return 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
