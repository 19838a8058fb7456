/**
 * The policy pack on the topologies of issue 21: a flow across two routers is one reachability edge
 * with its real endpoints (listed by both routers), never an edge into the transit zone; devices are
 * machines the pack reasons about.
 */
import * as assert from "node:assert/strict";
import { applyPatch } from "../../support/patch";
import { lines, violations } from "../../support/policy-fixture";
import { fromRecorded } from "../../support/policy-harness";
import { runProgram, validConfig } from "../../support/program";

async function stack(file: string, patch: Parameters<typeof applyPatch>[1] = []) {
  const r = await runProgram(applyPatch(validConfig(file), patch));
  if (r.error) throw r.error;
  return fromRecorded(r.resources);
}

describe("policies on multi-router labs and devices", function () {
  this.timeout(120_000);

  it("the seed 004 stack passes every policy", async () => {
    assert.deepEqual(lines(violations(await stack("cascaded-firewalls.yaml"))), []);
  });

  it("judges a flow across two routers once, by its real endpoints, naming both routers", async () => {
    const found = lines(
      violations(
        await stack("cascaded-firewalls.yaml", [
          { set: "homelab:zones.data.trust", value: "management" },
          { set: "homelab:flows[0]", value: { from: "dmz", to: "data", ports: ["tcp/22"] } },
        ]),
      ),
    ).filter((l) => l.startsWith("zone-isolation"));
    assert.deepEqual(found, [
      "zone-isolation/mandatory: Zone dmz (dmz) can reach zone data (management): dmz -> data on tcp/22 to any address (routers edge, fw-data). A compromised dmz machine could attack the data hosts. Fix: Remove the dmz -> data flow from homelab:flows (reverse it if data needs to reach dmz). [finding flow:dmz->data]",
      "zone-isolation/mandatory: Zone games (dmz) can reach zone data (management) in 2 hops: games -> dmz on udp/53, tcp/53 to 192.168.10.5 (routers fw-games, edge); then dmz -> data on tcp/22 to any address (routers edge, fw-data). Fix: Break the chain: remove or narrow one of these hops (usually the last one into data). [finding path:games->data]",
    ]);
  });

  it("sees a device straddling two zones", async () => {
    const found = lines(
      violations(
        await stack("flat-home-lan.yaml", [
          { set: "homelab:devices.nas.nics[1]", value: { zone: "lab", address: "10.0.1.20" } },
        ]),
      ),
    ).filter((l) => l.startsWith("zone-isolation"));
    assert.deepEqual(found, [
      "zone-isolation/mandatory: device nas has addresses in home (internal) and lab (dmz): whoever compromises it from the lower-trust zone is inside the higher one without crossing the firewall. Fix: Keep nas's primary NIC (zone home) and remove the one in zone lab from homelab:devices.nas.nics; let a narrow flow (toService) carry what it needs. [finding multihomed:nas]",
    ]);
  });
});
