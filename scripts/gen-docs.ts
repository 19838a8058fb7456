/**
 * `make docs`: docs/lab/<stack>.md (tables + Mermaid) and docs/lab/<stack>.svg (Graphviz) for every
 * user's Pulumi.<stack>.yaml, from the validated model. Deterministic; a test fails when stale.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadInventoryOrThrow } from "../model/load";
import { readStackFile } from "../model/stack-file";
import { GENERATED_HEADER } from "./lab";
import { renderDot, renderLabDoc } from "../renderers/docs";

const root = path.resolve(__dirname, "..");

/**
 * Stacks whose docs are generated: the user's stack files, not those scripts/lab.ts writes for the
 * simulated labs (Pulumi.lab.yaml, Pulumi.bench.yaml), which are generated and not committed.
 */
export function documentedStacks(): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .filter(
      (s) =>
        !readFileSync(path.join(root, `Pulumi.${s}.yaml`), "utf8").startsWith(GENERATED_HEADER),
    )
    .sort();
}

export function renderStackDocs(stack: string): { markdown: string; svg: string } {
  const lab = loadInventoryOrThrow(readStackFile(path.join(root, `Pulumi.${stack}.yaml`)).config);
  const svg = execFileSync("dot", ["-Tsvg"], { input: renderDot(lab), encoding: "utf8" });
  return { markdown: renderLabDoc(lab, stack, `${stack}.svg`), svg };
}

if (require.main === module) {
  mkdirSync(path.join(root, "docs", "lab"), { recursive: true });
  for (const stack of documentedStacks()) {
    const { markdown, svg } = renderStackDocs(stack);
    writeFileSync(path.join(root, "docs", "lab", `${stack}.md`), markdown);
    writeFileSync(path.join(root, "docs", "lab", `${stack}.svg`), svg);
    console.log(`wrote docs/lab/${stack}.md and docs/lab/${stack}.svg`);
  }
}
