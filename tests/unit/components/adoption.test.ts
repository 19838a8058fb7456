import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { OBSERVE_ONLY } from "../../../providers/live-state";
import { homeConfig, runProgram } from "../../support/program";
import type { Recorded } from "../../support/mocks";

const watched = [
  { set: "homelab:routers.gw1.ssh.observeOnly", value: true },
  { set: "homelab:hypervisors.lewis.ssh.observeOnly", value: true },
  { set: "homelab:hypervisors.lewis.vms.infra1.ssh.observeOnly", value: true },
];
const named = (rs: readonly Recorded[], type: string) =>
  rs.filter((r) => r.type === type).map((r) => r.name);
const ofMachine = (names: readonly string[], m: string) =>
  names.filter((n) => n.startsWith(`${m}-`));

describe("adoption: a machine that is only observed (ssh.observeOnly)", function () {
  this.timeout(60_000);
  it("gets no command that writes: its units only record what is there; other machines converge", async () => {
    const managed = await runProgram(homeConfig());
    const adopting = await runProgram(homeConfig(watched));
    assert.equal(adopting.error, undefined, String(adopting.error));
    const commands = named(adopting.resources, "command:remote:Command");
    for (const m of ["gw1", "lewis", "infra1"]) {
      assert.deepEqual(ofMachine(commands, m), [], `${m} is only observed`);
      assert.ok(
        ofMachine(named(managed.resources, "command:remote:Command"), m).length > 0,
        `${m} has commands when managed`,
      );
    }
    assert.ok(commands.includes("atlas-layout-apply"), "the other hypervisor converges");
    assert.ok(commands.includes("iris-sshd-apply"), "the other hosts converge");
    // The probes check the declared lab, which is not there yet.
    assert.deepEqual(
      commands.filter((n) => n.endsWith("-probes")),
      [],
    );
    assert.ok(
      named(managed.resources, "command:remote:Command").some((n) => n.endsWith("-probes")),
    );

    const live = adopting.resources.filter(
      (r) => r.type === "pulumi-nodejs:dynamic/homelab:LiveState" && r.name.startsWith("gw1-"),
    );
    assert.deepEqual(live.map((r) => r.name).sort(), [
      "gw1-dns-live",
      "gw1-firewall-live",
      "gw1-network-live",
      "gw1-sshd-live",
    ]);
    for (const r of live) {
      assert.equal(r.inputs.observeOnly, true, r.name);
      assert.equal(r.inputs.applyId, OBSERVE_ONLY, r.name);
      assert.ok(
        !(r.dependsOn ?? []).some((d) => d.endsWith("-apply")),
        `${r.name} waits for no apply: ${String(r.dependsOn)}`,
      );
    }
    const port = adopting.resources.find((r) => r.name === "gw1-ssh-port")!;
    assert.equal(port.inputs.observeOnly, true);
    // A managed machine's LiveState does not carry the flag at all.
    const iris = adopting.resources.find((r) => r.name === "iris-sshd-live")!;
    assert.equal("observeOnly" in iris.inputs, false);
  });

  it("refuses a VM that would be managed on a hypervisor that is only observed, and an observed machine without a pinned key", async () => {
    const r = await runProgram(
      homeConfig([
        { set: "homelab:hypervisors.lewis.ssh.observeOnly", value: true },
        { set: "homelab:hypervisors.atlas.vms.hermes.ssh.observeOnly", value: true },
        { delete: "homelab:hypervisors.atlas.vms.hermes.ssh.hostKey" },
      ]),
    );
    assert.ok(pulumi.RunError.isInstance(r.error), String(r.error));
    assert.match(
      r.error.message,
      /homelab:hypervisors\.lewis\.vms\.infra1\.ssh\.observeOnly: \(missing\) is required while its hypervisor is only observed .*Set homelab:hypervisors\.lewis\.vms\.infra1\.ssh\.observeOnly: true, or remove observeOnly from the hypervisor\./,
    );
    assert.match(
      r.error.message,
      /homelab:hypervisors\.atlas\.vms\.hermes\.ssh\.hostKey: \(missing\) is required while hermes is only observed .*Add the key `npm run discover` printed/,
    );
    assert.deepEqual(
      r.resources.map((x) => x.type),
      ["pulumi:pulumi:Stack"],
    );
  });
});
