import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { renderJsonSchema } from "../../../model/reference";
import { loadInventory } from "../../../model/load";
import { parseYamlValue } from "../../../model/stack-file";
import { corpus, FIXTURES } from "../../support/corpus";
import { readStackConfig, REPO } from "../../support/stack";

// The editor schema (schema/inventory.schema.json) as yaml-language-server applies it: draft 2020-12,
// strict, with the model's regular expressions as `pattern`.
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validate = ajv.compile(renderJsonSchema());
const errors = (doc: unknown) =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

describe("editor schema (JSON Schema 2020-12, checked with ajv)", () => {
  const stackFiles = [
    path.join(REPO, "Pulumi.home.yaml"),
    ...readdirSync(path.join(FIXTURES, "valid"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => path.join(FIXTURES, "valid", f)),
  ];
  for (const file of stackFiles) {
    it(`accepts ${path.relative(REPO, file)}`, () => {
      assert.deepEqual(errors(parseYamlValue(readFileSync(file, "utf8"), file)), []);
    });
  }

  const cases = corpus("invalid");
  it("has shape faults to reject", () => {
    assert.ok(cases.filter((c) => c.shape).length >= 10);
  });
  for (const c of cases) {
    it(`${c.shape ? "rejects" : "accepts (a cross-reference fault only the model sees)"} ${c.file}`, () => {
      const found = errors({ config: c.raw });
      if (c.shape) assert.notDeepEqual(found, [], "the editor would miss this shape error");
      else assert.deepEqual(found, []);
    });
  }

  it("rejects each bad address, network, MAC, name, port spec and version the model rejects", () => {
    const home = readStackConfig("Pulumi.home.yaml");
    const bad: [string, unknown][] = [
      ["homelab:zones.dmz.cidr", "10.0.0.1/33"],
      ["homelab:zones.dmz.gateway", "192.168.30.256"],
      ["homelab:hosts.iris.nics[0].mac", "dc:a6:32:01:02"],
      ["homelab:hosts.iris.nics[0].mac", "01:00:5e:00:00:01"],
      ["homelab:flows[0].ports[0]", "tcp22"],
      ["homelab:talos.kubernetesVersion", "1.34"],
      ["homelab:routers.gw1.trunk", "a-very-long-interface-name"],
      ["homelab:routers.gw1.wan.address", "203.0.113.10"],
      ["homelab:zones.dmz.vlan", 5000],
      ["homelab:routers.gw1.dhcp[0].leaseTime", "12 hours"],
    ];
    for (const [where, value] of bad) {
      const doc = structuredClone(home);
      setPath(doc, where, value);
      assert.notDeepEqual(errors({ config: doc }), [], `${where}: ${JSON.stringify(value)}`);
      assert.notDeepEqual(loadInventory(doc).issues, [], `the model rejects it too (${where})`);
    }
  });

  it("lets an optional key left empty through, like the model", () => {
    const doc = { ...readStackConfig("Pulumi.home.yaml"), "homelab:flows": null };
    assert.deepEqual(errors({ config: doc }), []);
  });
});

function setPath(doc: Record<string, unknown>, where: string, value: unknown): void {
  const segs = where
    .match(/^[^.[]+|\.[^.[]+|\[\d+\]/g)!
    .map((s) => (s.startsWith("[") ? Number(s.slice(1, -1)) : s.replace(/^\./, "")));
  let node = doc as Record<string | number, unknown>;
  for (const s of segs.slice(0, -1)) node = node[s] as Record<string | number, unknown>;
  node[segs[segs.length - 1]!] = value;
}
