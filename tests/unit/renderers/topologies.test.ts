/**
 * Renderers for the topologies of issue 21, by value: the forward rules and static routes of every
 * router on a flow's path (seed 004), untagged zones, and a hypervisor whose management zone is also
 * a guest zone (one layout: the management address on that zone's bridge, the trunk its port).
 */
import * as assert from "node:assert/strict";
import { renderDot, renderMermaid } from "../../../renderers/diagram";
import { renderDnsmasq } from "../../../renderers/dnsmasq";
import { routerIntent } from "../../../renderers/intents";
import {
  hypervisorNetPlan,
  renderIfupdown,
  renderNetConverge,
  routerNetPlan,
} from "../../../renderers/network";
import { renderNftables } from "../../../renderers/nftables";
import { loadInventory } from "../../../model/load";
import { homeConfig } from "../../support/program";
import { homeLab, validLab } from "../../support/labs";
import { run, withTempFile } from "../../support/tools";

const forwardRules = (text: string) =>
  text
    .split("\n")
    .filter((l) => /^\s+iifname "[^"]+" oifname/.test(l))
    .map((l) => l.trim());

describe("renderer: flows across routers (seed 004)", () => {
  const lab = validLab("cascaded-firewalls.yaml");
  const router = (name: string) => lab.routers.find((r) => r.name === name)!;

  it("renders each hop on its router, narrowed to the flow's real source and destination", () => {
    assert.deepEqual(forwardRules(renderNftables(lab, router("fw-data")).text), [
      'iifname "enp1s0" oifname "enp2s0" ip saddr 192.168.10.0/24 ip daddr 10.2.0.10 tcp dport 8080 accept comment "flow 0: dmz -> data (service app): the proxy reaches the app behind fw-data (hop 2/2)"',
      'iifname "enp2s0" oifname "enp1s0" ip saddr 10.2.0.0/24 ip daddr != { 10.2.0.0/24, 192.168.10.0/24, 10.3.0.0/24, 10.255.0.0/29 } tcp dport { 80, 443 } accept comment "flow 2: data -> wan: updates (hop 1/2)"',
      'iifname "enp2s0" oifname "enp1s0" ip saddr 10.2.0.0/24 ip daddr 192.168.10.5 tcp dport 53 accept comment "flow 3: data -> dmz (service dns): every segment resolves through the DMZ DNS (hop 1/2)"',
      'iifname "enp2s0" oifname "enp1s0" ip saddr 10.2.0.0/24 ip daddr 192.168.10.5 udp dport 53 accept comment "flow 3: data -> dmz (service dns): every segment resolves through the DMZ DNS (hop 1/2)"',
    ]);
    const edge = forwardRules(renderNftables(lab, router("edge")).text);
    assert.deepEqual(edge.slice(0, 3), [
      'iifname "enp1s0" oifname "enp2s0" ip saddr 192.168.10.0/24 ip daddr 10.2.0.10 tcp dport 8080 accept comment "flow 0: dmz -> data (service app): the proxy reaches the app behind fw-data (hop 1/2)"',
      'iifname "enp1s0" oifname "enp2s0" ip saddr 192.168.10.0/24 ip daddr 10.3.0.10 tcp dport 25565 accept comment "flow 1: dmz -> games (service minecraft): the proxy reaches the game server (hop 1/2)"',
      'iifname "enp2s0" oifname "enp3s0" ip saddr 10.2.0.0/24 tcp dport { 80, 443 } accept comment "flow 2: data -> wan: updates (hop 2/2)"',
    ]);
    // No rule lets anything into the transit zone itself, nor from it without a flow's source.
    for (const r of lab.routers) {
      for (const rule of forwardRules(renderNftables(lab, r).text)) {
        assert.match(
          rule,
          /ip saddr (192\.168\.10|10\.2\.0|10\.3\.0)\.0\/24|iifname "enp3s0"/,
          rule,
        );
      }
    }
  });

  it("publishes the flows with their real endpoints and path on every router of the path", () => {
    const flows = (name: string) =>
      routerIntent(lab, router(name)).flows.map(
        (f) => `${f.from}->${f.to} via ${f.path?.join(",")}`,
      );
    assert.deepEqual(flows("fw-data"), [
      "dmz->data via edge,fw-data",
      "data->wan via fw-data,edge",
      "data->dmz via fw-data,edge",
    ]);
    assert.deepEqual(flows("fw-games"), [
      "dmz->games via edge,fw-games",
      "games->dmz via fw-games,edge",
    ]);
    assert.equal(flows("edge").length, 5);
  });

  it("routes the zones behind the firewalls, and sends everything else up the uplink", () => {
    const edge = routerNetPlan(lab, router("edge"));
    assert.deepEqual(edge.routes, [
      { to: "10.2.0.0/24", via: "10.255.0.2", dev: "enp2s0" },
      { to: "10.3.0.0/24", via: "10.255.0.3", dev: "enp2s0" },
    ]);
    const fw = routerNetPlan(lab, router("fw-data"));
    assert.deepEqual(fw.defaultRoute, { via: "10.255.0.1", dev: "enp1s0" });
    assert.deepEqual(fw.routes, [
      { to: "192.168.10.0/24", via: "10.255.0.1", dev: "enp1s0" },
      { to: "10.3.0.0/24", via: "10.255.0.1", dev: "enp1s0" },
    ]);
    assert.deepEqual(
      fw.links.map((l) => `${l.kind} ${l.name} [${l.addresses.join(",")}] ${l.comment}`),
      [
        "ether enp2s0 [10.2.0.1/24] zone data (untagged, internal): gateway",
        "ether enp1s0 [10.255.0.2/29] zone transit (untagged, internal): uplink (next hop 10.255.0.1)",
      ],
    );
    assert.match(
      renderIfupdown(fw),
      /iface enp1s0 inet static\n {4}address 10\.255\.0\.2\/29\n {4}gateway 10\.255\.0\.1\n {4}up ip route replace 192\.168\.10\.0\/24 via 10\.255\.0\.1 dev enp1s0 proto static\n/,
    );
  });

  it("serves DHCP and DNS only in the zones it is the gateway of, never on the uplink", () => {
    const conf = renderDnsmasq(lab, router("fw-data"));
    assert.match(conf, /^interface=enp2s0$/m);
    assert.doesNotMatch(conf, /^interface=enp1s0$/m);
    assert.match(conf, /^server=10\.255\.0\.1$/m);
    const input = renderNftables(lab, router("fw-data")).text;
    assert.match(input, /iifname "enp2s0" udp dport \{ 53, 67 \} accept/);
  });

  it("converges the static routes in a real network namespace, and removes stale ones", () => {
    const plan = routerNetPlan(lab, router("fw-data"));
    const setup = [
      "set -eu",
      "for n in enp1s0 enp2s0; do ip link add $n type veth peer p$n; ip link set p$n up; done",
      "ip link set enp1s0 up; ip addr add 10.255.0.2/29 dev enp1s0",
      "ip route add 10.9.0.0/24 via 10.255.0.4 dev enp1s0 proto static", // stale
      'sh "$1"',
      'sh "$1"',
      "ip -4 route show proto static; ip -4 route show default",
    ].join("\n");
    const r = withTempFile(renderNetConverge(plan), "converge.sh", (f) =>
      run("unshare", ["--net", "sh", "-c", setup, "sh", f]),
    );
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(
      r.output
        .trim()
        .split("\n")
        .map((l) => l.trim()),
      [
        "10.3.0.0/24 via 10.255.0.1 dev enp1s0",
        "192.168.10.0/24 via 10.255.0.1 dev enp1s0",
        "default via 10.255.0.1 dev enp1s0",
      ],
    );
  });

  it("loads every router's ruleset with the real nft (nft -c)", function () {
    if (run("sh", ["-c", "command -v nft"]).status !== 0) this.skip();
    for (const r of lab.routers) {
      const res = withTempFile(renderNftables(lab, r).text, "nftables.conf", (f) =>
        run("unshare", ["--net", "nft", "-c", "-f", f]),
      );
      assert.equal(res.status, 0, `${r.name}: ${res.output}`);
    }
  });
});

describe("renderer: untagged zones and a bridged management zone", () => {
  it("draws untagged zones and a router without a trunk as they are (no 'VLAN undefined')", () => {
    const lab = validLab("flat-home-lan.yaml");
    const mermaid = renderMermaid(lab);
    assert.ok(mermaid.includes('  r_room{{"router room"}}'), mermaid);
    assert.ok(mermaid.includes('subgraph z_home["home · untagged · 10.0.0.0/24 · internal"]'));
    assert.ok(mermaid.includes('m_nas["nas<br/>10.0.0.20<br/>(unmanaged)<br/>files"]'));
    const dot = renderDot(lab);
    assert.ok(dot.includes('label="lab (dmz)\nuntagged · 10.0.1.0/24"'), dot);
    assert.ok(dot.includes('dnsmasq: DHCP, home.arpa", shape=hexagon'), dot);
    assert.doesNotMatch(mermaid + dot, /undefined/);
  });

  it("gives an untagged guest zone a bridge on its own NIC", () => {
    const lab = homeLab([
      {
        set: "homelab:zones.iot",
        value: { trust: "dmz", cidr: "10.0.60.0/24", gateway: "10.0.60.1" },
      },
      { set: "homelab:routers.gw1.zones[4]", value: "iot" },
      { set: "homelab:routers.gw1.interfaces", value: { iot: "eno2" } },
      { set: "homelab:hypervisors.atlas.bridges[2]", value: { zone: "iot", interface: "enp4s0" } },
    ]);
    const h = lab.hypervisors.find((x) => x.name === "atlas")!;
    const links = hypervisorNetPlan(h).links.map(
      (l) =>
        `${l.kind} ${l.name}${l.master ? ` master=${l.master}` : ""} [${l.addresses.join(",")}] ${l.comment}`,
    );
    assert.deepEqual(
      links.filter((l) => l.includes("iot")),
      [
        "ether enp4s0 master=br-iot [] zone iot (untagged, its own NIC): bridge port, no address",
        "bridge br-iot [] zone iot: guest bridge, the hypervisor has no address here",
      ],
    );
    const gw = routerNetPlan(lab, lab.routers[0]!);
    assert.deepEqual(
      gw.links.find((l) => l.name === "eno2"),
      {
        name: "eno2",
        kind: "ether",
        parent: undefined,
        vlanId: undefined,
        addresses: ["10.0.60.1/24"],
        dhcp: false,
        disableIpv6: true,
        comment: "zone iot (untagged, dmz): gateway",
      },
    );
  });

  it("puts the management address on the management zone's bridge, with the trunk as its port", () => {
    const lab = homeLab([
      { set: "homelab:hypervisors.atlas.bridges[2]", value: { zone: "hypervisors" } },
    ]);
    const h = lab.hypervisors.find((x) => x.name === "atlas")!;
    const plan = hypervisorNetPlan(h);
    assert.deepEqual(
      plan.links.map(
        (l) =>
          `${l.kind} ${l.name}${l.master ? ` master=${l.master}` : ""} [${l.addresses.join(",")}] v6=${!l.disableIpv6}: ${l.comment}`,
      ),
      [
        "ether enp3s0 master=br-hypervisors [] v6=false: trunk; its untagged traffic (management zone hypervisors) is a port of br-hypervisors",
        "vlan enp3s0.20 master=br-internal [] v6=false: zone internal (VLAN 20): bridge port, no address",
        "bridge br-internal [] v6=false: zone internal: guest bridge, the hypervisor has no address here",
        "vlan enp3s0.30 master=br-dmz [] v6=false: zone dmz (VLAN 30): bridge port, no address",
        "bridge br-dmz [] v6=false: zone dmz: guest bridge, the hypervisor has no address here",
        "bridge br-hypervisors [192.168.40.2/24] v6=true: zone hypervisors: guest bridge holding the hypervisor's management address (port: the trunk's untagged traffic)",
      ],
    );
    assert.deepEqual(plan.defaultRoute, { via: "192.168.40.1", dev: "br-hypervisors" });
    assert.match(
      renderIfupdown(plan),
      /iface br-hypervisors inet static\n {4}address 192\.168\.40\.2\/24\n {4}gateway 192\.168\.40\.1\n {4}bridge_ports enp3s0\n/,
    );
    assert.deepEqual(
      h.machine.interfaces.map((i) => `${i.zone}=${i.name}`),
      ["hypervisors=br-hypervisors"],
    );
  });

  it("rejects a second address or a NIC on the management zone's bridge, with the reason", () => {
    const issues = loadInventory(
      homeConfig([
        {
          set: "homelab:hypervisors.atlas.bridges[2]",
          value: { zone: "hypervisors", address: "192.168.40.9", interface: "eno9" },
        },
      ]),
    ).issues.map((i) => `${i.path}: ${i.message}`);
    assert.deepEqual(issues, [
      'homelab:hypervisors.atlas.bridges[2].interface: "eno9" is given for the management zone hypervisors, whose traffic arrives untagged on the trunk enp3s0; expected none (the trunk is this bridge\'s port and the management address moves onto the bridge). Remove interface.',
      'homelab:hypervisors.atlas.bridges[2].address: "192.168.40.9" is a second address in the management zone hypervisors; expected none: the management address 192.168.40.2 is already on this bridge. Remove address.',
    ]);
  });
});
