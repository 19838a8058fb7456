/**
 * Zone reachability from intent records: which zone can open connections into which, through the
 * router's allowed flows or through a machine that has an address in both zones (a host that is not
 * a router but straddles zones is a path for anyone who compromises it). Pure.
 */
import type { PortRange, RouterIntent, TrustLevel } from "../../model/intent";
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
  /** For flow edges: the routers that render the flow (more than one across a transit zone). */
  readonly routers?: readonly string[];
}

/**
 * One edge per distinct flow. A flow between zones of different routers is listed, with the same
 * real endpoints, by every router on its path: it is one way from `from` into `to`, not several, and
 * never an edge into the transit zone between the routers.
 */
export function flowEdges(view: LabView): Edge[] {
  const byKey = new Map<string, { f: RouterIntent["flows"][number]; routers: string[] }>();
  for (const r of view.routers) {
    for (const f of r.flows) {
      const key = JSON.stringify([f.from, f.to, f.ports, f.toAddresses, f.description ?? ""]);
      const e = byKey.get(key);
      if (e) e.routers.push(r.name);
      else byKey.set(key, { f, routers: [r.name] });
    }
  }
  return [...byKey.values()].map(({ f, routers: listed }) => {
    // In path order when the record says how the flow crosses them.
    const routers = f.path && f.path.every((r) => listed.includes(r)) ? [...f.path] : listed;
    const via = `router${routers.length > 1 ? "s" : ""} ${routers.join(", ")}`;
    return {
      from: f.from,
      to: f.to,
      kind: "flow" as const,
      ports: f.ports,
      toAddresses: f.toAddresses,
      via,
      routers,
      describe: `${f.from} -> ${f.to} on ${formatPorts(f.ports, "any port")} to ${f.toAddresses.length ? f.toAddresses.join(", ") : "any address"} (${via}${f.description ? `, "${f.description}"` : ""})`,
    };
  });
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
