import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { REPO } from "./stack";

export interface GoldenOptions {
  /** Directory of the golden files (default tests/golden). */
  readonly dir?: string;
  /** Environment read for UPDATE_GOLDEN and CI (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** CI systems set CI=true (GitHub Actions, GitLab, Buildkite, ...); any value but false/0 counts. */
const isCi = (env: NodeJS.ProcessEnv) =>
  env.CI !== undefined && env.CI !== "" && !/^(false|0)$/i.test(env.CI);

/**
 * Compares rendered text with tests/golden/<name>. `UPDATE_GOLDEN=1` rewrites a golden that differs
 * (or is missing) and then FAILS, naming the file: a rewrite never passes silently, so the new
 * expectation is reviewed like code and the suite re-run without UPDATE_GOLDEN. Under CI
 * (`CI=true`) updating is refused: CI compares, it never writes its own expectations.
 */
export function expectGolden(name: string, actual: string, opts: GoldenOptions = {}): void {
  const env = opts.env ?? process.env;
  const file = path.join(opts.dir ?? path.join(REPO, "tests", "golden"), name);
  const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  if (env.UPDATE_GOLDEN === "1") {
    if (isCi(env)) {
      assert.fail(
        `UPDATE_GOLDEN=1 is refused under CI (CI=${env.CI}): tests/golden/${name} was not rewritten. Update goldens locally, review the diff and commit it.`,
      );
    }
    if (current === actual) return;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    assert.fail(
      `rewrote tests/golden/${name} (UPDATE_GOLDEN=1): review the diff (git diff tests/golden), then run the tests again without UPDATE_GOLDEN.`,
    );
  }
  assert.ok(
    current !== undefined,
    `missing golden file tests/golden/${name} (run with UPDATE_GOLDEN=1 and review it)`,
  );
  assert.equal(actual, current, `tests/golden/${name} differs`);
}
