/**
 * How packets cross routers. Each router is the gateway of its zones; a router may also hold an
 * uplink address in a zone another router serves (seed 004's cascaded firewalls, one per segment).
 * Uplinks make the routers a forest: a router's parent is the router serving its uplink zone.
 *
 * Forwarding is by destination only, like the routes rendered onto the routers: a router delivers
 * into a zone it is attached to (a zone it serves or its uplink zone), sends traffic for a zone below
 * it to the child whose subtree holds that zone, and everything else (the WAN included, unless it has
 * a wan of its own) to its parent. A packet enters at the gateway of its source zone. A flow is
 * implementable when that walk reaches the destination and the replies walk back through the same
 * routers (stateful firewalls drop replies they never saw leave). Pure; used by validation, the
 * nftables and network renderers, and the intent records, so they cannot disagree.
 */

export interface RouterTopo {
  readonly name: string;
  /** Zones the router is the gateway of. */
  readonly zones: readonly string[];
  readonly uplink?: { readonly zone: string; readonly address: string };
  readonly wan: boolean;
}

/** One router's part of a path: traffic enters from zone `in` and leaves into zone `out`. */
export interface Hop {
  readonly router: string;
  readonly in: string;
  readonly out: string;
}

export type PathResult =
  | { readonly ok: true; readonly hops: readonly Hop[] }
  | { readonly ok: false; readonly problem: string };

/** A route a router needs: `zone` is reached through `via`, an address in the attached `viaZone`. */
export interface Route {
  readonly zone: string;
  readonly via: string;
  readonly viaZone: string;
}

export class Routing {
  private readonly byName = new Map<string, RouterTopo>();
  private readonly gatewayOf = new Map<string, string>();

  /**
   * @param gateways each inside zone's gateway address (the upstream hop of an uplink)
   * @param wanZone the name of the wan zone, if any
   */
  constructor(
    routers: readonly RouterTopo[],
    private readonly gateways: ReadonlyMap<string, string>,
    readonly wanZone?: string,
  ) {
    for (const r of routers) {
      this.byName.set(r.name, r);
      for (const z of r.zones) this.gatewayOf.set(z, r.name);
    }
  }

  /** The router holding the zone's gateway address. */
  routerOf(zone: string): string | undefined {
    return this.gatewayOf.get(zone);
  }

  parent(router: string): string | undefined {
    const up = this.byName.get(router)?.uplink;
    return up ? this.gatewayOf.get(up.zone) : undefined;
  }

  children(router: string): RouterTopo[] {
    return [...this.byName.values()]
      .filter((r) => r.name !== router && this.parent(r.name) === router)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A cycle of uplinks through the router (names in order), if there is one. */
  cycle(router: string): string[] | undefined {
    const seen: string[] = [router];
    for (let p = this.parent(router); p !== undefined; p = this.parent(p)) {
      if (p === router) return seen;
      if (seen.includes(p)) return undefined; // a cycle further up, reported from its members
      seen.push(p);
    }
    return undefined;
  }

  attached(router: string, zone: string): boolean {
    const r = this.byName.get(router);
    return !!r && (r.zones.includes(zone) || r.uplink?.zone === zone);
  }

  private below(router: string, zone: string, depth = 0): boolean {
    if (depth > this.byName.size) return false; // uplink cycle: reported by validation
    const r = this.byName.get(router)!;
    if (r.zones.includes(zone)) return true;
    return this.children(router).some((c) => this.below(c.name, zone, depth + 1));
  }

  /** Where `router` sends traffic for an inside `zone` it is not attached to. */
  private next(router: string, zone: string): { router: string; viaZone: string } | undefined {
    const child = this.children(router).find((c) => this.below(c.name, zone));
    if (child) return { router: child.name, viaZone: child.uplink!.zone };
    const parent = this.parent(router);
    const up = this.byName.get(router)!.uplink;
    return parent && up ? { router: parent, viaZone: up.zone } : undefined;
  }

  /** The hops from `start` (entered from zone `from`) to zone `to`. */
  private walk(start: string, from: string, to: string): PathResult {
    const hops: Hop[] = [];
    let router = start;
    let inZone = from;
    for (let i = 0; i <= this.byName.size; i++) {
      const r = this.byName.get(router)!;
      if (to === this.wanZone) {
        if (r.wan) return { ok: true, hops: [...hops, { router, in: inZone, out: to }] };
        const parent = this.parent(router);
        if (!parent || !r.uplink)
          return {
            ok: false,
            problem: `no router on the way from zone ${from} has a wan (the walk ends at router ${router}, which has neither wan nor uplink)`,
          };
        hops.push({ router, in: inZone, out: r.uplink.zone });
        inZone = r.uplink.zone;
        router = parent;
        continue;
      }
      if (this.attached(router, to))
        return { ok: true, hops: [...hops, { router, in: inZone, out: to }] };
      const n = this.next(router, to);
      if (!n) {
        return {
          ok: false,
          problem: `zone ${to} (router ${this.routerOf(to) ?? "none"}) cannot be reached from router ${router}: no chain of uplinks joins them`,
        };
      }
      hops.push({ router, in: inZone, out: n.viaZone });
      inZone = n.viaZone;
      router = n.router;
    }
    return { ok: false, problem: `the uplinks form a loop` };
  }

  /** The router where traffic from the internet towards `to` comes in: the nearest one with a wan above it. */
  private wanEntry(to: string): string | undefined {
    for (let r = this.routerOf(to); r !== undefined; r = this.parent(r)) {
      if (this.byName.get(r)!.wan) return r;
    }
    return undefined;
  }

  /** The routers a flow from zone `from` to zone `to` crosses, each with its in and out zone. */
  path(from: string, to: string): PathResult {
    const start = from === this.wanZone ? this.wanEntry(to) : this.routerOf(from);
    if (!start) {
      return {
        ok: false,
        problem:
          from === this.wanZone
            ? `no router above zone ${to} has a wan`
            : `zone ${from} is routed by no router`,
      };
    }
    const forward = this.walk(start, from, to);
    if (!forward.ok || from === this.wanZone) return forward; // replies leave by the entry's wan
    const last = forward.hops[forward.hops.length - 1]!.router;
    const back =
      to === this.wanZone ? this.walk(last, to, from) : this.walk(this.routerOf(to)!, to, from);
    const there = forward.hops.map((h) => h.router);
    const reply = back.ok ? back.hops.map((h) => h.router) : [];
    if (there.join() !== [...reply].reverse().join()) {
      return {
        ok: false,
        problem: `it would cross router${there.length > 1 ? "s" : ""} ${there.join(", ")} but the replies would come back through ${reply.length ? reply.join(", ") : "no route"}, and stateful firewalls drop replies to connections they never saw`,
      };
    }
    return forward;
  }

  /** Static routes of a router: every zone of `zones` it is not attached to but can reach. */
  routes(router: string, zones: readonly string[]): Route[] {
    const out: Route[] = [];
    const r = this.byName.get(router);
    if (!r) return out;
    for (const zone of [...zones].sort()) {
      if (zone === this.wanZone || this.attached(router, zone)) continue;
      const n = this.next(router, zone);
      if (!n) continue;
      const via =
        n.router === this.parent(router)
          ? this.gateways.get(r.uplink!.zone)
          : this.byName.get(n.router)!.uplink!.address;
      if (via) out.push({ zone, via, viaZone: n.viaZone });
    }
    return out;
  }
}

/** The routers of a resolved lab as a routing topology. */
export function labRouting(lab: {
  readonly zones: readonly { name: string; trust: string; gateway?: string }[];
  readonly routers: readonly {
    name: string;
    zones: readonly string[];
    uplink?: { zone: string; address: string };
    wan?: unknown;
  }[];
}): Routing {
  return new Routing(
    lab.routers.map((r) => ({
      name: r.name,
      zones: r.zones,
      uplink: r.uplink ? { zone: r.uplink.zone, address: r.uplink.address } : undefined,
      wan: r.wan !== undefined,
    })),
    new Map(lab.zones.flatMap((z) => (z.gateway ? [[z.name, z.gateway] as const] : []))),
    lab.zones.find((z) => z.trust === "wan")?.name,
  );
}
