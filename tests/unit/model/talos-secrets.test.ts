import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { talosSecretsProblems } from "../../../model/talos-secrets";
import { REPO } from "../../support/stack";

describe("model: adopted Talos secrets bundle", () => {
  const bundle = readFileSync(path.join(REPO, "tests/fixtures/talos/secrets.yaml"), "utf8");

  it("accepts a complete bundle", () => {
    assert.deepEqual(talosSecretsProblems(bundle), []);
  });

  it("names each missing or malformed field, never a value", () => {
    const broken = bundle
      .replace(/^ {2}secret: .*\n/m, "")
      .replace(/(^ {2}os:\n {4}crt: ).*$/m, "$1bm90IGEgUEVN");
    const problems = talosSecretsProblems(broken);
    assert.deepEqual(
      problems.map((p) => p.message.split(";")[0]),
      ["cluster.secret is missing", "certs.os.crt is missing or not a base64-encoded PEM block"],
    );
    for (const p of problems) {
      assert.equal(p.path, "homelab:talosSecrets");
      assert.match(p.message, /pulumi config set --secret homelab:talosSecrets < secrets\.yaml/);
      assert.doesNotMatch(p.message, /LS0t|bm90IGEgUEVN/);
    }
  });

  it("refuses what is not a bundle at all", () => {
    assert.match(talosSecretsProblems("[unclosed")[0]!.message, /^is not YAML/);
    assert.match(talosSecretsProblems("just text")[0]!.message, /^is not a mapping/);
  });
});
