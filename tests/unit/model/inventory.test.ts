import * as assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import {
  formatIssues,
  InventoryError,
  loadInventory,
  loadInventoryOrThrow,
} from "../../../model/load";
import { corpus, FIXTURES } from "../../support/corpus";
import { applyPatch, PatchOp } from "../../support/patch";
import { homeLab } from "../../support/labs";
import { readStackConfig } from "../../support/stack";

const issueLines = (raw: Record<string, unknown>) =>
  loadInventory(raw).issues.map((i) => `${i.path}: ${i.message}`);

describe("inventory: the home example", () => {
  it("loads without problems", () => {
    assert.deepEqual(issueLines(readStackConfig("Pulumi.home.yaml")), []);
  });

  it("describes what the seeds describe", () => {
    const lab = loadInventoryOrThrow(readStackConfig("Pulumi.home.yaml"));
    assert.deepEqual(
      lab.zones.map((z) => `${z.name}:${z.trust}:${z.vlan ?? "-"}`),
      [
        "dmz:dmz:30",
        "hypervisors:hypervisor:40",
        "internal:internal:20",
        "mgmt:management:10",
        "wan:wan:-",
      ],
    );
    assert.deepEqual(
      lab.hypervisors.map((h) => `${h.name}:${h.vms.map((v) => v.name).join(",")}`),
      [
        "atlas:edge,hermes,talos-cp1,talos-w1",
        "jefke:talos-cp3,talos-w3",
        "lewis:infra1,talos-cp2,talos-w2",
      ],
    );
    assert.equal(lab.talos?.controlPlanes.length, 3);
    assert.equal(lab.talos?.workers.length, 3);
    assert.equal(lab.talos?.endpoint, "https://10.0.20.10:6443");
    // Seed 003: a DMZ bridge on the trunk's VLAN 30 sub-interface, no hypervisor address in it.
    assert.deepEqual(lab.hypervisors[0]!.bridges, [
      {
        zone: "internal",
        vlan: 20,
        name: "br-internal",
        vlanInterface: "enp3s0.20",
        address: undefined,
      },
      { zone: "dmz", vlan: 30, name: "br-dmz", vlanInterface: "enp3s0.30", address: undefined },
    ]);
    assert.deepEqual(
      lab.hypervisors[0]!.machine.interfaces.map((i) => `${i.name}=${i.cidrAddress}`),
      ["enp3s0=192.168.40.2/24"],
    );
    // Seed 000: clients use nfs1, whoever serves it.
    assert.deepEqual(
      lab.dnsRecords.filter((r) => /^(nfs1|www|ns1)\./.test(r.name)),
      [
        { name: "nfs1.home.arpa", address: "10.0.20.5" },
        { name: "ns1.home.arpa", address: "192.168.30.7" },
        { name: "www.home.arpa", address: "10.0.20.50" },
      ],
    );
    const website = lab.services.find((s) => s.name === "website")!;
    assert.deepEqual(website.exposure, {
      kind: "proxy",
      hostname: "www.example.com",
      proxied: true,
      entryService: "proxy",
      recordAddress: "198.51.100.23",
    });
    assert.deepEqual(lab.routers[0]!.portForwards, [
      {
        protocol: "tcp",
        publicPort: 80,
        service: "proxy",
        targetAddress: "192.168.30.8",
        targetPort: 80,
        targetZone: "dmz",
      },
      {
        protocol: "tcp",
        publicPort: 443,
        service: "proxy",
        targetAddress: "192.168.30.8",
        targetPort: 443,
        targetZone: "dmz",
      },
    ]);
    const proxyFlow = lab.flows.find((f) => f.toService === "website")!;
    assert.deepEqual(proxyFlow.ports, [{ protocol: "tcp", from: 80, to: 80 }]);
    assert.deepEqual(proxyFlow.toAddresses, ["10.0.20.50"]);
  });

  it("applies key-only sshd defaults and pins every SSH host's key", () => {
    const lab = loadInventoryOrThrow(readStackConfig("Pulumi.home.yaml"));
    const ssh = lab.machines.filter((m) => m.ssh);
    assert.deepEqual(
      ssh.map((m) => m.name),
      ["atlas", "edge", "gw1", "hermes", "infra1", "iris", "jefke", "lewis"],
    );
    for (const m of ssh) {
      assert.match(m.ssh!.hostKey ?? "", /^ssh-ed25519 AAAA/);
      assert.equal(m.ssh!.sshd.passwordAuthentication, false, m.name);
      assert.equal(m.ssh!.sshd.kbdInteractiveAuthentication, false, m.name);
      assert.equal(m.ssh!.sshd.permitRootLogin, "prohibit-password", m.name);
    }
    assert.equal(lab.machines.find((m) => m.name === "talos-cp1")!.ssh, undefined);
  });

  it("derives stable MACs for VM NICs without one", () => {
    const a = loadInventoryOrThrow(readStackConfig("Pulumi.home.yaml"));
    const b = loadInventoryOrThrow(readStackConfig("Pulumi.home.yaml"));
    const mac = (lab: typeof a) =>
      lab.machines.find((m) => m.name === "talos-w1")!.interfaces[0]!.mac;
    assert.match(mac(a)!, /^52:54:00(:[0-9a-f]{2}){3}$/);
    assert.equal(mac(a), mac(b));
  });
});

describe("inventory: invalid corpus (one fault each, exact errors)", () => {
  const cases = corpus("invalid");
  it("has at least 15 cases, each with expectations", () => {
    assert.ok(cases.length >= 15, `only ${cases.length} cases`);
    for (const c of cases) assert.ok(c.expect.length > 0, `${c.file} has no expectations`);
  });
  for (const c of cases) {
    it(`${c.file}: ${c.title}`, () => {
      assert.deepEqual(issueLines(c.raw), c.expect);
      assert.equal(loadInventory(c.raw).lab, undefined);
    });
  }
});

describe("inventory: valid variants", () => {
  const dir = path.join(FIXTURES, "valid");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  it("covers single node, no Talos, no public services, empty sections, a non-Talos port 50000, and the seeds' topologies", () => {
    assert.deepEqual(files, [
      "cascaded-firewalls.yaml",
      "empty-collections.yaml",
      "flat-home-lan.yaml",
      "no-public.yaml",
      "no-talos.yaml",
      "service-on-talos-port.yaml",
      "single-node.yaml",
    ]);
  });
  for (const f of files) {
    it(`${f} loads`, () => {
      assert.deepEqual(issueLines(readStackConfig(path.join(dir, f))), []);
    });
  }
  it("no-public.yaml exposes nothing", () => {
    const lab = loadInventoryOrThrow(readStackConfig(path.join(dir, "no-public.yaml")));
    assert.deepEqual(
      lab.routers.flatMap((r) => r.portForwards),
      [],
    );
    assert.deepEqual(
      lab.services.filter((s) => s.exposure.kind !== "internal"),
      [],
    );
    assert.equal(lab.cloudflare, undefined);
  });
  it("empty-collections.yaml: sections left empty mean none, as absent ones do", () => {
    const lab = loadInventoryOrThrow(readStackConfig(path.join(dir, "empty-collections.yaml")));
    assert.deepEqual(
      [lab.flows, lab.hypervisors, lab.services].map((x) => x.length),
      [0, 0, 0],
    );
    assert.deepEqual(
      lab.machines.map((m) => m.name),
      ["pi", "rt"],
    );
    // The engine passes a key left empty as "" (checked with pulumi 3.259): the same result.
    const viaEngine = {
      ...readStackConfig(path.join(dir, "empty-collections.yaml")),
      "homelab:flows": "",
      "homelab:hypervisors": "",
      "homelab:services": "",
    };
    assert.deepEqual(loadInventoryOrThrow(viaEngine), lab);
  });
  it("single-node.yaml is one Talos control plane that also schedules workloads", () => {
    const lab = loadInventoryOrThrow(readStackConfig(path.join(dir, "single-node.yaml")));
    assert.deepEqual(
      lab.talos?.controlPlanes.map((m) => m.name),
      ["k8s"],
    );
    assert.equal(lab.talos?.allowSchedulingOnControlPlanes, true);
    assert.equal(lab.talos?.kubernetesVersion, "v1.34.1");
    assert.equal(lab.hypervisors.length, 0);
  });
});

describe("inventory: insecure but well-formed inventories load (policy judges them)", () => {
  for (const c of corpus("insecure")) {
    it(`${c.file}: ${c.title}`, () => {
      assert.deepEqual(issueLines(c.raw), []);
    });
  }
});

describe("inventory: all problems at once", () => {
  it("reports faults from different sections together, and no lab", () => {
    const raw = applyPatch(readStackConfig("Pulumi.home.yaml"), [
      { set: "homelab:zones.dmz.vlan", value: 40 },
      { set: "homelab:hosts.iris.nics[0].zone", value: "office" },
      { set: "homelab:talos.kubernetesVersion", value: "stable" },
      { set: "homelab:services.status.runsOn.host", value: "pi2" },
    ]);
    const result = loadInventory(raw);
    assert.equal(result.lab, undefined);
    assert.deepEqual(
      result.issues.map((i) => i.path),
      [
        "homelab:talos.kubernetesVersion",
        "homelab:zones.hypervisors.vlan",
        "homelab:hosts.iris.nics[0].zone",
        "homelab:services.status.runsOn.host",
      ],
    );
  });

  it("throws an InventoryError whose message lists every problem", () => {
    const raw = applyPatch(readStackConfig("Pulumi.home.yaml"), [
      { set: "homelab:zones.dmz.vlan", value: 40 },
      { delete: "homelab:domain" },
    ]);
    assert.throws(
      () => loadInventoryOrThrow(raw),
      (e: unknown) => {
        assert.ok(e instanceof InventoryError);
        assert.equal(e.issues.length, 2);
        assert.equal(e.message, formatIssues(e.issues));
        assert.match(
          e.message,
          /^The homelab inventory has 2 problems; nothing was registered or applied\.\n {2}- homelab:domain: /,
        );
        return true;
      },
    );
  });

  it("ignores keys of other namespaces", () => {
    const raw = {
      ...readStackConfig("Pulumi.home.yaml"),
      "cloudflare:apiToken": "x",
      "aws:region": "y",
    };
    assert.deepEqual(issueLines(raw), []);
  });
});

describe("inventory: hypervisor domain type, VM host keys and disks", () => {
  const problems = (patch: PatchOp[]) => {
    try {
      homeLab(patch);
      return [];
    } catch (e) {
      return (e as Error).message.split("\n").slice(1);
    }
  };

  it("defaults: kvm domains, disks removed with their VM", () => {
    const lab = homeLab();
    assert.deepEqual(
      lab.hypervisors.map((h) => h.domainType),
      lab.hypervisors.map(() => "kvm"),
    );
    assert.ok(lab.hypervisors.flatMap((h) => h.vms).every((v) => v.keepDisk === false));
    const lab2 = homeLab([
      { set: "homelab:hypervisors.atlas.domainType", value: "qemu" },
      { set: "homelab:hypervisors.atlas.vms.hermes.keepDisk", value: true },
    ]);
    const atlas = lab2.hypervisors.find((h) => h.name === "atlas")!;
    assert.equal(atlas.domainType, "qemu");
    assert.equal(atlas.vms.find((v) => v.name === "hermes")!.keepDisk, true);
  });

  it("rejects an unknown domain type, naming the path and the choices", () => {
    const p = problems([{ set: "homelab:hypervisors.atlas.domainType", value: "xen" }]);
    assert.equal(
      p[0],
      '  - homelab:hypervisors.atlas.domainType: "xen" is not allowed; expected one of kvm, qemu. Use one of those.',
    );
  });

  it("a Debian VM may leave its host key to the program; a NixOS VM or a host may not", () => {
    const lab = homeLab([{ delete: "homelab:hypervisors.atlas.vms.hermes.ssh.hostKey" }]);
    const hermes = lab.machines.find((m) => m.name === "hermes")!;
    assert.equal(hermes.os, "debian");
    assert.equal(hermes.ssh!.hostKey, undefined);
    assert.equal(hermes.ssh!.host, hermes.interfaces[0]!.address);
    const nixos = problems([{ delete: "homelab:hypervisors.lewis.vms.infra1.ssh.hostKey" }]);
    assert.equal(nixos.length, 1, nixos.join("\n"));
    assert.match(
      nixos[0]!,
      /homelab:hypervisors\.lewis\.vms\.infra1\.ssh\.hostKey: \(missing\) is required for a nixos VM; .*only Debian VMs get one generated/,
    );
    const host = problems([{ delete: "homelab:hosts.iris.ssh.hostKey" }]);
    assert.equal(host.length, 1, host.join("\n"));
    assert.match(host[0]!, /homelab:hosts\.iris\.ssh\.hostKey: \(missing\) is required/);
  });
});

describe("inventory: NixOS release and system.stateVersion", () => {
  const infra1 = (patch: PatchOp[] = []) =>
    homeLab(patch).machines.find((m) => m.name === "infra1")!.nixos!;
  const at = "homelab:hypervisors.lewis.vms.infra1.nixos";

  it("stateVersion defaults to release (a new machine)", () => {
    assert.deepEqual([infra1().release, infra1().stateVersion], ["25.05", "25.05"]);
  });

  it("an upgrade changes release only; the given stateVersion is kept", () => {
    const n = infra1([
      { set: `${at}.release`, value: "25.11" },
      { set: `${at}.stateVersion`, value: "25.05" },
    ]);
    assert.deepEqual([n.release, n.stateVersion], ["25.11", "25.05"]);
  });

  it("rejects a stateVersion newer than release, naming the path and the fix", () => {
    assert.throws(
      () => homeLab([{ set: `${at}.stateVersion`, value: "25.11" }]),
      (e: Error) => {
        assert.match(
          e.message,
          /homelab:hypervisors\.lewis\.vms\.infra1\.nixos\.stateVersion: "25\.11" is newer than release "25\.05"; expected the release infra1 was first installed with, at most release\. Set stateVersion to that release/,
        );
        return true;
      },
    );
  });

  it("rejects a stateVersion that is not a release number", () => {
    assert.throws(
      () => homeLab([{ set: `${at}.stateVersion`, value: "unstable" }]),
      /homelab:hypervisors\.lewis\.vms\.infra1\.nixos\.stateVersion: "unstable" is not a NixOS release number/,
    );
  });
});
