import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { applyPatch, PatchOp } from "./patch";
import { readStackConfig, REPO } from "./stack";

export const FIXTURES = path.join(REPO, "tests", "fixtures", "inventory");

export interface CorpusCase {
  readonly file: string;
  /** What is wrong (invalid) or risky (insecure). */
  readonly title: string;
  readonly raw: Record<string, unknown>;
  readonly expect: readonly string[];
}

/** Cases of a corpus directory: each is Pulumi.home.yaml with a patch applied. */
export function corpus(kind: "invalid" | "insecure"): CorpusCase[] {
  const base = readStackConfig("Pulumi.home.yaml");
  const dir = path.join(FIXTURES, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const c = parse(readFileSync(path.join(dir, file), "utf8")) as {
        fault?: string;
        risk?: string;
        patch: PatchOp[];
        expect?: string[];
      };
      return {
        file,
        title: c.fault ?? c.risk ?? file,
        raw: applyPatch(base, c.patch),
        expect: c.expect ?? [],
      };
    });
}
