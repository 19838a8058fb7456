/**
 * Layouts the captured fixtures do not show, from facts written directly: a hypervisor whose
 * management address sits on a bridge, an untagged guest bridge without an address, the management
 * address on a VLAN sub-interface (which the product would move), and the kind guessed.
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import type { Facts, Link } from "../../../scripts/discover/facts";
import { classify } from "../../../scripts/discover/layout";
import { FILL, renderSnippet } from "../../../scripts/discover/snippet";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJBFrJ7HpPIFcMe6YdJ73xGJGokEdekaI8ev7JJAPibB";
const nic = (name: string, over: Partial<Link> = {}): Link => ({
  name,
  mac: "1c:69:7a:0a:1b:2c",
  loopback: false,
  ...over,
});

function hypervisor(over: Partial<Facts>): Facts {
  return {
    hostname: "lewis",
    os: { id: "debian", like: [], version: "12" },
    links: [],
    addresses: [],
    defaultRoute: { gateway: "192.168.40.1", dev: "br0" },
    ipForward: true,
    listening: [],
    domains: ["infra1"],
    forwardChains: [],
    units: new Map([["libvirtd", "active"]]),
    missing: [],
    failed: [],
    ...over,
  };
}
const render = (f: Facts, address: string) =>
  renderSnippet(f, {
    user: "root",
    address,
    port: 22,
    hostKey: KEY,
    fingerprint: "SHA256:G5bPczXUX6jHOXDOoQ522BQaaEs6kAqkCeUXfTV3LtQ",
    confirmed: true,
  });

describe("discover: layouts", () => {
  it("a management address on a bridge: that bridge is the management zone's, its port the trunk", () => {
    const f = hypervisor({
      links: [
        nic("eno1", { master: "br0" }),
        nic("eno2", { master: "br1" }),
        nic("br0", { kind: "bridge" }),
        nic("br1", { kind: "bridge" }),
      ],
      addresses: [{ ifname: "br0", address: "192.168.40.3", prefix: 24, dynamic: false }],
    });
    const text = render(f, "192.168.40.3");
    const s = parse(text) as Record<string, Record<string, unknown>>;
    assert.deepEqual(s["homelab:hypervisors"]!.lewis, {
      zone: "net-192-168-40-0-24",
      address: "192.168.40.3",
      trunk: "eno1",
      bridges: [{ zone: "net-192-168-40-0-24" }, { zone: FILL, interface: "eno2" }],
      ssh: { hostKey: KEY, observeOnly: true },
    });
    assert.match(
      text,
      /- \{ zone: FILL-IN, interface: eno2 \} # FILL IN: the zone of this untagged bridge; live br1, ports eno2/,
    );
    assert.match(text, /# sshd -T could not run: the live sshd settings are unknown\./);
    assert.doesNotMatch(text, /WARNING/);
  });

  it("warns when the management address is on a VLAN sub-interface", () => {
    const f = hypervisor({
      links: [
        nic("enp3s0"),
        nic("enp3s0.40", { kind: "vlan", vlan: { id: 40, parent: "enp3s0" } }),
      ],
      addresses: [{ ifname: "enp3s0.40", address: "192.168.40.3", prefix: 24, dynamic: false }],
      defaultRoute: { gateway: "192.168.40.1", dev: "enp3s0.40" },
    });
    const text = render(f, "192.168.40.3");
    assert.match(
      text,
      /# WARNING: the management address is on enp3s0\.40 \(VLAN 40\); the product puts it untagged on the trunk/,
    );
    const s = parse(text) as Record<string, Record<string, Record<string, unknown>>>;
    assert.equal(s["homelab:hypervisors"]!.lewis!.trunk, "enp3s0");
    assert.equal(s["homelab:hypervisors"]!.lewis!.zone, "vlan40");
  });

  it("guesses the kind from what runs", () => {
    const base = hypervisor({ domains: undefined, units: new Map() });
    assert.equal(classify(base).kind, "debian");
    assert.equal(
      classify({ ...base, forwardChains: ["inet filter forward (policy drop)"] }).kind,
      "router",
    );
    assert.equal(classify({ ...base, ipForward: false, forwardChains: ["x"] }).kind, "debian");
    assert.equal(classify({ ...base, domains: [] }).kind, "hypervisor");
    assert.equal(
      classify({ ...base, units: new Map([["libvirtd", "active"]]) }).kind,
      "hypervisor",
    );
    assert.equal(classify({ ...base, os: { id: "nixos", like: [] }, domains: [] }).kind, "nixos");
  });
});
