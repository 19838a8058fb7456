import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { REPO } from "./stack";

/**
 * Compares rendered text with tests/golden/<name>. `UPDATE_GOLDEN=1` rewrites the file instead (then
 * review the diff like code: golden files are expectations, not snapshots to rubber-stamp).
 */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(REPO, "tests", "golden", name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(
    existsSync(file),
    `missing golden file tests/golden/${name} (run with UPDATE_GOLDEN=1 and review it)`,
  );
  assert.equal(actual, readFileSync(file, "utf8"), `tests/golden/${name} differs`);
}
