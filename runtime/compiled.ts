/**
 * The program and the policy pack run as compiled JavaScript (`npm run build` → build/ and
 * policies/build/): no TypeScript compiler is loaded on every preview and up (docs/benchmarks.md).
 * So that a compiled copy can never silently run in place of newer sources, the build records a
 * digest of the sources it compiled, and the compiled entry points refuse to start when the
 * sources differ.
 *
 *   node build/runtime/compiled.js stamp   after tsc: record the digests (npm run build does this)
 *   node build/runtime/compiled.js check   exit 0 when both builds are current (scripts/setup.sh)
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** What each build compiles, relative to the repository root (directories: every .ts inside). */
export const BUILDS = {
  program: {
    stamp: "build/SOURCES.sha256",
    sources: ["index.ts", "model", "renderers", "components", "providers", "runtime"],
  },
  policies: {
    stamp: "policies/build/SOURCES.sha256",
    sources: [
      "policies/index.ts",
      "policies/all.ts",
      "policies/lib",
      "policies/rules",
      "model",
      "runtime",
    ],
  },
} as const;

export type BuildName = keyof typeof BUILDS;

function tsFiles(root: string, entry: string): string[] {
  const full = path.join(root, entry);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return entry.endsWith(".ts") ? [entry] : [];
  return readdirSync(full)
    .flatMap((name) => tsFiles(root, path.join(entry, name)))
    .filter((f) => !f.split(path.sep).includes("node_modules"));
}

/** sha256 over every source file's path and content, in a fixed order. */
export function sourcesDigest(root: string, entries: readonly string[]): string {
  const files = [...new Set(entries.flatMap((e) => tsFiles(root, e)))].sort();
  const h = createHash("sha256");
  for (const f of files)
    h.update(`${f}\0`)
      .update(readFileSync(path.join(root, f)))
      .update("\0");
  return h.digest("hex");
}

/** Why the build is not current, or undefined when it is. */
export function staleness(root: string, name: BuildName): string | undefined {
  const b = BUILDS[name];
  const stamp = path.join(root, b.stamp);
  if (!existsSync(stamp)) return `${b.stamp} is missing (never built)`;
  if (readFileSync(stamp, "utf8").trim() !== sourcesDigest(root, b.sources)) {
    return `the sources changed since it was built (${b.stamp})`;
  }
  return undefined;
}

/** The repository (the directory holding Pulumi.yaml) above a compiled file's directory. */
export function projectRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, "Pulumi.yaml"))) return d;
    if (path.dirname(d) === d) throw new Error(`homelab: no Pulumi.yaml above ${dir}`);
  }
}

/** Called first by a compiled entry point: refuses to run a build older than its sources. */
export function assertCurrent(root: string, name: BuildName): void {
  const why = staleness(root, name);
  if (why) {
    throw new Error(
      `homelab: the compiled ${name === "program" ? "program" : "policy pack"} is out of date: ${why}. Run \`npm run build\` (make test, make lab and scripts/setup.sh do it), then try again.`,
    );
  }
}

if (require.main === module) {
  const root = projectRoot(__dirname);
  const cmd = process.argv[2];
  if (cmd === "stamp") {
    for (const b of Object.values(BUILDS)) {
      writeFileSync(path.join(root, b.stamp), `${sourcesDigest(root, b.sources)}\n`);
    }
  } else if (cmd === "check") {
    const why = (Object.keys(BUILDS) as BuildName[]).map((n) => staleness(root, n)).find(Boolean);
    if (why) {
      process.stderr.write(`${why}\n`);
      process.exit(1);
    }
  } else {
    process.stderr.write("usage: node build/runtime/compiled.js stamp|check\n");
    process.exit(2);
  }
}
