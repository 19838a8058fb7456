/**
 * From discovered facts to the inventory's terms: what kind of machine it is, and which zones its
 * addresses and bridges are in. Pure. A zone is proposed per network: `vlan<id>` for a tagged one,
 * `net-<a>-<b>-<c>-<d>-<prefix>` for an untagged one, so that the same network discovered on two
 * machines gets the same name; its trust is never guessed.
 */
import { cidrContains, intToIp, ipToInt, parseCidr } from "../../model/net";
import type { Address, Facts, Link } from "./facts";

export type Kind = "router" | "hypervisor" | "nixos" | "debian";

export interface ZoneProposal {
  readonly name: string;
  readonly vlan?: number;
  /** Undefined when only the VLAN is known (a bridge without an address): FILL IN. */
  readonly cidr?: string;
  readonly gateway?: string;
  /** Where it was seen, for the comment. */
  readonly seen: string;
}

export interface NicProposal {
  readonly zone: string;
  readonly address: string;
  readonly ifname: string;
  readonly mac?: string;
  /** How the address is carried, for the comment: `VLAN 20 on enp2s0`, `bridge br0 (port eno1)`. */
  readonly via: string;
  readonly vlan?: { readonly id: number; readonly parent: string };
  /** The bridge holding the address, and its untagged NIC port. */
  readonly bridge?: { readonly name: string; readonly port?: string };
}

export interface BridgeProposal {
  readonly name: string;
  /** Undefined: an untagged bridge without an address, its network unknown (FILL IN). */
  readonly zone?: string;
  /** The untagged NIC that is its port (a bridge `interface` in the inventory). */
  readonly port?: string;
  readonly vlan?: { readonly id: number; readonly parent: string };
  readonly address?: string;
  readonly ports: readonly string[];
}

export interface Layout {
  readonly kind: Kind;
  readonly why: string;
  /** Addresses in zones, the one the deployer connected to first. */
  readonly nics: readonly NicProposal[];
  /** The router's internet uplink (the default route's interface). */
  readonly wan?: {
    readonly ifname: string;
    readonly address: string;
    readonly prefix: number;
    readonly dynamic: boolean;
    readonly gateway?: string;
  };
  readonly bridges: readonly BridgeProposal[];
  readonly zones: readonly ZoneProposal[];
  /** Parents of the VLAN sub-interfaces in use. */
  readonly trunks: readonly string[];
  /** Interfaces that are not zones (libvirt's NAT network, container and VPN interfaces). */
  readonly ignored: readonly { readonly ifname: string; readonly why: string }[];
  /** The connected address is one of the machine's zone addresses. */
  readonly connectedIsOwn: boolean;
}

const NOT_ZONES: readonly [RegExp, string][] = [
  [/^virbr\d+$/, "libvirt's own NAT network"],
  [
    /^(docker\d+|br-[0-9a-f]{12}|cni\d+|flannel\.\d+|cali[0-9a-f]+|cilium_\w+)$/,
    "a container network",
  ],
  [/^(wg\d+|tailscale\d+|tun\d+|tap\d+)$/, "a VPN or tunnel"],
];

export function classify(f: Facts): { kind: Kind; why: string } {
  if (f.os?.id === "nixos") return { kind: "nixos", why: "/etc/os-release says NixOS" };
  const libvirt = f.units.get("libvirtd") === "active";
  if (f.domains !== undefined || libvirt) {
    return {
      kind: "hypervisor",
      why: `libvirt is installed${libvirt ? " and libvirtd is active" : ""} (virsh lists ${f.domains?.length ?? 0} domains)`,
    };
  }
  if (f.ipForward && f.forwardChains.length > 0) {
    return {
      kind: "router",
      why: `IPv4 forwarding is on and nftables filters forwarded traffic (${f.forwardChains.join(", ")})`,
    };
  }
  const os = f.os ? f.os.id : "an unknown OS";
  return { kind: "debian", why: `${os}, no libvirt, no forwarding firewall` };
}

function notZone(name: string): string | undefined {
  return NOT_ZONES.find(([re]) => re.test(name))?.[1];
}

export function networkOf(address: string, prefix: number): string {
  const size = 2 ** (32 - prefix);
  const n = ipToInt(address);
  return `${intToIp(n - (n % size))}/${prefix}`;
}

const zoneName = (cidr: string, vlan?: number) =>
  vlan !== undefined ? `vlan${vlan}` : `net-${cidr.replace(/[./]/g, "-")}`;

function carrier(links: readonly Link[], ifname: string) {
  const link = links.find((l) => l.name === ifname);
  if (link?.vlan) return { vlan: link.vlan, via: `VLAN ${link.vlan.id} on ${link.vlan.parent}` };
  if (link?.kind === "bridge") {
    const ports = links.filter((l) => l.master === ifname);
    const tagged = ports.find((p) => p.vlan)?.vlan;
    const port = ports.find((p) => !p.kind && !p.loopback)?.name;
    const via = `bridge ${ifname} (ports ${ports.map((p) => p.name).join(", ") || "none"})`;
    return { vlan: tagged, bridge: { name: ifname, port }, via };
  }
  return { via: `NIC ${ifname}` };
}

export function layoutOf(f: Facts, connected: string): Layout {
  const { kind, why } = classify(f);
  const ignored: { ifname: string; why: string }[] = [];
  const wanAddr: Address | undefined =
    kind === "router" && f.defaultRoute?.dev
      ? f.addresses.find((a) => a.ifname === f.defaultRoute!.dev)
      : undefined;
  const zones = new Map<string, ZoneProposal>();
  const nics: NicProposal[] = [];
  for (const a of f.addresses) {
    const skip = notZone(a.ifname);
    if (skip) {
      ignored.push({ ifname: `${a.ifname} ${a.address}/${a.prefix}`, why: skip });
      continue;
    }
    if (a === wanAddr) continue;
    const cidr = networkOf(a.address, a.prefix);
    const c = carrier(f.links, a.ifname);
    const zone = zoneName(cidr, c.vlan?.id);
    const net = parseCidr(cidr);
    const gw =
      kind === "router"
        ? a.address
        : net && f.defaultRoute?.gateway && cidrContains(net, f.defaultRoute.gateway)
          ? f.defaultRoute.gateway
          : undefined;
    const prior = zones.get(zone);
    if (!prior || (prior.gateway === undefined && gw !== undefined)) {
      zones.set(zone, {
        name: zone,
        vlan: c.vlan?.id,
        cidr,
        gateway: gw,
        seen: `${a.ifname}, ${c.via}`,
      });
    }
    const mac = f.links.find((l) => l.name === a.ifname)?.mac;
    nics.push({
      zone,
      address: a.address,
      ifname: a.ifname,
      mac,
      via: c.via,
      vlan: c.vlan,
      bridge: "bridge" in c ? c.bridge : undefined,
    });
  }
  const bridges: BridgeProposal[] = [];
  for (const b of f.links.filter((l) => l.kind === "bridge")) {
    const skip = notZone(b.name);
    if (skip) {
      if (!ignored.some((i) => i.ifname.startsWith(`${b.name} `)))
        ignored.push({ ifname: b.name, why: skip });
      continue;
    }
    const ports = f.links.filter((l) => l.master === b.name);
    const vlan = ports.find((p) => p.vlan)?.vlan;
    const port = vlan ? undefined : ports.find((p) => !p.kind && !p.loopback)?.name;
    const nic = nics.find((n) => n.ifname === b.name);
    const zone = nic?.zone ?? (vlan ? `vlan${vlan.id}` : undefined);
    if (zone && !zones.has(zone) && vlan) {
      zones.set(zone, {
        name: zone,
        vlan: vlan.id,
        seen: `bridge ${b.name} (VLAN ${vlan.id} on ${vlan.parent}, no address)`,
      });
    }
    bridges.push({
      name: b.name,
      zone,
      port,
      vlan,
      address: nic?.address,
      ports: ports.map((p) => p.name).sort(),
    });
  }
  const connectedNic = nics.find((n) => n.address === connected);
  const ordered = connectedNic ? [connectedNic, ...nics.filter((n) => n !== connectedNic)] : nics;
  const trunks = [
    ...new Set(
      [...nics.map((n) => n.vlan?.parent), ...bridges.map((b) => b.vlan?.parent)].filter(
        (p): p is string => !!p,
      ),
    ),
  ].sort();
  return {
    kind,
    why,
    nics: ordered,
    wan: wanAddr && { ...wanAddr, gateway: f.defaultRoute?.gateway },
    bridges: bridges.sort((a, b) => a.name.localeCompare(b.name)),
    zones: [...zones.values()].sort((a, b) => a.name.localeCompare(b.name)),
    trunks,
    ignored,
    connectedIsOwn: connectedNic !== undefined,
  };
}
