import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expectGolden } from "../../support/golden";

describe("test support: golden files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "golden-"));
    writeFileSync(path.join(dir, "a.txt"), "old\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("passes on equal text and fails on a difference, without writing", () => {
    expectGolden("a.txt", "old\n", { dir, env: {} });
    assert.throws(
      () => expectGolden("a.txt", "new\n", { dir, env: {} }),
      /tests\/golden\/a\.txt differs/,
    );
    assert.equal(readFileSync(path.join(dir, "a.txt"), "utf8"), "old\n");
  });

  it("fails on a missing golden, naming how to create it", () => {
    assert.throws(
      () => expectGolden("b.txt", "x", { dir, env: {} }),
      /missing golden file tests\/golden\/b\.txt \(run with UPDATE_GOLDEN=1 and review it\)/,
    );
  });

  it("UPDATE_GOLDEN=1 rewrites a differing golden and fails, so a rewrite never passes", () => {
    assert.throws(
      () => expectGolden("a.txt", "new\n", { dir, env: { UPDATE_GOLDEN: "1" } }),
      /rewrote tests\/golden\/a\.txt \(UPDATE_GOLDEN=1\): review the diff/,
    );
    assert.equal(readFileSync(path.join(dir, "a.txt"), "utf8"), "new\n");
    // Re-run: the golden now matches, nothing is rewritten, it passes.
    expectGolden("a.txt", "new\n", { dir, env: { UPDATE_GOLDEN: "1" } });
    expectGolden("a.txt", "new\n", { dir, env: {} });
  });

  it("UPDATE_GOLDEN=1 creates a missing golden and fails", () => {
    assert.throws(
      () => expectGolden("sub/c.txt", "c\n", { dir, env: { UPDATE_GOLDEN: "1" } }),
      /rewrote/,
    );
    assert.equal(readFileSync(path.join(dir, "sub", "c.txt"), "utf8"), "c\n");
  });

  for (const ci of ["true", "1", "yes"]) {
    it(`refuses to update under CI=${ci} and writes nothing`, () => {
      assert.throws(
        () => expectGolden("a.txt", "new\n", { dir, env: { UPDATE_GOLDEN: "1", CI: ci } }),
        new RegExp(`UPDATE_GOLDEN=1 is refused under CI \\(CI=${ci}\\)`),
      );
      assert.equal(readFileSync(path.join(dir, "a.txt"), "utf8"), "old\n");
      assert.throws(
        () => expectGolden("d.txt", "d", { dir, env: { UPDATE_GOLDEN: "1", CI: ci } }),
        /refused/,
      );
      assert.equal(existsSync(path.join(dir, "d.txt")), false);
    });
  }

  it("CI=false does not count as CI", () => {
    assert.throws(
      () => expectGolden("a.txt", "new\n", { dir, env: { UPDATE_GOLDEN: "1", CI: "false" } }),
      /rewrote/,
    );
  });
});
