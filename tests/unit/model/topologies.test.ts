/**
 * Topologies real labs have (issue 21): flows across routers joined by uplinks (seed 004's cascaded
 * firewalls), untagged zones on NICs of their own, and unmanaged devices (seeds 001-004). Every
 * declared flow is either given a path through every router on its way or rejected naming the flow.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { loadInventory } from "../../../model/load";
import { FIXTURES } from "../../support/corpus";
import { applyPatch, PatchOp } from "../../support/patch";
import { readStackConfig } from "../../support/stack";
import { validLab } from "../../support/labs";

const problems = (file: string, patch: PatchOp[]) =>
  loadInventory(applyPatch(readStackConfig(path.join(FIXTURES, "valid", file)), patch)).issues.map(
    (i) => `${i.path}: ${i.message}`,
  );
const CASCADE = "cascaded-firewalls.yaml";
const FLAT = "flat-home-lan.yaml";

describe("topologies: flows across routers (seed 004)", () => {
  it("gives every flow the routers it crosses, each with the zones it enters and leaves by", () => {
    const lab = validLab(CASCADE);
    const path = (from: string, to: string) =>
      lab.flows
        .find((f) => f.from === from && f.to === to)!
        .path.map((h) => `${h.router}:${h.in}>${h.out}`);
    assert.deepEqual(path("dmz", "data"), ["edge:dmz>transit", "fw-data:transit>data"]);
    assert.deepEqual(path("data", "wan"), ["fw-data:data>transit", "edge:transit>wan"]);
    assert.deepEqual(path("games", "dmz"), ["fw-games:games>transit", "edge:transit>dmz"]);
  });

  it("links a firewall to its parent: uplink address, next hop, and the parent's DNS by default", () => {
    const fw = validLab(CASCADE).routers.find((r) => r.name === "fw-data")!;
    assert.deepEqual(fw.uplink, {
      zone: "transit",
      address: "10.255.0.2",
      interface: "enp1s0",
      gateway: "10.255.0.1",
    });
    assert.deepEqual(fw.dnsUpstreams, ["10.255.0.1"]);
    assert.deepEqual(
      fw.machine.interfaces.map((i) => `${i.zone}=${i.name}:${i.cidrAddress}`),
      ["data=enp2s0:10.2.0.1/24", "transit=enp1s0:10.255.0.2/29"],
    );
  });

  it("rejects a flow between routers no uplink joins, naming the flow and why", () => {
    const unlinked: PatchOp[] = [
      { delete: "homelab:routers.fw-data.uplink" },
      { delete: "homelab:routers.fw-data.interfaces.transit" },
    ];
    assert.deepEqual(problems(CASCADE, unlinked), [
      "homelab:flows[0]: dmz -> data cannot be implemented: zone data (router fw-data) cannot be reached from router edge: no chain of uplinks joins them; expected a flow every router on its way can enforce. Link the routers with an uplink (homelab:routers.<name>.uplink) in a transit zone only routers use, or remove the flow.",
      "homelab:flows[2]: data -> wan cannot be implemented: no router on the way from zone data has a wan (the walk ends at router fw-data, which has neither wan nor uplink); expected a flow every router on its way can enforce. Link the routers with an uplink (homelab:routers.<name>.uplink) in a transit zone only routers use, or remove the flow.",
      "homelab:flows[3]: data -> dmz cannot be implemented: zone dmz (router edge) cannot be reached from router fw-data: no chain of uplinks joins them; expected a flow every router on its way can enforce. Link the routers with an uplink (homelab:routers.<name>.uplink) in a transit zone only routers use, or remove the flow.",
    ]);
  });

  it("rejects a flow whose replies would bypass a router (an uplink in a zone with hosts)", () => {
    // fw-data's uplink in the DMZ itself: the proxy's packets go dmz -> edge -> back into the dmz ->
    // fw-data, but fw-data answers the proxy directly: edge never sees the replies.
    const issues = problems(CASCADE, [
      { set: "homelab:routers.fw-data.uplink", value: { zone: "dmz", address: "192.168.10.2" } },
      { set: "homelab:routers.fw-data.interfaces", value: { dmz: "enp1s0", data: "enp2s0" } },
    ]);
    assert.deepEqual(issues, [
      "homelab:flows[0]: dmz -> data cannot be implemented: it would cross routers edge, fw-data but the replies would come back through fw-data, and stateful firewalls drop replies to connections they never saw; expected a flow every router on its way can enforce. Link the routers with an uplink (homelab:routers.<name>.uplink) in a transit zone only routers use, or remove the flow.",
      "homelab:flows[3]: data -> dmz cannot be implemented: it would cross router fw-data but the replies would come back through edge, fw-data, and stateful firewalls drop replies to connections they never saw; expected a flow every router on its way can enforce. Link the routers with an uplink (homelab:routers.<name>.uplink) in a transit zone only routers use, or remove the flow.",
    ]);
  });

  it("checks uplinks: another router's zone, an address there, no loop", () => {
    assert.deepEqual(
      problems(CASCADE, [
        { set: "homelab:routers.fw-games.uplink", value: { zone: "games", address: "10.3.0.2" } },
      ]),
      [
        'homelab:routers.fw-games.uplink.zone: "games" is one of this router\'s own zones; expected a zone another router serves (the upstream hop). Pick the zone that links this router to its parent.',
        'homelab:routers.fw-games.interfaces.transit: "transit" is not a zone of this router (neither in zones nor its uplink); expected one of games. Remove the entry or add the zone.',
      ],
    );
    assert.deepEqual(
      problems(CASCADE, [{ set: "homelab:routers.fw-games.uplink.address", value: "10.255.0.2" }]),
      [
        'homelab:routers.fw-games.uplink.address: "10.255.0.2" is already used by router fw-data (uplink) (homelab:routers.fw-data.uplink.address); expected a unique address. Pick a free address.',
      ],
    );
    const loop = problems(CASCADE, [
      { set: "homelab:routers.edge.uplink", value: { zone: "data", address: "10.2.0.3" } },
      { set: "homelab:routers.edge.interfaces.data", value: "enp4s0" },
    ]).filter((p) => p.includes("loop"));
    assert.deepEqual(loop, [
      'homelab:routers.edge.uplink.zone: "data" makes a loop of uplinks (edge -> fw-data -> edge); expected routers in a tree, each with at most one upstream router. Remove the uplink of one of them.',
      'homelab:routers.fw-data.uplink.zone: "transit" makes a loop of uplinks (fw-data -> edge -> fw-data); expected routers in a tree, each with at most one upstream router. Remove the uplink of one of them.',
    ]);
  });

  it("rejects a port-forward to a zone another router serves (the DNAT could not deliver it)", () => {
    assert.deepEqual(
      problems(CASCADE, [
        {
          set: "homelab:routers.edge.portForwards[1]",
          value: { publicPort: 25565, service: "minecraft" },
        },
      ]),
      [
        'homelab:routers.edge.portForwards[1].service: "minecraft" is reached in zone games, which this router does not route; expected a service in one of dmz, transit. Forward from the router of zone games, or run the service in one of this router\'s zones.',
      ],
    );
  });
});

describe("topologies: untagged zones (seeds 001, 002, 004)", () => {
  it("puts each untagged zone on its NIC, and a tagged one on <trunk>.<vlan>", () => {
    const lab = validLab(FLAT, [
      {
        set: "homelab:zones.iot",
        value: { trust: "dmz", vlan: 60, cidr: "10.0.6.0/24", gateway: "10.0.6.1" },
      },
      { set: "homelab:routers.room.zones[2]", value: "iot" },
      { set: "homelab:routers.room.trunk", value: "eth1" },
    ]);
    assert.deepEqual(
      lab.routers[0]!.machine.interfaces.map((i) => `${i.zone}=${i.name}`),
      ["home=eth1", "iot=eth1.60", "lab=eth2"],
    );
  });

  it("asks for the NIC of an untagged zone, and for a trunk when a zone is tagged", () => {
    assert.deepEqual(problems(FLAT, [{ delete: "homelab:routers.room.interfaces.lab" }]), [
      "homelab:routers.room.interfaces.lab: (missing) is required: zone lab is untagged (no vlan); expected the NIC that carries it. Add interfaces: { lab: <nic> }, or give the zone a VLAN id.",
    ]);
    assert.deepEqual(problems(FLAT, [{ set: "homelab:zones.lab.vlan", value: 20 }]), [
      'homelab:routers.room.interfaces.lab: "eth2" is given, but zone lab is tagged (VLAN 20): its interface is <trunk>.20; expected interfaces only for untagged zones. Remove interfaces.lab, or drop the zone\'s vlan if it is a LAN of its own.',
    ]);
    assert.deepEqual(
      problems(FLAT, [
        { set: "homelab:zones.lab.vlan", value: 20 },
        { delete: "homelab:routers.room.interfaces.lab" },
      ]),
      [
        "homelab:routers.room.trunk: (missing) is required: zone lab has VLAN 20 (its interface is <trunk>.20); expected the NIC carrying the VLANs. Add trunk, e.g. trunk: eth1.",
      ],
    );
    assert.deepEqual(
      problems(FLAT, [{ set: "homelab:routers.room.interfaces.lab", value: "eth0" }]),
      [
        'homelab:routers.room.interfaces.lab: "eth0" already carries the wan; expected one NIC per untagged zone (a NIC carries one untagged LAN, plus VLANs when it is the trunk). Use another NIC.',
      ],
    );
  });
});

describe("topologies: unmanaged devices (seeds 001-004)", () => {
  it("names, leases and routes to devices, and never gives them SSH", () => {
    const lab = validLab(FLAT);
    assert.deepEqual(
      lab.devices.map(
        (d) =>
          `${d.name}:${d.kind}:${d.os}:${d.interfaces[0]!.address}:${d.ssh ? "ssh" : "no-ssh"}`,
      ),
      [
        "banana:device:none:10.0.0.50:no-ssh",
        "house-router:device:none:192.168.1.1:no-ssh",
        "nas:device:none:10.0.0.20:no-ssh",
        "printer:device:none:10.0.1.30:no-ssh",
      ],
    );
    assert.equal(lab.devices.find((d) => d.name === "banana")!.alwaysOn, false);
    assert.deepEqual(lab.services.find((s) => s.name === "files")!.addresses, ["10.0.0.20"]);
    assert.deepEqual(
      lab.routers[0]!.staticLeases.map((l) => l.hostname),
      ["nas", "banana", "printer"],
    );
    assert.deepEqual(lab.flows[2]!.toAddresses, ["10.0.0.20"]);
    assert.ok(lab.dnsRecords.some((r) => r.name === "nfs1.home.arpa" && r.address === "10.0.0.20"));
  });

  it("claims device addresses and MACs like any machine's", () => {
    assert.deepEqual(
      problems(FLAT, [{ set: "homelab:devices.printer.nics[0].address", value: "10.0.1.10" }]),
      [
        'homelab:devices.printer.nics[0].address: "10.0.1.10" is already used by host k3s (homelab:hosts.k3s.nics[0].address); expected a unique address. Pick a free address.',
      ],
    );
    assert.deepEqual(
      problems(FLAT, [{ set: "homelab:devices.printer.nics[0].mac", value: "00:11:32:aa:bb:cc" }]),
      [
        'homelab:devices.printer.nics[0].mac: "00:11:32:aa:bb:cc" is already used by device nas (homelab:devices.nas.nics[0].mac); expected a unique MAC address. Change one of them (KVM guests use 52:54:00:xx:xx:xx).',
      ],
    );
  });
});

describe("topologies: LoadBalancer addresses on Talos", () => {
  const home = (patch: PatchOp[]) =>
    loadInventory(applyPatch(readStackConfig("Pulumi.home.yaml"), patch)).issues.map(
      (i) => `${i.path}: ${i.message}`,
    );

  it("keeps each loadBalancerIP inside the pool", () => {
    assert.deepEqual(
      home([
        { set: "homelab:services.website.runsOn.kubernetes.loadBalancerIP", value: "10.0.20.60" },
      ]),
      [
        'homelab:services.website.runsOn.kubernetes.loadBalancerIP: "10.0.20.60" is outside homelab:talos.loadBalancerPool 10.0.20.50-10.0.20.59; expected an address of the pool. Pick one in 10.0.20.50-10.0.20.59 or widen the pool.',
      ],
    );
  });

  it("keeps the pool in the cluster's zone, free of static addresses and DHCP pools", () => {
    assert.deepEqual(home([{ set: "homelab:talos.loadBalancerPool.end", value: "10.0.21.9" }]), [
      'homelab:talos.loadBalancerPool.end: "10.0.21.9" is outside zone internal (10.0.20.0/24); expected an address in 10.0.20.0/24. Move the pool into the zone\'s network.',
    ]);
    assert.deepEqual(home([{ set: "homelab:talos.vip", value: "10.0.20.51" }]), [
      'homelab:talos.vip: "10.0.20.51" lies in the Talos LoadBalancer pool 10.0.20.50-10.0.20.59 of homelab:talos.loadBalancerPool; expected a static address outside the pool. Pick an address outside the pool or shrink the pool.',
    ]);
    assert.deepEqual(home([{ set: "homelab:talos.loadBalancerPool.end", value: "10.0.20.120" }]), [
      "homelab:talos.loadBalancerPool: 10.0.20.50-10.0.20.120 overlaps the DHCP pool 10.0.20.100-10.0.20.199 of homelab:routers.gw1.dhcp[1]; expected pools that share no address. Shrink one of them.",
    ]);
  });

  it("refuses a LoadBalancer service without a pool: nothing would answer for its address", () => {
    assert.deepEqual(home([{ delete: "homelab:talos.loadBalancerPool" }]), [
      'homelab:services.website.runsOn.kubernetes.serviceType: "LoadBalancer" needs homelab:talos.loadBalancerPool; expected a pool of free addresses in the cluster\'s zone (kube-vip announces them; without it nothing answers for 10.0.20.50 on bare metal). Add loadBalancerPool: { start, end }.',
    ]);
  });

  it("keeps other static addresses out of the pool (reported at the static address)", () => {
    assert.deepEqual(
      home([
        { set: "homelab:hosts.iris.nics[0]", value: { zone: "internal", address: "10.0.20.55" } },
      ]),
      [
        'homelab:hosts.iris.nics[0].address: "10.0.20.55" lies in the Talos LoadBalancer pool 10.0.20.50-10.0.20.59 of homelab:talos.loadBalancerPool; expected a static address outside the pool. Pick an address outside the pool or shrink the pool.',
      ],
    );
  });
});
