import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { INTENT_VERSION } from "../../../model/intent";
import { routerIntent, machineIntent } from "../../../renderers/intents";
import { renderNftables } from "../../../renderers/nftables";
import { firewallUnit } from "../../../renderers/units/router";
import {
  renderUnitBundle,
  stagedFiles,
  UNIT_COMMAND,
  unitHash,
} from "../../../renderers/unit-bundle";
import { homeLab } from "../../support/labs";
import { byName, children, isSecret, reveal } from "../../support/inputs";
import { duplicateUrns, runMocked } from "../../support/mocks";

describe("component: Router", () => {
  const lab = homeLab();
  const router = lab.routers[0]!;
  const run = () =>
    runMocked(async () => {
      const { Router } = await import("../../../components/router");
      new Router("gw1", { lab, router, privateKey: pulumi.secret("PRIVATE-KEY") });
    });

  it("creates exactly its children, named from its own name", async () => {
    const { resources, urns } = await run();
    const units = ["sshd", "network", "firewall", "dns"];
    assert.deepEqual(
      children(resources).sort(),
      [
        "homelab:net:Router gw1",
        "pulumi-nodejs:dynamic/homelab:SshPort gw1-ssh-port",
        ...units.map((u) => `homelab:ssh:ConfigUnit gw1-${u}`),
        ...units.map((u) => `command:remote:Command gw1-${u}-apply`),
        ...units.map((u) => `pulumi-nodejs:dynamic/homelab:LiveState gw1-${u}-live`),
        "homelab:intent:Record gw1-intent",
        "homelab:intent:Record gw1-router-intent",
      ].sort(),
    );
    assert.deepEqual(duplicateUrns(urns), []);
  });

  it("connects key-only with the pinned host key; the connection is a secret; never a password", async () => {
    const { resources } = await run();
    const remote = resources.filter((r) => r.type.startsWith("command:remote:"));
    assert.equal(remote.length, 4); // one command per unit, whatever its files
    for (const r of remote) {
      assert.ok(isSecret(r.inputs.connection), `${r.name}: connection must be secret`);
      const c = reveal<Record<string, unknown>>(r.inputs.connection);
      assert.equal(c.host, "10.0.10.1", r.name);
      assert.equal(c.user, "root", r.name);
      assert.equal(c.privateKey, "PRIVATE-KEY", r.name);
      assert.equal(c.hostKey, router.machine.ssh!.hostKey, r.name);
      assert.equal(c.password, undefined, r.name);
      assert.ok(
        Number(c.dialErrorLimit) > 0 && Number(c.perDialTimeout) > 0,
        `${r.name}: bounded dialing`,
      );
    }
    for (const r of remote) {
      assert.equal(
        reveal<Record<string, unknown>>(r.inputs.connection).dialErrorLimit,
        30,
        `${r.name}: a first contact waits for SSH`,
      );
    }
  });

  it("carries the rendered ruleset on the command's stdin and applies it with a content-hash trigger", async () => {
    const { resources } = await run();
    const apply = byName(resources, "command:remote:Command", "gw1-firewall-apply");
    const spec = firewallUnit(lab, router);
    assert.equal(apply.inputs.create, UNIT_COMMAND);
    assert.equal(apply.inputs.stdin, renderUnitBundle(spec, "root"));
    assert.deepEqual(apply.inputs.triggers, [unitHash(spec, "root")]);
    const staged = Object.fromEntries(stagedFiles(spec).map((f) => [f.name, f.content]));
    assert.equal(staged["nftables.conf"], renderNftables(lab, router).text);
    assert.match(staged["apply.sh"]!, /nft -c -f "\$STAGE\/nftables\.conf"/);
    // Order on the machine: the SshPort first, the firewall and DNS after the network.
    const deps = (n: string) =>
      byName(resources, "command:remote:Command", `gw1-${n}-apply`).dependsOn!;
    for (const u of ["sshd", "network"]) assert.ok(deps(u).includes("gw1-ssh-port"), u);
    for (const u of ["firewall", "dns"]) assert.ok(deps(u).includes("gw1-network-live"), u);
  });

  it("publishes its machine and router intents as plain data", async () => {
    const { resources } = await run();
    assert.deepEqual(byName(resources, "homelab:intent:Record", "gw1-router-intent").inputs, {
      version: INTENT_VERSION,
      intent: JSON.parse(JSON.stringify(routerIntent(lab, router))) as unknown,
    });
    assert.deepEqual(byName(resources, "homelab:intent:Record", "gw1-intent").inputs, {
      version: INTENT_VERSION,
      intent: JSON.parse(JSON.stringify(machineIntent(lab, router.machine))) as unknown,
    });
  });
});
