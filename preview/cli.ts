/**
 * npm run preview-report -- --project homelab --stack home --json preview.json --events events.jsonl
 *   [--stderr preview.stderr] [--exit-code N] [--mask REGEX]... [--max-chars N] [--out comment.md]
 *
 * Masks also come from HOMELAB_PREVIEW_MASKS (newline-separated regular expressions).
 *
 * Exit status: 0 the comment was written; 1 it was written but says that the policy findings could
 * not be read (the event log is cut off or unreadable), so the check fails; 2 nothing was written,
 * because an option or an input was not understood (the message names the flag or file).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError, readDigest, readEventLog } from "./input";
import { DEFAULT_MAX_CHARS, renderReport } from "./report";
import type { EventLog } from "./types";

/** The command-line options (also checked against the workflow's invocation by the tests). */
export const OPTIONS = {
  project: { type: "string", default: "homelab" },
  stack: { type: "string" },
  json: { type: "string" },
  events: { type: "string" },
  stderr: { type: "string" },
  "exit-code": { type: "string", default: "0" },
  mask: { type: "string", multiple: true, default: [] as string[] },
  "max-chars": { type: "string", default: String(DEFAULT_MAX_CHARS) },
  out: { type: "string" },
} satisfies ParseArgsConfig["options"];

const USAGE =
  "usage: preview-report --stack STACK --json preview.json --events events.jsonl [--stderr preview.stderr] [--exit-code N] [--mask REGEX]... [--max-chars N] [--out comment.md]";

export interface CliResult {
  readonly comment: string;
  /** The --out file, when the comment was written to one. */
  readonly out?: string;
  /** Problems the comment states and the caller must not ignore (exit status 1). */
  readonly problems: readonly string[];
}

function options(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false })
      .values;
  } catch (e) {
    // node:util parseArgs: unknown option, missing value or a positional argument.
    throw new InputError(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
}

/** Stack and project names appear in the hidden marker and the heading: no Markdown or HTML. */
function name(flag: string, v: string | undefined): string {
  if (v === undefined) throw new InputError(`--${flag} is required\n${USAGE}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(v))
    throw new InputError(
      `--${flag} ${JSON.stringify(v)}: expected a Pulumi ${flag} name (letters, digits, ".", "_", "-", "/").`,
    );
  return v;
}

function integer(flag: string, v: string, min: number, max: number): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max))
    throw new InputError(
      `--${flag} ${JSON.stringify(v)}: expected a whole number from ${min} to ${max}.`,
    );
  return n;
}

function mask(source: string, where: string): RegExp {
  let re: RegExp;
  try {
    re = new RegExp(source, "g");
  } catch (e) {
    throw new InputError(
      `${where} ${JSON.stringify(source)}: not a JavaScript regular expression (${e instanceof Error ? e.message : String(e)}).`,
    );
  }
  if (re.test("") || new RegExp(source).exec("x")?.[0] === "")
    throw new InputError(
      `${where} ${JSON.stringify(source)}: matches the empty string, so it would redact between every character; make it match at least one character.`,
    );
  return re;
}

const read = (flag: string, file: string): string => {
  if (!existsSync(file)) throw new InputError(`--${flag} ${file}: no such file.`);
  return readFileSync(file, "utf8");
};

/** Reads and checks everything first, then renders: nothing is written for input not understood. */
export function main(argv: string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const v = options(argv);
  const stack = name("stack", v.stack);
  const project = name("project", v.project);
  if (v.json === undefined) throw new InputError(`--json is required\n${USAGE}`);
  const exitCode = integer("exit-code", v["exit-code"], 0, 255);
  const maxChars = integer("max-chars", v["max-chars"], 2000, 65_536);
  const masks = [
    ...v.mask.map((m) => mask(m, "--mask")),
    ...(env.HOMELAB_PREVIEW_MASKS ?? "")
      .split("\n")
      .map((m, i) => [m, i] as const)
      .filter(([m]) => m !== "")
      .map(([m, i]) => mask(m, `HOMELAB_PREVIEW_MASKS line ${i + 1}`)),
  ];
  const digest = readDigest(read("json", v.json), v.json, exitCode);
  const log: EventLog =
    v.events === undefined
      ? { status: "absent", events: [], problem: "no --events file was given" }
      : readEventLog(existsSync(v.events) ? readFileSync(v.events, "utf8") : undefined, v.events);
  if (log.status === "absent" && exitCode === 0)
    throw new InputError(
      `--events: ${log.problem}, but the preview exited 0; a preview run with --event-log always writes it. Pass that file.`,
    );
  const stderr = v.stderr === undefined ? undefined : read("stderr", v.stderr);
  const comment = renderReport(digest, log, { project, stack, exitCode, masks, maxChars, stderr });
  if (v.out !== undefined) writeFileSync(v.out, comment);
  const problems =
    log.status === "incomplete"
      ? [`the policy findings could not all be read: ${log.problem}; the comment says so.`]
      : [];
  return { comment, out: v.out, problems };
}

if (require.main === module) {
  try {
    const { comment, out, problems } = main(process.argv.slice(2));
    if (out === undefined) process.stdout.write(comment);
    for (const p of problems) process.stderr.write(`preview-report: ${p}\n`);
    process.exitCode = problems.length ? 1 : 0;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    process.stderr.write(`preview-report: ${e.message}\n`);
    process.exitCode = 2;
  }
}
