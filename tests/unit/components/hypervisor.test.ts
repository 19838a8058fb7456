import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { hypervisorIntent } from "../../../renderers/intents";
import { renderCloudInitHostKeys, renderDomainXml } from "../../../renderers/libvirt";
import { ed25519HostKey } from "../../../renderers/ssh-host-key";
import {
  vmHostKeyCommand,
  vmRemovalCommand,
  vmRestartCommand,
} from "../../../renderers/units/hypervisor";
import { homeLab } from "../../support/labs";
import { assetText, byName, children, isSecret, reveal } from "../../support/inputs";
import { duplicateUrns, RunResult, runMocked } from "../../support/mocks";

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
    const top = children(resources).filter((c) => !/CopyToRemote|-apply$/.test(c));
    assert.deepEqual(top.sort(), [
      "command:remote:Command atlas-ssh",
      "command:remote:Command edge-removal",
      "command:remote:Command edge-restart",
      "command:remote:Command hermes-removal",
      "command:remote:Command hermes-restart",
      "command:remote:Command talos-cp1-removal",
      "command:remote:Command talos-cp1-restart",
      "command:remote:Command talos-w1-removal",
      "command:remote:Command talos-w1-restart",
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
    ]);
    assert.deepEqual(duplicateUrns(urns), []);
  });

  it("defines each VM on the hypervisor from the rendered domain XML, over the hypervisor's connection", async () => {
    const { resources } = await run();
    const hermes = atlas.vms.find((v) => v.name === "hermes")!;
    const xml = byName(resources, "command:remote:CopyToRemote", "hermes-domain-domain.xml");
    assert.equal(xml.inputs.remotePath, ".homelab/stage/vm-hermes/domain.xml");
    assert.equal(await assetText(xml.inputs.source), renderDomainXml(hermes, "kvm"));
    assert.equal(reveal<{ host: string }>(xml.inputs.connection).host, "192.168.40.2");
    const apply = await assetText(
      byName(resources, "command:remote:CopyToRemote", "hermes-domain-apply.sh").inputs.source,
    );
    assert.match(apply, /virsh define \/etc\/homelab\/vms\/hermes\.xml/);
    assert.match(apply, /qemu-img create -q -f qcow2 -F qcow2 -b /);
    assert.match(apply, /cloud-localds --network-config=/);
    // Talos guests boot without a cloud-init seed.
    assert.doesNotMatch(
      await assetText(
        byName(resources, "command:remote:CopyToRemote", "talos-cp1-domain-apply.sh").inputs.source,
      ),
      /cloud-localds/,
    );
    // The stage directories of all VM units exist before copies start.
    assert.match(
      String(byName(resources, "command:remote:Command", "atlas-ssh").inputs.create),
      /\.homelab\/stage\/vm-hermes/,
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

describe("component: Vm lifecycle and generated host keys", function () {
  // The whole home program under mocks: seconds when idle, far more on a loaded machine.
  this.timeout(300_000);
  const SEED = Buffer.alloc(32, 9);
  const patched = homeLab([
    { delete: "homelab:hypervisors.atlas.vms.hermes.ssh.hostKey" },
    { set: "homelab:hypervisors.atlas.vms.edge.keepDisk", value: true },
    { set: "homelab:hypervisors.atlas.domainType", value: "qemu" },
  ]);
  const atlas = patched.hypervisors.find((h) => h.name === "atlas")!;
  const vm = (n: string) => atlas.vms.find((v) => v.name === n)!;
  let ran: Promise<RunResult> | undefined;
  const runLab = () =>
    (ran ??= runMocked(
      async () => {
        const { HomeLab } = await import("../../../components/lab");
        const home = new HomeLab("home", { lab: patched, privateKey: pulumi.secret("K") });
        return { verification: home.verification };
      },
      {
        outputs: (r) =>
          r.type === "random:index/randomBytes:RandomBytes"
            ? { base64: SEED.toString("base64"), hex: SEED.toString("hex") }
            : {},
      },
    ));

  it("generates a host key only for the Debian VM without one, and writes it root-only from stdin", async () => {
    const { resources } = await runLab();
    const seeds = resources.filter((r) => r.type === "random:index/randomBytes:RandomBytes");
    assert.deepEqual(
      seeds.map((r) => [r.name, r.inputs.length]),
      [["hermes-host-key-seed", 32]],
    );
    const write = byName(resources, "command:remote:Command", "hermes-host-key");
    const expected = vmHostKeyCommand(vm("hermes"), "root");
    assert.equal(write.inputs.create, expected.create);
    assert.equal(write.inputs.delete, expected.delete);
    assert.match(
      String(write.inputs.create),
      /umask 077; .*cat >\/etc\/homelab\/vms\/hermes\/host-keys\.cfg\.new/,
    );
    assert.ok(isSecret(write.inputs.stdin), "the private key travels as a secret");
    const keys = ed25519HostKey(SEED, "root@hermes");
    assert.equal(reveal(write.inputs.stdin), renderCloudInitHostKeys(keys));
    // The private key is in no staged file of the domain unit (those are public, and in the state).
    for (const r of resources.filter((x) => x.type === "command:remote:CopyToRemote")) {
      assert.doesNotMatch(await assetText(r.inputs.source), /OPENSSH PRIVATE KEY/, r.name);
    }
  });

  it("pins the generated key on every connection to the guest, and the inventory's key elsewhere", async () => {
    const { resources } = await runLab();
    const keys = ed25519HostKey(SEED, "root@hermes");
    const toHermes = resources.filter(
      (r) =>
        r.inputs.connection &&
        reveal<{ host: string }>(r.inputs.connection).host === vm("hermes").machine.ssh!.host,
    );
    assert.ok(toHermes.length >= 5, toHermes.map((r) => r.name).join(", "));
    for (const r of toHermes) {
      assert.equal(
        reveal<{ hostKey: string }>(r.inputs.connection).hostKey,
        keys.publicKey,
        r.name,
      );
    }
    const edgeSsh = byName(resources, "command:remote:Command", "edge-ssh");
    assert.equal(
      reveal<{ hostKey: string }>(edgeSsh.inputs.connection).hostKey,
      vm("edge").machine.ssh!.hostKey,
    );
    const intent = byName(resources, "homelab:intent:Record", "hermes-intent").inputs.intent as {
      ssh: { hostKeyPinned: boolean };
    };
    assert.equal(intent.ssh.hostKeyPinned, true);
  });

  it("seeds the guest from a root-only file that joins the rendered user-data and the key", async () => {
    const { resources } = await runLab();
    const apply = await assetText(
      byName(resources, "command:remote:CopyToRemote", "hermes-domain-apply.sh").inputs.source,
    );
    assert.match(apply, /\[ -f \/etc\/homelab\/vms\/hermes\/host-keys\.cfg \] \|\| fail/);
    assert.match(
      apply,
      /\(umask 077 && cat \/etc\/homelab\/vms\/hermes\/user-data \/etc\/homelab\/vms\/hermes\/host-keys\.cfg >/,
    );
    assert.match(apply, /chmod 0600 '\/var\/lib\/libvirt\/images\/hermes-seed\.iso'\.new/);
    const edge = await assetText(
      byName(resources, "command:remote:CopyToRemote", "edge-domain-apply.sh").inputs.source,
    );
    assert.doesNotMatch(edge, /host-keys\.cfg/, "edge's key is pinned in the inventory");
    const xml = await assetText(
      byName(resources, "command:remote:CopyToRemote", "hermes-domain-domain.xml").inputs.source,
    );
    assert.match(xml, /<domain type='qemu'>/);
    assert.match(xml, /<cpu mode='maximum'\/>/);
  });

  it("removal stops, undefines and deletes the disk unless keepDisk; restart follows memory, vCPUs and NICs", async () => {
    const { resources } = await runLab();
    const removal = (n: string) => byName(resources, "command:remote:Command", `${n}-removal`);
    assert.equal(removal("hermes").inputs.create, undefined, "acts only on delete");
    assert.equal(removal("hermes").inputs.delete, vmRemovalCommand(vm("hermes"), "root").delete);
    assert.match(String(removal("hermes").inputs.delete), /virsh destroy 'hermes'/);
    assert.match(String(removal("hermes").inputs.delete), /virsh undefine 'hermes'/);
    assert.match(
      String(removal("hermes").inputs.delete),
      /rm -f '\/var\/lib\/libvirt\/images\/hermes\.qcow2'/,
    );
    assert.doesNotMatch(
      String(removal("edge").inputs.delete),
      /rm -f '\/var\/lib\/libvirt\/images\/edge\.qcow2'/,
    );
    assert.match(String(removal("edge").inputs.delete), /was kept \(keepDisk\)/);
    const restart = byName(resources, "command:remote:Command", "hermes-restart");
    assert.deepEqual(restart.inputs.triggers, [
      `memory ${vm("hermes").memoryMiB} MiB`,
      `vcpus ${vm("hermes").vcpus}`,
      ...vm("hermes").nics.map((n) => `nic ${n.mac} on ${n.bridge}`),
    ]);
    assert.equal(restart.inputs.create, vmRestartCommand(vm("hermes"), "root").create);
  });
});
