import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { hypervisorIntent } from "../../../renderers/intents";
import { renderDomainXml } from "../../../renderers/libvirt";
import { homeLab } from "../../support/labs";
import { stagedFiles } from "../../../renderers/unit-bundle";
import { vmDomainUnit } from "../../../renderers/units/hypervisor";
import { byName, children, reveal } from "../../support/inputs";
import { duplicateUrns, runMocked } from "../../support/mocks";

describe("component: Hypervisor and Vm", () => {
  const lab = homeLab();
  const atlas = lab.hypervisors.find((h) => h.name === "atlas")!;
  const run = () =>
    runMocked(async () => {
      const { Hypervisor } = await import("../../../components/hypervisor");
      new Hypervisor("atlas", { lab, hypervisor: atlas, privateKey: pulumi.secret("K") });
    });

  it("creates its units, one Vm per guest, and its intents", async () => {
    const { resources, urns } = await run();
    const top = children(resources).filter((c) => !/-apply$/.test(c));
    assert.deepEqual(top.sort(), [
      "homelab:compute:Hypervisor atlas",
      "homelab:compute:Vm edge",
      "homelab:compute:Vm hermes",
      "homelab:compute:Vm talos-cp1",
      "homelab:compute:Vm talos-w1",
      "homelab:intent:Record atlas-hypervisor-intent",
      "homelab:intent:Record atlas-intent",
      "homelab:ssh:ConfigUnit atlas-layout",
      "homelab:ssh:ConfigUnit atlas-network",
      "homelab:ssh:ConfigUnit atlas-sshd",
      "homelab:ssh:ConfigUnit edge-domain",
      "homelab:ssh:ConfigUnit hermes-domain",
      "homelab:ssh:ConfigUnit talos-cp1-domain",
      "homelab:ssh:ConfigUnit talos-w1-domain",
      "pulumi-nodejs:dynamic/homelab:LiveState atlas-layout-live",
      "pulumi-nodejs:dynamic/homelab:LiveState atlas-network-live",
      "pulumi-nodejs:dynamic/homelab:LiveState atlas-sshd-live",
      "pulumi-nodejs:dynamic/homelab:LiveState edge-domain-live",
      "pulumi-nodejs:dynamic/homelab:LiveState hermes-domain-live",
      "pulumi-nodejs:dynamic/homelab:LiveState talos-cp1-domain-live",
      "pulumi-nodejs:dynamic/homelab:LiveState talos-w1-domain-live",
      "pulumi-nodejs:dynamic/homelab:SshPort atlas-ssh-port",
    ]);
    assert.deepEqual(duplicateUrns(urns), []);
  });

  it("defines each VM on the hypervisor from the rendered domain XML, over the hypervisor's connection", async () => {
    const { resources } = await run();
    const hermes = atlas.vms.find((v) => v.name === "hermes")!;
    const cmd = byName(resources, "command:remote:Command", "hermes-domain-apply");
    assert.equal(reveal<{ host: string }>(cmd.inputs.connection).host, "192.168.40.2");
    const staged = (vm: string) =>
      Object.fromEntries(
        stagedFiles(
          vmDomainUnit(
            lab,
            atlas.vms.find((v) => v.name === vm)!,
          ),
        ).map((f) => [f.name, f.content]),
      );
    assert.equal(staged("hermes")["domain.xml"], renderDomainXml(hermes));
    const apply = staged("hermes")["apply.sh"]!;
    assert.match(apply, /virsh define \/etc\/homelab\/vms\/hermes\.xml/);
    assert.match(apply, /qemu-img create -q -f qcow2 -F qcow2 -b /);
    assert.match(apply, /cloud-localds --network-config=/);
    // Talos guests boot without a cloud-init seed.
    assert.doesNotMatch(staged("talos-cp1")["apply.sh"]!, /cloud-localds/);
    // The bundle on stdin carries exactly those files (the command stages them itself).
    assert.match(String(cmd.inputs.stdin), /\nput domain\.xml [0-9a-f]{64} <<'HOMELAB_EOF'\n/);
    assert.ok(
      cmd.dependsOn!.includes("atlas-network-live") && cmd.dependsOn!.includes("atlas-layout-live"),
    );
  });

  it("publishes its bridges without addresses", async () => {
    const { resources } = await run();
    const intent = byName(resources, "homelab:intent:Record", "atlas-hypervisor-intent").inputs
      .intent;
    assert.deepEqual(intent, JSON.parse(JSON.stringify(hypervisorIntent(atlas))));
    assert.deepEqual(hypervisorIntent(atlas).bridges, [
      { zone: "internal", bridge: "br-internal", vlanInterface: "enp3s0.20", address: undefined },
      { zone: "dmz", bridge: "br-dmz", vlanInterface: "enp3s0.30", address: undefined },
    ]);
  });
});
