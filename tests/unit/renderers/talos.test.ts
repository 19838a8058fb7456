import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { renderTalosPatch, talosNodePatches } from "../../../renderers/talos";
import { expectGolden } from "../../support/golden";
import { homeLab, validLab } from "../../support/labs";
import { REPO } from "../../support/stack";

// The Talos v1.13.9 machine-configuration schema (copied from shared/data/talos for self-contained CI).
const schema = JSON.parse(
  readFileSync(
    path.join(REPO, "tests", "fixtures", "talos", "v1.13", "config.schema.json"),
    "utf8",
  ),
) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validateDoc = ajv.compile(schema);

function invalid(docs: Record<string, unknown>[]): string[] {
  return docs.flatMap((d, i) => {
    const ok: boolean = validateDoc(d);
    return ok
      ? []
      : [
          `doc ${i} (${typeof d.kind === "string" ? d.kind : "v1alpha1 Config"}): ${ajv.errorsText(validateDoc.errors)}`,
        ];
  });
}

describe("renderer: Talos patches", () => {
  const lab = homeLab();
  const t = lab.talos!;

  it("every document of every node validates against the Talos v1.13 schema", () => {
    for (const m of t.controlPlanes)
      assert.deepEqual(invalid(talosNodePatches(t, m, "controlplane")), [], m.name);
    for (const m of t.workers)
      assert.deepEqual(invalid(talosNodePatches(t, m, "worker")), [], m.name);
    const solo = validLab("single-node.yaml").talos!;
    assert.deepEqual(invalid(talosNodePatches(solo, solo.controlPlanes[0]!, "controlplane")), []);
  });

  it("the schema is really enforced: a v1.12-style machine.network patch is rejected", () => {
    assert.equal(invalid([{ machine: { network: { hostname: "x" } } }]).length, 1);
    assert.equal(
      invalid([{ apiVersion: "v1alpha1", kind: "LinkConfig" }]).length,
      1,
      "name is required",
    );
  });

  it("gives control planes the VIP and finds the NIC by MAC (golden)", () => {
    const cp1 = t.controlPlanes[0]!;
    const docs = talosNodePatches(t, cp1, "controlplane");
    expectGolden("home/talos-cp1-patch.yaml", renderTalosPatch(docs));
    assert.deepEqual(
      docs.find((d) => d.kind === "Layer2VIPConfig"),
      {
        apiVersion: "v1alpha1",
        kind: "Layer2VIPConfig",
        name: "10.0.20.10",
        link: "net0",
      },
    );
    assert.deepEqual(
      docs.find((d) => d.kind === "LinkAliasConfig"),
      {
        apiVersion: "v1alpha1",
        kind: "LinkAliasConfig",
        name: "net0",
        selector: { match: `mac(link.permanent_addr) == "${cp1.interfaces[0]!.mac}"` },
      },
    );
    assert.deepEqual(docs[0], {
      machine: {
        install: { disk: "/dev/vda", image: "ghcr.io/siderolabs/installer:v1.13.9", wipe: false },
      },
      cluster: { allowSchedulingOnControlPlanes: false },
    });
  });

  it("gives workers no VIP and no cluster settings, and appends the user's patches last", () => {
    const docs = talosNodePatches(t, t.workers[0]!, "worker");
    assert.equal(
      docs.some((d) => d.kind === "Layer2VIPConfig"),
      false,
    );
    assert.equal("cluster" in docs[0]!, false);
    assert.deepEqual(docs[docs.length - 1], {
      apiVersion: "v1alpha1",
      kind: "TimeSyncConfig",
      ntp: { servers: ["10.0.20.1"] },
    });
  });
});
