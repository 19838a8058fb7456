import * as path from "node:path";
import { readStackFile, StackFile } from "../../model/stack-file";

export const REPO = path.resolve(__dirname, "..", "..");

/** A Pulumi.<stack>.yaml: its config and the text each value was written as. */
export function readStack(file: string): StackFile {
  return readStackFile(path.isAbsolute(file) ? file : path.join(REPO, file));
}

/** The `config:` block of a Pulumi.<stack>.yaml as plain values, keyed like `homelab:zones`. */
export function readStackConfig(file: string): Record<string, unknown> {
  return structuredClone(readStack(file).config);
}
