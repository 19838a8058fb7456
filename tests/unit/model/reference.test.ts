import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { renderConfigReference, renderJsonSchema } from "../../../model/reference";
import { INVENTORY_KEYS } from "../../../model/inventory";
import { RULES } from "../../../policies/all";
import { renderPolicyReference } from "../../../policies/lib/reference";
import { REPO } from "../../support/stack";

describe("generated config reference", () => {
  it("docs/config-reference.md is up to date (run `npm run schema`)", () => {
    assert.equal(
      readFileSync(path.join(REPO, "docs", "config-reference.md"), "utf8"),
      renderConfigReference(),
    );
  });
  it("schema/inventory.schema.json is up to date (run `npm run schema`)", () => {
    const committed = JSON.parse(
      readFileSync(path.join(REPO, "schema", "inventory.schema.json"), "utf8"),
    ) as unknown;
    assert.deepEqual(committed, renderJsonSchema());
  });
  it("documents every inventory key", () => {
    const text = renderConfigReference();
    for (const key of Object.keys(INVENTORY_KEYS))
      assert.ok(text.includes(`## \`homelab:${key}\``), key);
    assert.ok(text.includes("`homelab:hypervisors.<name>.vms.<name>.nics[].zone`"));
  });
  it("docs/policies.md is up to date (run `npm run schema`)", () => {
    assert.equal(
      readFileSync(path.join(REPO, "docs", "policies.md"), "utf8"),
      renderPolicyReference(RULES),
    );
  });
  it("is deterministic", () => {
    assert.equal(renderConfigReference(), renderConfigReference());
  });
});
