/**
 * npm run preview-report -- --project homelab --stack home --json preview.json --events events.jsonl
 *   [--stderr preview.stderr] [--exit-code N] [--mask REGEX]... [--max-chars N] [--out comment.md]
 *
 * Masks also come from HOMELAB_PREVIEW_MASKS (newline-separated regular expressions).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DEFAULT_MAX_CHARS, PreviewDigest, renderReport } from "./report";

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

export function main(argv: string[]): string {
  const { values } = parseArgs({
    args: argv,
    options: OPTIONS,
  });
  if (!values.stack || !values.json) {
    throw new Error(
      "usage: preview-report --stack STACK --json preview.json [--events events.jsonl] [--out comment.md]",
    );
  }
  const text = readFileSync(values.json, "utf8").trim();
  // A preview that failed before producing JSON (e.g. a program error) leaves an empty file.
  const digest = (text ? JSON.parse(text) : {}) as PreviewDigest;
  const events =
    values.events && existsSync(values.events)
      ? readFileSync(values.events, "utf8").split("\n")
      : [];
  const masks = [
    ...(values.mask ?? []),
    ...(process.env.HOMELAB_PREVIEW_MASKS ?? "").split("\n").filter(Boolean),
  ].map((m) => new RegExp(m, "g"));
  const comment = renderReport(digest, events, {
    project: values.project ?? "homelab",
    stack: values.stack,
    exitCode: Number(values["exit-code"]),
    masks,
    maxChars: Number(values["max-chars"]),
    stderr:
      values.stderr && existsSync(values.stderr) ? readFileSync(values.stderr, "utf8") : undefined,
  });
  if (values.out) writeFileSync(values.out, comment);
  return comment;
}

if (require.main === module) {
  const comment = main(process.argv.slice(2));
  if (!process.argv.includes("--out")) process.stdout.write(comment);
}
