import * as assert from "node:assert/strict";
import { deployer, modelWithPlaceholders, topology } from "../../../scripts/lab";

type Topo = {
  deployer?: { segment: string; address: string; routes: { to: string; via: string }[] };
  hosts: {
    name: string;
    role?: string;
    shims?: string[];
    links: { ifname: string; segment?: string }[];
  }[];
};

describe("lab topology from the lab inventory (scripts/lab.ts)", () => {
  const lab = modelWithPlaceholders();
  const topo = topology(lab) as Topo;

  it("VMs are real guests, not lab hosts; hypervisors run libvirt and need no shims", () => {
    const names = topo.hosts.map((h) => h.name);
    assert.ok(!names.includes("proxy1"), names.join(", "));
    for (const hv of topo.hosts.filter((h) => h.role === "hypervisor")) {
      assert.equal(hv.shims, undefined, hv.name);
    }
    assert.deepEqual(
      topo.hosts.filter((h) => h.role === "hypervisor").map((h) => h.name),
      ["hv1", "hv2"],
    );
  });

  it("the deployer sits in the management zone and reaches the VMs' zone through the router", () => {
    assert.deepEqual(topo.deployer, {
      segment: "v10",
      address: "10.10.0.254/24",
      routes: [{ to: "10.30.0.0/24", via: "10.10.0.1" }],
    });
    const used = lab.machines.flatMap((m) => m.interfaces.map((i) => i.address));
    assert.ok(!used.includes("10.10.0.254"));
  });

  it("the NAS is wired into both of its zones' segments", () => {
    const nas = topo.hosts.find((h) => h.name === "nas1")!;
    assert.deepEqual(
      nas.links.map((l) => `${l.ifname}:${l.segment}`),
      ["eth0:v20", "eth1:v50"],
    );
  });

  it("a lab without VMs has no deployer leg", () => {
    const noVms = { ...lab, hypervisors: lab.hypervisors.map((h) => ({ ...h, vms: [] })) };
    assert.equal(deployer(noVms), undefined);
  });

  it("refuses a VM the lab cannot boot, saying what to do", () => {
    const hv = lab.hypervisors[0]!;
    const vm = hv.vms[0]!;
    const nixos = {
      ...lab,
      hypervisors: [
        { ...hv, vms: [{ ...vm, machine: { ...vm.machine, os: "nixos" as const } }] },
        ...lab.hypervisors.slice(1),
      ],
    };
    assert.throws(() => topology(nixos), /VM proxy1 is nixos: the lab boots Debian VMs only/);
    const ports = {
      ...lab,
      services: lab.services.map((s) =>
        s.host === "proxy1" ? { ...s, ports: [{ ...s.ports[0]!, port: 8443 }] } : s,
      ),
    };
    assert.throws(
      () => topology(ports),
      /VM proxy1 serves tcp\/8443, which the lab's guest image has no stand-in for; add the ports to STANDIN_PORTS/,
    );
  });
});
