/**
 * Zone reachability from intent records: which zone can open connections into which, through the
 * router's allowed flows or through a machine that has an address in both zones (a host that is not
 * a router but straddles zones is a path for anyone who compromises it). Pure.
 */
import type { PortRange, TrustLevel } from "../../model/intent";
import { formatPorts } from "../../model/net";
import type { LabView } from "./view";

export const TRUST_RANK: Record<TrustLevel, number> = {
  wan: 0,
  dmz: 1,
  internal: 2,
  hypervisor: 3,
  management: 3,
};

export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: "flow" | "host";
  /** Human description of the hop, e.g. "dmz -> internal on tcp/80 to 10.0.20.50 (router gw1)". */
  readonly describe: string;
  readonly ports?: readonly PortRange[];
  readonly toAddresses?: readonly string[];
  readonly via: string;
}

export function flowEdges(view: LabView): Edge[] {
  return view.routers.flatMap((r) =>
    r.flows.map((f) => ({
      from: f.from,
      to: f.to,
      kind: "flow" as const,
      ports: f.ports,
      toAddresses: f.toAddresses,
      via: `router ${r.name}`,
      describe: `${f.from} -> ${f.to} on ${formatPorts(f.ports, "any port")} to ${f.toAddresses.length ? f.toAddresses.join(", ") : "any address"} (router ${r.name}${f.description ? `, "${f.description}"` : ""})`,
    })),
  );
}

/** Machines other than routers with addresses in more than one zone. */
export function multiHomed(view: LabView): { name: string; role: string; zones: string[] }[] {
  return view.machines
    .filter((m) => m.role !== "router")
    .map((m) => ({
      name: m.name,
      role: m.role,
      zones: [...new Set(m.addresses.map((a) => a.zone))].sort(),
    }))
    .filter((m) => m.zones.length > 1);
}

export function hostEdges(view: LabView): Edge[] {
  return multiHomed(view).flatMap((m) =>
    m.zones.flatMap((a) =>
      m.zones
        .filter((b) => b !== a)
        .map((b) => ({
          from: a,
          to: b,
          kind: "host" as const,
          via: `${m.role} ${m.name}`,
          describe: `${a} -> ${b} through ${m.role} ${m.name}, which has an address in both`,
        })),
    ),
  );
}

/** Shortest path (fewest hops) from `from` to `to`, or undefined. */
export function shortestPath(edges: readonly Edge[], from: string, to: string): Edge[] | undefined {
  const prev = new Map<string, Edge>();
  const seen = new Set([from]);
  let frontier = [from];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const z of frontier) {
      for (const e of edges.filter((x) => x.from === z).sort((a, b) => a.to.localeCompare(b.to))) {
        if (seen.has(e.to)) continue;
        seen.add(e.to);
        prev.set(e.to, e);
        if (e.to === to) {
          const path: Edge[] = [];
          for (let cur: string = to; cur !== from; cur = prev.get(cur)!.from)
            path.unshift(prev.get(cur)!);
          return path;
        }
        next.push(e.to);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** Whether the port rules let a connection to protocol/port through. */
export function coversPort(ports: readonly PortRange[], protocol: string, port: number): boolean {
  return ports.some(
    (p) =>
      p.protocol === "any" ||
      (p.protocol === protocol && (p.from ?? 1) <= port && port <= (p.to ?? p.from ?? 65535)),
  );
}

/** Ports a flow opens that count as "any port": protocol any, or a range of 1024 ports or more. */
export function widePorts(ports: readonly PortRange[]): string | undefined {
  if (ports.some((p) => p.protocol === "any")) return "on any port";
  const wide = ports.filter(
    (p) => p.from !== undefined && p.to !== undefined && p.to - p.from + 1 >= 1024,
  );
  return wide.length
    ? `on ${formatPorts(wide)}, a range of ${wide.map((p) => p.to! - p.from! + 1).join(" and ")} ports`
    : undefined;
}

/**
 * What the lab puts in each zone, whatever the zone is declared as: the hypervisors whose management
 * address is there, and whether guests (VMs, bridged guest zones) live there too.
 */
export interface ZoneFacts {
  /** Hypervisors managed in the zone. */
  readonly hypervisors: readonly string[];
  /** VMs with a NIC in the zone. */
  readonly guests: readonly string[];
  /** Some hypervisor bridges the zone for guests. */
  readonly bridged: boolean;
}

export function zoneFacts(view: LabView): Map<string, ZoneFacts> {
  const out = new Map<string, { hypervisors: string[]; guests: string[]; bridged: boolean }>();
  const at = (z: string) => {
    if (!out.has(z)) out.set(z, { hypervisors: [], guests: [], bridged: false });
    return out.get(z)!;
  };
  for (const h of view.hypervisors) {
    at(h.managementZone).hypervisors.push(h.name);
    for (const b of h.bridges) at(b.zone).bridged = true;
  }
  for (const m of view.machines.filter((x) => x.role === "vm")) {
    for (const z of new Set((m.nics ?? []).map((n) => n.zone))) at(z).guests.push(m.name);
  }
  for (const f of out.values()) {
    f.hypervisors.sort();
    f.guests.sort();
  }
  return out;
}

/**
 * The trust a zone is judged with: its declared trust, raised to `hypervisor` when it holds the
 * management addresses of hypervisors and nothing else (a zone that also holds guests, or is a DMZ,
 * is a misplaced hypervisor instead, reported as such).
 */
export function effectiveTrust(view: LabView): (zone: string) => TrustLevel | undefined {
  const facts = zoneFacts(view);
  return (zone) => {
    const declared = view.zones.get(zone)?.trust;
    const f = facts.get(zone);
    if (!declared || !f || f.hypervisors.length === 0) return declared;
    if (f.guests.length > 0 || f.bridged || declared === "dmz" || declared === "wan")
      return declared;
    return TRUST_RANK[declared] < TRUST_RANK.hypervisor ? "hypervisor" : declared;
  };
}
