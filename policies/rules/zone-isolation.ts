import type { TrustLevel } from "../../model/intent";
import type { Finding, HomelabRule, RuleConfig } from "../lib/rule";
import { flowEdges, hostEdges, multiHomed, shortestPath, TRUST_RANK } from "../lib/reach";

export interface ZoneIsolationConfig extends RuleConfig {
  /** Trust levels no lower-trust zone may reach. */
  readonly protectedTrust?: readonly TrustLevel[];
  /** Also follow multi-hop paths (a flow into a zone that itself may reach a protected zone). */
  readonly transitive?: boolean;
}

export const zoneIsolation: HomelabRule<ZoneIsolationConfig> = {
  name: "zone-isolation",
  description:
    "Checks that no lower-trust zone can open a connection into a hypervisor or management zone — computed by reachability over the whole lab: directly, through a chain of flows, or through a machine straddling zones — that flows into higher-trust zones are narrow, that nothing is routed in from the WAN, that hypervisors have no address in guest zones and that VM NICs sit on their own zone's bridge.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Remove or narrow the offending entry in homelab:flows (to a toService/toHost and specific ports); give multi-homed machines one zone; drop `address` from hypervisor bridges; move VM NICs to their zone's bridge. Accepted risks can be waived per finding with a reason and expiry.",
  config: {
    protectedTrust: {
      type: "array",
      items: { type: "string", enum: ["dmz", "internal", "hypervisor", "management"] },
      default: ["hypervisor", "management"],
      description: "Trust levels that no lower-trust zone may reach.",
    },
    transitive: { type: "boolean", default: true, description: "Follow multi-hop paths." },
  },
  check: (view, config) => {
    const protectedTrust = new Set(config.protectedTrust ?? ["hypervisor", "management"]);
    const trust = (z: string) => view.zones.get(z)?.trust;
    const rank = (z: string) => TRUST_RANK[trust(z) ?? "wan"];
    const label = (z: string) => `${z} (${trust(z) ?? "undeclared zone"})`;
    const findings: Finding[] = [];

    const flows = flowEdges(view);
    for (const e of flows) {
      const router = view.routers.find((r) => r.name === e.routers?.[0]);
      const urn = router ? view.urnOf.get(router) : undefined;
      if (trust(e.from) === "wan") {
        findings.push({
          id: `wan-flow:${e.to}`,
          urn,
          message: `The internet can open connections into ${label(e.to)}: ${e.describe}. Only published DMZ ports (port-forwards, tunnels) may be reachable from the WAN.`,
          fix: `Remove the flow from ${e.from}; publish a DMZ service with a port-forward or tunnel instead.`,
        });
      } else if (protectedTrust.has(trust(e.to)!) && rank(e.from) < rank(e.to)) {
        findings.push({
          id: `flow:${e.from}->${e.to}`,
          urn,
          message: `Zone ${label(e.from)} can reach zone ${label(e.to)}: ${e.describe}. A compromised ${e.from} machine could attack the ${e.to} hosts.`,
          fix: `Remove the ${e.from} -> ${e.to} flow from homelab:flows (reverse it if ${e.to} needs to reach ${e.from}).`,
        });
      } else if (rank(e.from) < rank(e.to)) {
        const anyPort = (e.ports ?? []).some((p) => p.protocol === "any");
        const anyAddress = (e.toAddresses ?? []).length === 0;
        if (anyPort || anyAddress) {
          findings.push({
            id: `broad:${e.from}->${e.to}`,
            urn,
            message: `Flow ${e.describe} lets lower-trust ${label(e.from)} into higher-trust ${label(e.to)} ${anyPort && anyAddress ? "on any port to any address" : anyPort ? "on any port" : "to any address"}.`,
            fix: `Narrow it: use toService (or toHost) and the service's ports.`,
          });
        }
      }
    }

    for (const m of multiHomed(view)) {
      if (m.role === "hypervisor") continue; // reported below, with its bridge
      const trusts = m.zones.map((z) => rank(z));
      if (Math.min(...trusts) === Math.max(...trusts)) continue;
      const machine = view.machines.find((x) => x.name === m.name)!;
      findings.push({
        id: `multihomed:${m.name}`,
        urn: view.urnOf.get(machine),
        message: `${m.role} ${m.name} has addresses in ${m.zones.map(label).join(" and ")}: whoever compromises it from the lower-trust zone is inside the higher one without crossing the firewall.`,
        fix: `Give ${m.name} a NIC in one zone only and let the router's flows carry what it needs.`,
      });
    }

    for (const h of view.hypervisors) {
      for (const b of h.bridges) {
        // Its own management zone: the hypervisor belongs there (guests in it share its LAN anyway).
        if (!b.address || (b.management && b.zone === h.managementZone)) continue;
        findings.push({
          id: `hypervisor-address:${h.name}:${b.zone}`,
          urn: view.urnOf.get(h),
          message: `Hypervisor ${h.name} has address ${b.address} on ${b.bridge}, the bridge of guest zone ${label(b.zone)}: every guest there can reach the hypervisor directly.`,
          fix: `Remove address from homelab:hypervisors.${h.name}.bridges (zone ${b.zone}); manage it through ${h.managementZone} only.`,
        });
      }
    }

    for (const m of view.machines.filter((x) => x.role === "vm")) {
      const h = view.hypervisors.find((x) => x.name === m.hypervisor);
      for (const nic of m.nics ?? []) {
        const expected = h?.bridges.find((b) => b.zone === nic.zone)?.bridge;
        if (expected === nic.bridge) continue;
        const actual = h?.bridges.find((b) => b.bridge === nic.bridge)?.zone;
        findings.push({
          id: `vm-bridge:${m.name}:${nic.mac}`,
          urn: view.urnOf.get(m),
          message: `VM ${m.name} declares its NIC ${nic.mac} in zone ${label(nic.zone)} but it is attached to bridge ${nic.bridge}${actual ? `, which carries zone ${label(actual)}` : `, which hypervisor ${m.hypervisor ?? "(unknown)"} does not declare`}.`,
          fix: `Attach the NIC to ${expected ?? `a bridge for zone ${nic.zone} (declare it on ${m.hypervisor ?? "the hypervisor"})`}.`,
        });
      }
    }

    if (config.transitive !== false) {
      const edges = [...flows.filter((e) => trust(e.from) !== "wan"), ...hostEdges(view)];
      const zones = [...view.zones.keys()].sort();
      for (const from of zones) {
        if (trust(from) === "wan") continue;
        for (const to of zones) {
          if (!protectedTrust.has(trust(to)!) || rank(from) >= rank(to)) continue;
          const path = shortestPath(edges, from, to);
          if (!path || path.length < 2) continue; // direct paths are reported above
          findings.push({
            id: `path:${from}->${to}`,
            message: `Zone ${label(from)} can reach zone ${label(to)} in ${path.length} hops: ${path.map((e) => e.describe).join("; then ")}.`,
            fix: `Break the chain: remove or narrow one of these hops (usually the last one into ${to}).`,
          });
        }
      }
    }
    return findings;
  },
};
