/**
 * `make docs`: for every user's Pulumi.<stack>.yaml, from the validated model,
 *   docs/lab/<stack>.md   tables and the Mermaid diagram
 *   docs/lab/<stack>.dot  the Graphviz source of the diagram
 *   docs/lab/<stack>.svg  that source drawn by Graphviz (Debian's `dot`), stamped with the
 *                         source's SHA-256 so a test can tell it is current without comparing
 *                         bytes that differ between Graphviz versions.
 * Deterministic; a test fails when any of them is stale.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
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

export function renderStackDocs(stack: string): { markdown: string; dot: string } {
  const lab = loadInventoryOrThrow(readStackFile(path.join(root, `Pulumi.${stack}.yaml`)).config);
  return {
    markdown: renderLabDoc(lab, stack, `${stack}.svg`, `${stack}.dot`),
    dot: renderDot(lab),
  };
}

/** The comment an SVG carries to say which DOT source it was drawn from. */
export function svgStamp(dot: string): string {
  return `<!-- homelab-docs: drawn from DOT source sha256 ${createHash("sha256").update(dot).digest("hex")} -->`;
}

/** The DOT source drawn by the local Graphviz, stamped after the XML declaration. */
export function drawSvg(dot: string): string {
  const svg = execFileSync("dot", ["-Tsvg"], { input: dot, encoding: "utf8" });
  const [first, ...rest] = svg.split("\n");
  return first!.startsWith("<?xml")
    ? [first, svgStamp(dot), ...rest].join("\n")
    : `${svgStamp(dot)}\n${svg}`;
}

if (require.main === module) {
  mkdirSync(path.join(root, "docs", "lab"), { recursive: true });
  for (const stack of documentedStacks()) {
    const { markdown, dot } = renderStackDocs(stack);
    writeFileSync(path.join(root, "docs", "lab", `${stack}.md`), markdown);
    writeFileSync(path.join(root, "docs", "lab", `${stack}.dot`), dot);
    writeFileSync(path.join(root, "docs", "lab", `${stack}.svg`), drawSvg(dot));
    console.log(`wrote docs/lab/${stack}.md, .dot and .svg`);
  }
}
