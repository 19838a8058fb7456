import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadInventory } from "../../../model/load";
import { show, suggestName } from "../../../model/messages";
import { NAME_RE } from "../../../model/schema";
import { parseStackFile, readStackFile } from "../../../model/stack-file";
import { readStack, REPO } from "../../support/stack";

describe("messages: values as written, files named, renames valid", () => {
  it("shows a value YAML turned into a number as the user wrote it (25.10, not 25.1)", () => {
    const home = readStack("Pulumi.home.yaml");
    // The home stack with infra1's release unquoted, as a user would write it.
    const source = readFileSync(path.join(REPO, "Pulumi.home.yaml"), "utf8").replace(
      'release: "25.05"',
      "release: 25.10",
    );
    const stack = parseStackFile(source, "Pulumi.home.yaml");
    assert.notDeepEqual(stack.config, home.config);
    const issues = loadInventory(stack.config, stack.written).issues;
    assert.deepEqual(
      issues.map((i) => `${i.path}: ${i.message}`),
      [
        'homelab:hypervisors.lewis.vms.infra1.nixos.release: 25.10 is a number; expected a NixOS release like 25.05. Quote it ("25.10") so YAML keeps it as text.',
      ],
    );
    // Without the source (values as the engine passes them) the number is all there is.
    assert.match(loadInventory(stack.config).issues[0]!.message, /^25\.1 is a number/);
  });

  it("names the file, line and column of a YAML syntax error", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "homelab-yaml-"));
    const file = path.join(dir, "Pulumi.broken.yaml");
    writeFileSync(file, "config:\n  homelab:domain: home.arpa\n  homelab:zones: [dmz\n");
    assert.throws(
      () => readStackFile(file),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(
          e.message,
          new RegExp(
            `^${file.replace(/[.]/g, "\\.")}:\\d+:\\d+: .+ \\(YAML syntax; fix the file and run again\\)$`,
          ),
        );
        return true;
      },
    );
  });

  it("refuses a duplicate key in a stack file, naming the file", () => {
    assert.throws(
      () => parseStackFile("config:\n  homelab:domain: a\n  homelab:domain: b\n", "Pulumi.x.yaml"),
      /^Error: Pulumi\.x\.yaml:3:3: Map keys must be unique/,
    );
  });

  it("suggests renames that are themselves valid and free", () => {
    const long = `My_${"Very_".repeat(20)}Long_Host`;
    for (const [name, taken, expected] of [
      ["Iris_2", [], "iris-2"],
      ["Iris", ["iris"], "iris-2"],
      ["Iris", ["iris", "iris-2"], "iris-3"],
      ["__", [], "host-1"],
      [long, [], undefined],
    ] as [string, string[], string | undefined][]) {
      const s = suggestName(name, taken);
      assert.match(s, NAME_RE, `${name} -> ${s}`);
      assert.ok(!taken.includes(s), `${name} -> ${s} is taken`);
      if (expected) assert.equal(s, expected);
    }
  });

  it("shows long text by its start and its end, where a stray suffix usually is", () => {
    const key = `ssh-rsa ${"A".repeat(300)} root@atlas`;
    const shown = show(key);
    assert.ok(shown.length < 130, shown);
    assert.match(shown, /^"ssh-rsa AAAA.*\.\.\..*root@atlas"$/);
  });
});
