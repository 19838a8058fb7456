import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const REPO = path.resolve(__dirname, "..", "..");

/** The `config:` block of a Pulumi.<stack>.yaml as plain values, keyed like `homelab:zones`. */
export function readStackConfig(file: string): Record<string, unknown> {
  const text = readFileSync(path.isAbsolute(file) ? file : path.join(REPO, file), "utf8");
  const doc = parse(text, { uniqueKeys: true }) as { config?: Record<string, unknown> } | null;
  return structuredClone(doc?.config ?? {});
}
