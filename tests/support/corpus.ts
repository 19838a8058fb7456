import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { applyPatch, PatchOp } from "./patch";
import { parseYamlValue } from "../../model/stack-file";
import { readStackConfig, REPO } from "./stack";

export const FIXTURES = path.join(REPO, "tests", "fixtures", "inventory");

export interface CorpusCase {
  readonly file: string;
  /** What is wrong (invalid), risky (insecure) or done right (secure). */
  readonly title: string;
  readonly raw: Record<string, unknown>;
  readonly expect: readonly string[];
  /** The fault is one of shape (type, format, unknown or missing key): the editor schema sees it. */
  readonly shape: boolean;
}

/** Cases of a corpus directory: each is Pulumi.home.yaml with a patch applied. */
export function corpus(kind: "invalid" | "insecure" | "secure"): CorpusCase[] {
  const base = readStackConfig("Pulumi.home.yaml");
  const dir = path.join(FIXTURES, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const full = path.join(dir, file);
      const c = parseYamlValue(readFileSync(full, "utf8"), path.relative(REPO, full)) as {
        fault?: string;
        risk?: string;
        safe?: string;
        patch: PatchOp[];
        expect?: string[];
        shape?: boolean;
      };
      return {
        file,
        title: c.fault ?? c.risk ?? c.safe ?? file,
        raw: applyPatch(base, c.patch),
        expect: c.expect ?? [],
        shape: c.shape === true,
      };
    });
}
