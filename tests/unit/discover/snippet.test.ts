/**
 * Discovery output → proposed inventory, by value, on captured outputs of the probe script: a
 * Debian router with VLAN sub-interfaces, a hypervisor with bridges and domains, a NixOS host. The
 * three snippets, with their FILL-INs filled as a user would (zone names and trust), load with the
 * model's own loader without a problem; left unfilled, the loader names every FILL-IN.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { loadInventory } from "../../../model/load";
import { factsFrom, parseSs } from "../../../scripts/discover/facts";
import { MANAGED_UNITS, parseSections } from "../../../scripts/discover/probe";
import {
  FILL,
  machineName,
  renderSnippet,
  scalar,
  Target,
} from "../../../scripts/discover/snippet";
import { liveSshd } from "../../../scripts/discover/sshd";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJBFrJ7HpPIFcMe6YdJ73xGJGokEdekaI8ev7JJAPibB";
const DEPLOY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMmQBbL9XV2+y3UtdRXlCdvoj8SBcR6XDpmXwfzNTTuW";

const facts = (name: string) =>
  factsFrom(
    parseSections(readFileSync(`tests/fixtures/discover/${name}.out`, "utf8")).sections,
    MANAGED_UNITS,
  );
const target = (user: string, address: string, over: Partial<Target> = {}): Target => ({
  user,
  address,
  port: 22,
  hostKey: KEY,
  fingerprint: "SHA256:pGNWnL0DXgBv3RRI2dDEFNnA1o1ytRHOuC9dV5bRsnA",
  confirmed: true,
  authorizedKey: DEPLOY,
  ...over,
});
const snippet = (name: string, user: string, address: string, over: Partial<Target> = {}) =>
  parse(renderSnippet(facts(name), target(user, address, over))) as Record<string, unknown>;

describe("discover: facts from captured outputs", () => {
  it("reads a router's VLAN sub-interfaces, DHCP WAN, forwarding and services", () => {
    const f = facts("router-gw1");
    assert.equal(f.hostname, "gw1");
    assert.deepEqual(f.os, { id: "debian", like: [], version: "12" });
    assert.deepEqual(
      f.links.filter((l) => l.vlan).map((l) => [l.name, l.vlan!.id, l.vlan!.parent]),
      [
        ["enp2s0.10", 10, "enp2s0"],
        ["enp2s0.20", 20, "enp2s0"],
        ["enp2s0.30", 30, "enp2s0"],
        ["enp2s0.40", 40, "enp2s0"],
      ],
    );
    assert.deepEqual(f.addresses[0], {
      ifname: "enp1s0",
      address: "203.0.113.45",
      prefix: 24,
      dynamic: true,
    });
    assert.deepEqual(f.defaultRoute, { gateway: "203.0.113.1", dev: "enp1s0" });
    assert.equal(f.ipForward, true);
    assert.deepEqual(f.forwardChains, ["inet filter forward (policy drop)"]);
    assert.equal(f.units.get("dnsmasq"), "active");
    assert.deepEqual(f.missing, [{ section: "virsh", tool: "virsh" }]);
    assert.deepEqual(
      f.failed,
      [],
      "systemctl is-active exits 3 when a unit is inactive: not a failure",
    );
  });

  it("reads a hypervisor's bridges, their ports and its domains", () => {
    const f = facts("hypervisor-atlas");
    assert.deepEqual(f.domains, ["edge", "hermes", "talos-cp1"]);
    assert.deepEqual(
      f.links.filter((l) => l.master).map((l) => [l.name, l.master]),
      [
        ["enp3s0.30", "br-dmz"],
        ["enp3s0.20", "br-internal"],
        ["vnet0", "br-dmz"],
        ["vnet1", "br-dmz"],
        ["vnet2", "br-internal"],
      ],
    );
  });

  it("parses ss lines with and without a process, IPv6 and interface-scoped addresses", () => {
    assert.deepEqual(
      parseSs(
        [
          'LISTEN 0 128 [::]:22 [::]:* users:(("sshd",pid=612,fd=4))',
          "LISTEN 0 64 0.0.0.0:2049 0.0.0.0:*",
          'UNCONN 0 0 0.0.0.0%virbr0:67 0.0.0.0:* users:(("dnsmasq",pid=1190,fd=3))',
        ].join("\n"),
        "tcp",
      ),
      [
        { proto: "tcp", address: "::", port: 22, process: "sshd" },
        { proto: "tcp", address: "0.0.0.0", port: 2049, process: undefined },
        { proto: "tcp", address: "0.0.0.0", port: 67, process: "dnsmasq" },
      ],
    );
  });

  it("maps sshd -T to the model's sshd settings, keeping only what differs from the defaults", () => {
    const t = new Map([
      ["passwordauthentication", "yes"],
      ["kbdinteractiveauthentication", "no"],
      ["permitrootlogin", "without-password"],
      ["maxauthtries", "20"],
      ["allowtcpforwarding", "local"],
      ["allowagentforwarding", "no"],
      ["x11forwarding", "no"],
      ["port", "2222"],
    ]);
    assert.deepEqual(liveSshd(t), {
      override: { passwordAuthentication: true, allowTcpForwarding: true },
      notes: ["maxauthtries 20: the model allows 1 to 10; the default 3 applies"],
      port: 2222,
    });
    assert.deepEqual(liveSshd(new Map([["permitrootlogin", "yes"]])).override, {
      permitRootLogin: "yes",
    });
    assert.deepEqual(liveSshd(new Map([["permitrootlogin", "forced-commands-only"]])).notes, [
      "permitrootlogin forced-commands-only: the model has no such setting (yes, no, prohibit-password)",
    ]);
  });

  it("quotes what YAML would read as something else", () => {
    assert.equal(scalar("25.05"), '"25.05"');
    assert.equal(scalar("ca:fe:c0:ff:ee:07"), '"ca:fe:c0:ff:ee:07"');
    assert.equal(scalar("yes"), '"yes"');
    assert.equal(scalar("10.0.20.5"), "10.0.20.5");
    assert.equal(scalar(KEY), KEY);
    assert.equal(machineName("GW1.home.arpa"), "gw1");
    assert.equal(machineName("_"), FILL);
  });
});

describe("discover: the proposed snippet", () => {
  it("proposes a router: VLAN zones with its addresses as gateways, trunk, DHCP WAN, live sshd", () => {
    const s = snippet("router-gw1", "root", "10.0.10.1");
    assert.deepEqual(s["homelab:routers"], {
      gw1: {
        managementZone: "vlan10",
        trunk: "enp2s0",
        zones: ["vlan10", "vlan20", "vlan30", "vlan40"],
        wan: { interface: "enp1s0", address: "dhcp" },
        ssh: {
          hostKey: KEY,
          observeOnly: true,
          sshd: { passwordAuthentication: true, maxAuthTries: 6, allowTcpForwarding: true },
        },
      },
    });
    assert.deepEqual((s["homelab:zones"] as Record<string, unknown>).vlan20, {
      trust: FILL,
      vlan: 20,
      cidr: "10.0.20.0/24",
      gateway: "10.0.20.1",
    });
    assert.deepEqual(s["homelab:ssh"], { adminUser: "root", authorizedKeys: [DEPLOY] });
    const text = renderSnippet(facts("router-gw1"), target("root", "10.0.10.1"));
    assert.match(
      text,
      /# dnsmasq is active: declare its DHCP pools under dhcp \(FILL IN; not read\)\./,
    );
    assert.match(
      text,
      /# {3}listening: tcp\/22 sshd on ::; tcp\/22 sshd on 0\.0\.0\.0; tcp\/53 dnsmasq on 10\.0\.10\.1;/,
    );
    assert.match(text, /# {3}not installed: virsh \(virsh not read\)/);
  });

  it("proposes a hypervisor: management address, trunk, one bridge per guest VLAN, its domains", () => {
    const s = snippet("hypervisor-atlas", "deploy", "192.168.40.2");
    assert.deepEqual(s["homelab:hypervisors"], {
      atlas: {
        zone: "net-192-168-40-0-24",
        address: "192.168.40.2",
        trunk: "enp3s0",
        bridges: [{ zone: "vlan30" }, { zone: "vlan20" }],
        ssh: {
          hostKey: KEY,
          observeOnly: true,
          sshd: { maxAuthTries: 6, x11Forwarding: true },
        },
      },
    });
    assert.deepEqual((s["homelab:zones"] as Record<string, unknown>).vlan30, {
      trust: FILL,
      vlan: 30,
      cidr: FILL,
      gateway: FILL,
    });
    const text = renderSnippet(facts("hypervisor-atlas"), target("deploy", "192.168.40.2"));
    assert.match(text, /- \{ zone: vlan30 \} # live br-dmz, ports enp3s0\.30, vnet0, vnet1/);
    assert.match(text, /# libvirt domains \(declare each under vms: .*\): edge, hermes, talos-cp1/);
    assert.match(
      text,
      /# {3}not a zone: virbr0 192\.168\.122\.1\/24 \(libvirt's own NAT network\)/,
    );
    assert.doesNotMatch(
      text,
      /192\.168\.122\.0\/24/,
      "libvirt's NAT network is not proposed as a zone",
    );
  });

  it("proposes a NixOS host with its release, NIC and MAC, and its live password logins", () => {
    const s = snippet("nixos-infra1", "root", "10.0.20.5");
    assert.deepEqual(s["homelab:hosts"], {
      infra1: {
        os: "nixos",
        nics: [
          {
            zone: "net-10-0-20-0-24",
            address: "10.0.20.5",
            mac: "52:54:00:3b:7a:10",
            interface: "ens3",
          },
        ],
        ssh: {
          hostKey: KEY,
          observeOnly: true,
          sshd: {
            passwordAuthentication: true,
            kbdInteractiveAuthentication: true,
            maxAuthTries: 6,
            allowAgentForwarding: true,
            allowTcpForwarding: true,
          },
        },
        nixos: { release: "25.05" },
      },
    });
  });

  it("says when the host key is not confirmed, and connects through a given address and port", () => {
    const text = renderSnippet(
      facts("nixos-infra1"),
      target("root", "nas.example.net", { confirmed: false, port: 2222, name: "nas" }),
    );
    assert.match(
      text,
      /NOT CONFIRMED\. Compare it with `ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub`/,
    );
    const s = parse(text) as Record<string, Record<string, { ssh: Record<string, unknown> }>>;
    assert.equal(s["homelab:hosts"]!.nas!.ssh.host, "nas.example.net");
    assert.equal(s["homelab:hosts"]!.nas!.ssh.port, 2222);
  });
});

describe("discover: the snippets are inventory the model accepts once filled", () => {
  /** What the user decides: a name and trust per proposed zone (the same network twice → one). */
  const RENAME: Record<string, string> = {
    vlan10: "mgmt",
    vlan20: "internal",
    "net-10-0-20-0-24": "internal",
    vlan30: "dmz",
    vlan40: "hypervisors",
    "net-192-168-40-0-24": "hypervisors",
  };
  const TRUST: Record<string, string> = {
    mgmt: "management",
    internal: "internal",
    dmz: "dmz",
    hypervisors: "hypervisor",
  };
  const all = () => [
    snippet("router-gw1", "root", "10.0.10.1"),
    snippet("hypervisor-atlas", "root", "192.168.40.2"),
    snippet("nixos-infra1", "root", "10.0.20.5"),
  ];

  function fill(snippets: Record<string, unknown>[]): Record<string, unknown> {
    const text = JSON.stringify(snippets).replace(/"(vlan\d+|net-[\d-]+)"/g, (m, z: string) =>
      RENAME[z] ? `"${RENAME[z]}"` : m,
    );
    const renamed = JSON.parse(text) as Record<string, Record<string, unknown>>[];
    const merged: Record<string, Record<string, unknown>> = {};
    for (const s of renamed) {
      for (const [key, value] of Object.entries(s)) {
        if (typeof value !== "object" || value === null || key === "homelab:ssh") {
          merged[key] = value;
          continue;
        }
        // One entry per zone: the one that knows more (fewer FILL-INs) wins, else the first.
        merged[key] ??= {};
        const fills = (v: unknown) => JSON.stringify(v).split(FILL).length;
        for (const [name, entry] of Object.entries(value)) {
          const prior = merged[key][name];
          if (!prior || fills(entry) < fills(prior)) merged[key][name] = entry;
        }
      }
    }
    for (const [name, zone] of Object.entries(merged["homelab:zones"]!)) {
      (zone as Record<string, unknown>).trust = TRUST[name];
    }
    merged["homelab:domain"] = "home.arpa" as never;
    return merged;
  }

  it("loads the router, hypervisor and NixOS host snippets together without a problem", () => {
    const result = loadInventory(fill(all()));
    assert.deepEqual(result.issues, []);
    const lab = result.lab!;
    assert.deepEqual(
      lab.machines.map((m) => m.name),
      ["atlas", "gw1", "infra1"],
    );
    assert.deepEqual(
      lab.zones.map((z) => [z.name, z.vlan, z.cidr]),
      [
        ["dmz", 30, "192.168.30.0/24"],
        ["hypervisors", 40, "192.168.40.0/24"],
        ["internal", 20, "10.0.20.0/24"],
        ["mgmt", 10, "10.0.10.0/24"],
      ],
    );
  });

  it("left unfilled, names every FILL-IN it cannot accept", () => {
    const raw = snippet("router-gw1", "root", "10.0.10.1");
    const result = loadInventory(raw);
    const paths = result.issues.map((i) => i.path);
    assert.ok(paths.includes("homelab:domain"), paths.join(", "));
    for (const z of ["vlan10", "vlan20", "vlan30", "vlan40"]) {
      assert.ok(paths.includes(`homelab:zones.${z}.trust`), paths.join(", "));
    }
    assert.ok(result.issues.every((i) => !i.message.includes("undefined")));
  });
});
