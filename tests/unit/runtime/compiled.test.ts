import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import {
  assertCurrent,
  BUILDS,
  projectRoot,
  sourcesDigest,
  staleness,
} from "../../../runtime/compiled";
import { REPO } from "../../support/stack";

describe("runtime: the compiled program never runs stale", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "homelab-build-"));
    for (const d of ["model", "renderers", "components", "providers", "runtime", "build"]) {
      mkdirSync(path.join(root, d));
    }
    writeFileSync(path.join(root, "index.ts"), "export {};\n");
    writeFileSync(path.join(root, "model/lab.ts"), "export const a = 1;\n");
    writeFileSync(path.join(root, "model/notes.md"), "not a source\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const stamp = () =>
    writeFileSync(
      path.join(root, BUILDS.program.stamp),
      `${sourcesDigest(root, BUILDS.program.sources)}\n`,
    );

  it("is current right after the build's stamp", () => {
    stamp();
    assert.equal(staleness(root, "program"), undefined);
    assert.doesNotThrow(() => assertCurrent(root, "program"));
  });

  it("is stale when a source changes, is added or removed; other files do not count", () => {
    stamp();
    writeFileSync(path.join(root, "model/notes.md"), "edited\n");
    assert.equal(staleness(root, "program"), undefined);
    writeFileSync(path.join(root, "model/lab.ts"), "export const a = 2;\n");
    assert.match(staleness(root, "program")!, /the sources changed since it was built/);
    stamp();
    writeFileSync(path.join(root, "renderers/new.ts"), "export {};\n");
    assert.ok(staleness(root, "program"));
    stamp();
    rmSync(path.join(root, "model/lab.ts"));
    assert.ok(staleness(root, "program"));
  });

  it("refuses to run, saying what to do", () => {
    assert.throws(
      () => assertCurrent(root, "program"),
      /^Error: homelab: the compiled program is out of date: build\/SOURCES\.sha256 is missing \(never built\)\. Run `npm run build`/,
    );
  });

  it("finds the repository above any compiled entry point", () => {
    assert.equal(projectRoot(path.join(REPO, "build")), REPO);
    assert.equal(projectRoot(path.join(REPO, "policies", "build", "policies")), REPO);
    assert.throws(() => projectRoot(root), /no Pulumi\.yaml above/);
  });

  it("is what Pulumi runs: compiled entry points, no TypeScript at run time", () => {
    const project = parse(readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as {
      main: string;
      runtime: { options: Record<string, unknown> };
    };
    assert.equal(project.main, "build/index.js");
    assert.equal(project.runtime.options.typescript, false);
    const pack = parse(readFileSync(path.join(REPO, "policies/PulumiPolicy.yaml"), "utf8")) as {
      runtime: { options: Record<string, unknown> };
    };
    assert.equal(pack.runtime.options.typescript, false);
    const pkg = JSON.parse(readFileSync(path.join(REPO, "policies/package.json"), "utf8")) as {
      main: string;
    };
    assert.equal(pkg.main, "build/policies/index.js");
  });
});
