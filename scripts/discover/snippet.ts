/**
 * The proposed inventory snippet for one discovered machine: YAML in the keys of
 * `Pulumi.<stack>.yaml` (homelab:zones, homelab:routers / hypervisors / hosts, homelab:ssh,
 * homelab:domain). Pure. What cannot be discovered is the placeholder FILL-IN with a `# FILL IN:`
 * comment: a placeholder left in is refused by the model's validation, naming its path.
 */
import { DEFAULT_SSHD, type SshdSettings } from "../../model/inventory";
import { NAME_RE } from "../../model/schema";
import type { Facts } from "./facts";
import { layoutOf, type Layout, type NicProposal } from "./layout";
import { liveSshd } from "./sshd";

export const FILL = "FILL-IN";

export interface Target {
  /** Machine name in the inventory (--name, or derived from the hostname). */
  readonly name?: string;
  readonly user: string;
  readonly address: string;
  readonly port: number;
  /** `ssh-ed25519 AAAA...` */
  readonly hostKey: string;
  readonly fingerprint: string;
  /** The fingerprint was given with --fingerprint (confirmed out of band). */
  readonly confirmed: boolean;
  /** The public half of the identity discovery logged in with. */
  readonly authorizedKey?: string;
}

/** A YAML scalar: plain when unambiguous, else JSON-quoted (a valid YAML double-quoted string). */
export function scalar(v: string | number | boolean): string {
  if (typeof v !== "string") return String(v);
  const plain =
    /^[A-Za-z0-9_./+-][A-Za-z0-9_./+=@ -]*$/.test(v) &&
    !/ $/.test(v) &&
    !/^(true|false|yes|no|on|off|y|n|null|~|[-+]?(\d[\d_]*|\d*\.\d+|\d+\.\d*)(e[-+]?\d+)?|0x[0-9a-f]+|0o[0-7]+)$/i.test(
      v,
    );
  return plain ? v : JSON.stringify(v);
}

const flow = (o: Record<string, string | number | boolean | undefined>) =>
  `{ ${Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${scalar(v!)}`)
    .join(", ")} }`;

/** A machine name from the hostname (lower-case DNS label), or FILL-IN. */
export function machineName(hostname: string): string {
  const n = hostname
    .split(".")[0]!
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^-+|-+$/g, "");
  return NAME_RE.test(n) ? n : FILL;
}

function header(f: Facts, t: Target, l: Layout, name: string): string[] {
  const out = [
    `# Proposed by \`npm run discover\` for ${t.user}@${t.address}:${t.port} (hostname ${f.hostname || "unknown"}).`,
    `# Kind: ${l.kind === "nixos" || l.kind === "debian" ? `${l.kind} host` : l.kind}, because ${l.why}.`,
    `# Host key ${t.hostKey.split(" ")[0]} ${t.fingerprint}: ${
      t.confirmed
        ? "matches the fingerprint given with --fingerprint."
        : "NOT CONFIRMED. Compare it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the machine's console before you use this snippet."
    }`,
    "# Merge it under `config:` in Pulumi.<stack>.yaml and replace every FILL-IN (see the FILL IN comments).",
    "# Zones are named after their VLAN or network so that two machines propose the same name: keep one",
    "# entry per zone, rename them as you like (everywhere), and keep the lab-wide keys you already have.",
  ];
  if (name === FILL) out.push("# FILL IN: the hostname is not a DNS label; name the machine.");
  return out;
}

function zonesBlock(l: Layout): string[] {
  const out = ["homelab:zones:"];
  if (l.zones.length === 0) out.push("  {} # FILL IN: no address of this machine is in a zone");
  for (const z of l.zones) {
    out.push(`  ${z.name}: # seen on ${z.seen}`);
    out.push(`    trust: ${FILL} # FILL IN: wan, dmz, internal, hypervisor or management`);
    if (z.vlan !== undefined) out.push(`    vlan: ${z.vlan}`);
    out.push(
      z.cidr
        ? `    cidr: ${z.cidr}`
        : `    cidr: ${FILL} # FILL IN: the network (no address of this machine is in it)`,
    );
    out.push(
      z.gateway
        ? `    gateway: ${z.gateway}`
        : `    gateway: ${FILL} # FILL IN: the router's address in ${z.cidr ?? "the zone"}`,
    );
  }
  return out;
}

function sshBlock(f: Facts, t: Target, l: Layout, indent: string, isVmOrHost: boolean): string[] {
  const out = [
    `${indent}ssh:`,
    `${indent}  hostKey: ${t.hostKey}`,
    `${indent}  observeOnly: true # adopting: pulumi up only records this machine until you remove it (README: Adopting an existing lab)`,
  ];
  const first = l.nics[0];
  if (!l.connectedIsOwn || (isVmOrHost && first?.address !== t.address)) {
    out.push(`${indent}  host: ${scalar(t.address)} # the address discovery connected to`);
  }
  if (t.port !== 22) out.push(`${indent}  port: ${t.port}`);
  if (!f.sshd) {
    out.push(`${indent}  # sshd -T could not run: the live sshd settings are unknown.`);
    return out;
  }
  const live = liveSshd(f.sshd);
  const keys = Object.keys(live.override) as (keyof SshdSettings)[];
  if (keys.length > 0) {
    out.push(
      `${indent}  sshd: # live (sshd -T) where it differs from the product's key-only defaults`,
    );
    for (const k of keys) {
      out.push(
        `${indent}    ${k}: ${scalar(live.override[k]!)} # default ${scalar(DEFAULT_SSHD[k])}`,
      );
    }
  } else out.push(`${indent}  # sshd -T: every managed sshd setting is at the product's default.`);
  for (const n of live.notes) out.push(`${indent}  # sshd -T ${n}`);
  return out;
}

function nicLine(n: NicProposal): string {
  return `      - ${flow({ zone: n.zone, address: n.address, mac: n.mac, interface: n.ifname })} # ${n.via}`;
}

function routerBlock(f: Facts, t: Target, l: Layout, name: string): string[] {
  const own = l.nics.find((n) => n.address === t.address);
  const out = ["homelab:routers:", `  ${name}:`];
  out.push(
    own
      ? `    managementZone: ${own.zone}`
      : `    managementZone: ${FILL} # FILL IN: the zone the deployer reaches this router in`,
  );
  if (l.trunks.length > 0) out.push(`    trunk: ${l.trunks[0]}`);
  if (l.trunks.length > 1) {
    out.push(
      `    # FILL IN: VLANs sit on ${l.trunks.join(", ")}; the model has one trunk per router.`,
    );
  }
  const untagged = l.nics.filter((n) => !n.vlan);
  if (untagged.length > 0) {
    out.push("    interfaces:");
    for (const n of untagged) out.push(`      ${n.zone}: ${n.ifname}`);
  }
  const zones = [...new Set(l.nics.map((n) => n.zone))].sort();
  out.push(`    zones: [${zones.join(", ")}]`);
  if (l.wan) {
    const w = l.wan;
    out.push(
      w.dynamic
        ? `    wan: ${flow({ interface: w.ifname, address: "dhcp" })}`
        : `    wan: ${flow({ interface: w.ifname, address: `${w.address}/${w.prefix}`, gateway: w.gateway })}`,
    );
  } else out.push("    # no default route: no wan (FILL IN if this router has an internet uplink)");
  if (f.units.get("dnsmasq") === "active") {
    out.push("    # dnsmasq is active: declare its DHCP pools under dhcp (FILL IN; not read).");
  }
  return [...out, ...sshBlock(f, t, l, "    ", false)];
}

function hypervisorBlock(f: Facts, t: Target, l: Layout, name: string): string[] {
  const mgmt = l.nics.find((n) => n.address === t.address) ?? l.nics[0];
  const out = ["homelab:hypervisors:", `  ${name}:`];
  out.push(
    mgmt
      ? `    zone: ${mgmt.zone}`
      : `    zone: ${FILL} # FILL IN: the zone of its management address`,
    mgmt
      ? `    address: ${mgmt.address}`
      : `    address: ${FILL} # FILL IN: its management address`,
  );
  const trunk = l.trunks[0] ?? mgmt?.bridge?.port ?? mgmt?.ifname;
  out.push(
    trunk ? `    trunk: ${trunk}` : `    trunk: ${FILL} # FILL IN: the NIC carrying the zones`,
  );
  if (l.trunks.length > 1)
    out.push(`    # FILL IN: VLANs sit on ${l.trunks.join(", ")}; the model has one trunk.`);
  if (mgmt?.vlan) {
    out.push(
      `    # WARNING: the management address is on ${mgmt.ifname} (VLAN ${mgmt.vlan.id}); the product puts it untagged on the trunk (or on its bridge). Applied as is, that moves the address and cuts access unless the switch port also carries VLAN ${mgmt.vlan.id} untagged.`,
    );
  }
  const bridges = l.bridges.map((b) => {
    const zone = b.zone ?? FILL;
    const iface = !b.vlan && b.port && b.port !== trunk ? b.port : undefined;
    const address = b.address && b.address !== mgmt?.address ? b.address : undefined;
    const fill = b.zone ? "" : " FILL IN: the zone of this untagged bridge;";
    return `      - ${flow({ zone, interface: iface, address })} #${fill} live ${b.name}, ports ${b.ports.join(", ") || "none"}`;
  });
  out.push(...(bridges.length > 0 ? ["    bridges:", ...bridges] : ["    bridges: []"]));
  const others = l.nics.filter((n) => n !== mgmt && !l.bridges.some((b) => b.name === n.ifname));
  for (const n of others)
    out.push(`    # also has ${n.address} on ${n.ifname} (${n.via}), zone ${n.zone}`);
  out.push(...sshBlock(f, t, l, "    ", false));
  if (f.domains && f.domains.length > 0) {
    out.push(
      `    # libvirt domains (declare each under vms: with its size, image and NICs; FILL IN): ${f.domains.join(", ")}`,
    );
  }
  return out;
}

function hostBlock(f: Facts, t: Target, l: Layout, name: string): string[] {
  const out = ["homelab:hosts:", `  ${name}:`];
  if (l.kind === "nixos") out.push("    os: nixos");
  else if (f.os?.id === "debian" || f.os?.like.includes("debian")) out.push("    os: debian");
  else
    out.push(
      `    os: ${FILL} # FILL IN: ${f.os?.id ?? "unknown"} is not debian or nixos (not supported)`,
    );
  if (l.nics.length === 0) {
    out.push(
      `    nics: [{ zone: ${FILL}, address: ${FILL} }] # FILL IN: no address in a zone found`,
    );
  } else out.push("    nics:", ...l.nics.map(nicLine));
  out.push(...sshBlock(f, t, l, "    ", true));
  if (l.kind === "nixos") {
    const v = f.os?.version;
    out.push(
      v && /^\d{2}\.\d{2}$/.test(v)
        ? `    nixos: { release: ${scalar(v)} }`
        : `    nixos: { release: ${FILL} } # FILL IN: the NixOS release, e.g. "25.05"`,
    );
  }
  return out;
}

function observed(f: Facts, l: Layout): string[] {
  const out = ["# Observed, for reference (not inventory):"];
  const seen = new Set<string>();
  const listeners = [...f.listening]
    .sort(
      (a, b) =>
        a.proto.localeCompare(b.proto) || a.port - b.port || a.address.localeCompare(b.address),
    )
    .map((s) => `${s.proto}/${s.port} ${s.process ?? "(kernel)"} on ${s.address}`)
    .filter((s) => (seen.has(s) ? false : (seen.add(s), true)));
  out.push(`#   listening: ${listeners.join("; ") || "nothing"}`);
  const units = [...f.units].map(([u, s]) => `${u} ${s}`);
  out.push(`#   units: ${units.join(", ") || "unknown (no systemd)"}`);
  out.push(
    `#   nftables tables: ${f.nftTables === undefined ? "nft not installed" : f.nftTables.join(", ") || "none"}`,
  );
  if (f.forwardChains.length > 0) out.push(`#   forward chains: ${f.forwardChains.join(", ")}`);
  out.push(`#   IPv4 forwarding: ${f.ipForward ? "on" : "off"}`);
  for (const i of l.ignored) out.push(`#   not a zone: ${i.ifname} (${i.why})`);
  for (const m of f.missing) out.push(`#   not installed: ${m.tool} (${m.section} not read)`);
  for (const x of f.failed) {
    out.push(
      `#   could not read ${x.section} (exit ${x.code}): ${x.stderr.split("\n")[0] || "no message"}`,
    );
  }
  return out;
}

/** The snippet's text. */
export function renderSnippet(f: Facts, t: Target): string {
  const l = layoutOf(f, t.address);
  const name = t.name ?? machineName(f.hostname);
  const machine =
    l.kind === "router"
      ? routerBlock(f, t, l, name)
      : l.kind === "hypervisor"
        ? hypervisorBlock(f, t, l, name)
        : hostBlock(f, t, l, name);
  const lab = [
    "# Lab-wide keys: keep the ones you already have.",
    `homelab:domain: ${FILL} # FILL IN: your internal DNS domain, e.g. home.arpa`,
    "homelab:ssh:",
    `  adminUser: ${scalar(t.user)}`,
    "  authorizedKeys:",
    t.authorizedKey
      ? `    - ${scalar(t.authorizedKey)} # the key discovery logged in with: use your deploy key's`
      : `    - ${FILL} # FILL IN: the deploy key's public half`,
  ];
  return [
    ...header(f, t, l, name),
    ...lab,
    ...zonesBlock(l),
    ...machine,
    ...observed(f, l),
    "",
  ].join("\n");
}
