/**
 * The built-in lab, from lab/inventory.yaml:
 *   ts-node scripts/lab.ts topology <out.json>              the labctl topology (hosts, links, OOB)
 *   ts-node scripts/lab.ts stack-config <lab.json> <out>    Pulumi.lab.yaml for the running lab
 *
 * The topology is derived from the same model the program uses, so the simulated wiring is exactly
 * what the inventory describes: router VLAN interfaces on per-VLAN segments, hypervisor trunks on
 * their management VLAN with guest VLAN sub-interfaces, VM NICs as veths into their hypervisor
 * (attached by `virsh start` to the bridge the domain XML names), hosts on their zone's segment.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { loadInventoryOrThrow } from "../model/load";
import type { Lab, Machine } from "../model/lab";

const ROOT = path.resolve(__dirname, "..");
const INVENTORY = path.join(ROOT, "lab", "inventory.yaml");
export const LAB_NAME = "lab";
export const OOB = {
  bridge: "hloob0",
  cidr: "172.30.0.0/24",
  gateway: "172.30.0.1",
  prefix: "172.30.0.",
};
export const INTERNET = { name: "internet", address: "203.0.113.2/24", oob: "172.30.0.99" };
/** A syntactically valid key used only to derive the topology before the lab exists. */
const PLACEHOLDER_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIVsJfT3HUETQmreMMdnZHwQoJ5fElpl55IlgH8bIlhC";

type Raw = Record<string, unknown>;
type SshFill = (machine: string) => { host: string; hostKey: string };

function readInventory(): Raw {
  const doc = parse(readFileSync(INVENTORY, "utf8"), { uniqueKeys: true }) as { config: Raw };
  return doc.config;
}

/** Every `ssh` block of the inventory, by machine name. */
function sshBlocks(raw: Raw): Map<string, Raw> {
  const out = new Map<string, Raw>();
  const each = (m: unknown, visit: (name: string, spec: Raw) => void) =>
    Object.entries((m ?? {}) as Record<string, Raw>).forEach(([n, s]) => visit(n, s));
  each(raw["homelab:routers"], (n, s) => out.set(n, s.ssh as Raw));
  each(raw["homelab:hypervisors"], (n, s) => {
    out.set(n, s.ssh as Raw);
    each(s.vms, (v, vs) => vs.ssh && out.set(v, vs.ssh as Raw));
  });
  each(raw["homelab:hosts"], (n, s) => s.ssh && out.set(n, s.ssh as Raw));
  return out;
}

function filled(raw: Raw, fill: SshFill, deployPublicKey: string): Raw {
  const copy = structuredClone(raw);
  for (const [name, ssh] of sshBlocks(copy)) Object.assign(ssh, fill(name));
  (copy["homelab:ssh"] as Raw).authorizedKeys = [deployPublicKey];
  return copy;
}

/** OOB addresses: routers .2+, hypervisors .11+, VMs .21+, hosts .31+ (by name). */
export function oobAddresses(lab: Lab): Map<string, string> {
  const base = { router: 2, hypervisor: 11, vm: 21, host: 31 } as const;
  const out = new Map<string, string>();
  for (const kind of ["router", "hypervisor", "vm", "host"] as const) {
    lab.machines
      .filter((m) => m.kind === kind && m.ssh)
      .forEach((m, i) => out.set(m.name, `${OOB.prefix}${base[kind] + i}`));
  }
  return out;
}

function modelWithPlaceholders(): Lab {
  const stub = filled(
    readInventory(),
    () => ({ host: "placeholder", hostKey: PLACEHOLDER_KEY }),
    PLACEHOLDER_KEY,
  );
  return loadInventoryOrThrow(stub);
}

const segmentOf = (lab: Lab, zone: string) => {
  const z = lab.zones.find((x) => x.name === zone)!;
  return z.trust === "wan" ? "wan" : `v${z.vlan}`;
};

export function topology(lab: Lab): unknown {
  const oob = oobAddresses(lab);
  const segments = [
    { name: "wan", bridge: "hlwan" },
    ...lab.zones
      .filter((z) => z.vlan !== undefined)
      .map((z) => ({ name: `v${z.vlan}`, bridge: `hlv${z.vlan}` })),
  ];
  const hosts: unknown[] = [];
  for (const r of lab.routers) {
    hosts.push({
      name: r.name,
      oobAddress: oob.get(r.name),
      role: "router",
      links: [
        ...(r.wan ? [{ ifname: r.wan.interface, segment: "wan" }] : []),
        { ifname: r.trunk, dummy: true },
        ...r.machine.interfaces.map((i) => ({ ifname: i.name, segment: segmentOf(lab, i.zone) })),
      ],
    });
  }
  for (const h of lab.hypervisors) {
    hosts.push({
      name: h.name,
      oobAddress: oob.get(h.name),
      role: "hypervisor",
      shims: ["virsh", "qemu-img", "cloud-localds"],
      links: [
        // The trunk carries the management VLAN untagged (the switch port's native VLAN).
        { ifname: h.trunk, segment: segmentOf(lab, h.zone) },
        ...h.bridges.map((b) => ({ ifname: b.vlanInterface, segment: `v${b.vlan}` })),
      ],
    });
  }
  const machineLinks = (m: Machine) =>
    m.interfaces.map((i) => ({ ifname: i.name, segment: segmentOf(lab, i.zone) }));
  for (const h of lab.hypervisors) {
    for (const vm of h.vms) {
      if (!vm.machine.ssh) continue; // Talos guests cannot run in the lab
      hosts.push({
        name: vm.name,
        oobAddress: oob.get(vm.name),
        role: "vm",
        ...(vm.machine.os === "nixos" ? { shims: ["nixos-rebuild"] } : {}),
        links: vm.nics.map((n, i) => ({
          ifname: vm.machine.interfaces[i]!.name,
          mac: n.mac,
          peer: { host: h.name, ifname: n.tap },
        })),
      });
    }
  }
  for (const m of lab.hosts.filter((x) => x.ssh)) {
    hosts.push({
      name: m.name,
      oobAddress: oob.get(m.name),
      ...(m.os === "nixos" ? { shims: ["nixos-rebuild"] } : {}),
      links: machineLinks(m),
    });
  }
  hosts.push({
    name: INTERNET.name,
    oobAddress: INTERNET.oob,
    managed: false,
    links: [{ ifname: "eth0", segment: "wan", address: INTERNET.address }],
  });
  return {
    name: LAB_NAME,
    oob: { bridge: OOB.bridge, cidr: OOB.cidr, gateway: OOB.gateway },
    segments,
    hosts,
  };
}

interface LabJson {
  /** Path of the deploy public key (authorized for root on every lab host). */
  readonly deployKeyPub: string;
  readonly hosts: { name: string; oobAddress: string; sshHostKey?: string }[];
}

/** Writes Pulumi.lab.yaml, keeping the stack's encryption salt and secret values if present. */
export function writeStackConfig(labJsonPath: string, out: string): void {
  const labJson = JSON.parse(readFileSync(labJsonPath, "utf8")) as LabJson;
  const byName = new Map(labJson.hosts.map((h) => [h.name, h]));
  const config = filled(
    readInventory(),
    (name) => {
      const h = byName.get(name);
      if (!h?.sshHostKey)
        throw new Error(`the running lab has no host ${name} with a host key (lab.json)`);
      return { host: h.oobAddress, hostKey: h.sshHostKey };
    },
    readFileSync(labJson.deployKeyPub, "utf8").trim(),
  );
  loadInventoryOrThrow(config); // fail here, clearly, rather than at `pulumi up`
  const previous = existsSync(out) ? (parse(readFileSync(out, "utf8")) as Raw | null) : null;
  const doc: Raw = {};
  for (const k of ["secretsprovider", "encryptedkey", "encryptionsalt"])
    if (previous?.[k]) doc[k] = previous[k];
  const keptSecrets = Object.fromEntries(
    Object.entries((previous?.config ?? {}) as Raw).filter(
      ([, v]) => v !== null && typeof v === "object" && "secure" in (v as Raw),
    ),
  );
  doc.config = { ...config, ...keptSecrets };
  writeFileSync(
    out,
    `# Generated by scripts/lab.ts from lab/inventory.yaml and the running lab. Not committed.\n${stringify(doc, { lineWidth: 0 })}`,
  );
}

/**
 * Stand-ins for the declared services on lab hosts ("host port" lines): the lab runs only sshd, so
 * scripts/lab.sh starts a tiny TCP listener (socat) per service port, which the post-apply probes
 * and the isolation tests connect to.
 */
export function serviceListeners(lab: Lab): string[] {
  return lab.services.flatMap((s) =>
    s.host ? s.ports.filter((p) => p.protocol === "tcp").map((p) => `${s.host} ${p.port}`) : [],
  );
}

function main(argv: string[]): void {
  const [cmd, a, b] = argv;
  if (cmd === "services") {
    console.log(serviceListeners(modelWithPlaceholders()).join("\n"));
    return;
  }
  if (cmd === "topology" && a) {
    writeFileSync(a, `${JSON.stringify(topology(modelWithPlaceholders()), null, 2)}\n`);
  } else if (cmd === "stack-config" && a && b) {
    writeStackConfig(a, b);
  } else {
    console.error(
      "usage: lab.ts topology <out.json> | stack-config <lab.json> <Pulumi.lab.yaml> | services",
    );
    process.exit(2);
  }
}

if (require.main === module) main(process.argv.slice(2));
