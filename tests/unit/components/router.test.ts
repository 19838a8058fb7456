import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { INTENT_VERSION } from "../../../model/intent";
import { routerIntent, machineIntent } from "../../../renderers/intents";
import { renderNftables } from "../../../renderers/nftables";
import { firewallUnit } from "../../../renderers/units/router";
import { renderUnitBody, renderUnitCommand, unitHash } from "../../../renderers/unit-script";
import { homeLab } from "../../support/labs";
import { assetText, byName, children, isSecret, reveal } from "../../support/inputs";
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
    const files: Record<string, string[]> = {
      sshd: ["sshd.conf", "authorized_keys"],
      network: ["interfaces", "converge.sh", "sysctl.conf"],
      firewall: ["nftables.conf"],
      dns: ["dnsmasq.conf"],
    };
    assert.deepEqual(
      children(resources).sort(),
      [
        "homelab:net:Router gw1",
        "command:remote:Command gw1-ssh",
        ...units.map((u) => `homelab:ssh:ConfigUnit gw1-${u}`),
        ...units.map((u) => `command:remote:Command gw1-${u}-apply`),
        ...units.map((u) => `pulumi-nodejs:dynamic/homelab:LiveState gw1-${u}-live`),
        ...units.flatMap((u) =>
          [...files[u]!, "apply.sh"].map((f) => `command:remote:CopyToRemote gw1-${u}-${f}`),
        ),
        "homelab:intent:Record gw1-intent",
        "homelab:intent:Record gw1-router-intent",
      ].sort(),
    );
    assert.deepEqual(duplicateUrns(urns), []);
  });

  it("connects key-only with the pinned host key; the connection is a secret; never a password", async () => {
    const { resources } = await run();
    const remote = resources.filter((r) => r.type.startsWith("command:remote:"));
    assert.equal(remote.length, 16); // 1 wait + 4 applies + 7 staged files + 4 staged scripts
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
    assert.equal(
      reveal<Record<string, unknown>>(
        byName(resources, "command:remote:Command", "gw1-ssh").inputs.connection,
      ).dialErrorLimit,
      30,
    );
  });

  it("stages the rendered ruleset and applies it with a content-hash trigger", async () => {
    const { resources } = await run();
    const copy = byName(resources, "command:remote:CopyToRemote", "gw1-firewall-nftables.conf");
    assert.equal(copy.inputs.remotePath, ".homelab/stage/firewall/nftables.conf");
    assert.equal(await assetText(copy.inputs.source), renderNftables(lab, router).text);
    const apply = byName(resources, "command:remote:Command", "gw1-firewall-apply");
    const spec = firewallUnit(lab, router);
    assert.equal(apply.inputs.create, renderUnitCommand(spec, "root"));
    assert.deepEqual(apply.inputs.triggers, [unitHash(spec, "root")]);
    const script = await assetText(
      byName(resources, "command:remote:CopyToRemote", "gw1-firewall-apply.sh").inputs.source,
    );
    assert.equal(script, renderUnitBody(spec));
    assert.match(script, /nft -c -f "\$STAGE\/nftables\.conf"/);
    const ssh = byName(resources, "command:remote:Command", "gw1-ssh");
    assert.equal(
      ssh.inputs.create,
      "set -eu; umask 077; mkdir -p .homelab/stage/dns .homelab/stage/firewall .homelab/stage/network .homelab/stage/sshd; uname -n",
    );
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
