// Writes docs/config-reference.md and schema/inventory.schema.json from the schemas in model/sections/,
// and docs/policies.md from the rules.
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderConfigReference, renderJsonSchema } from "../model/reference";
import { RULES } from "../policies/all";
import { renderPolicyReference } from "../policies/lib/reference";

const root = path.resolve(__dirname, "..");
mkdirSync(path.join(root, "docs"), { recursive: true });
mkdirSync(path.join(root, "schema"), { recursive: true });
writeFileSync(path.join(root, "docs", "config-reference.md"), renderConfigReference());
writeFileSync(
  path.join(root, "schema", "inventory.schema.json"),
  `${JSON.stringify(renderJsonSchema(), null, 2)}\n`,
);
writeFileSync(path.join(root, "docs", "policies.md"), renderPolicyReference(RULES));
console.log("wrote docs/config-reference.md, docs/policies.md and schema/inventory.schema.json");
