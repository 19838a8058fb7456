import type { TrustLevel } from "../../model/intent";
import type { Finding, HomelabRule, RuleConfig } from "../lib/rule";
import {
  effectiveTrust,
  flowEdges,
  hostEdges,
  multiHomed,
  shortestPath,
  TRUST_RANK,
  widePorts,
  zoneFacts,
} from "../lib/reach";
import type { LabView } from "../lib/view";

export interface ZoneIsolationConfig extends RuleConfig {
  /** Trust levels no lower-trust zone may reach. */
  readonly protectedTrust?: readonly TrustLevel[];
  /** Also follow multi-hop paths (a flow into a zone that itself may reach a protected zone). */
  readonly transitive?: boolean;
}

/**
 * Where the hypervisors live, checked against what the zones are declared as. Each case reports what
 * is misplaced, once: guests in a zone declared for hypervisors or management; a hypervisor managed
 * from a DMZ or guest zone; a zone that holds only hypervisors but is declared lower.
 */
function trustFindings(view: LabView, label: (z: string) => string): Finding[] {
  const findings: Finding[] = [];
  const facts = zoneFacts(view);
  const protectedZone = (z: string) => {
    const t = view.zones.get(z)?.trust;
    return t === "hypervisor" || t === "management";
  };
  for (const [zone, f] of [...facts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (f.hypervisors.length === 0 || protectedZone(zone)) continue;
    const declared = view.zones.get(zone)?.trust;
    const shared = f.guests.length > 0 || f.bridged;
    if (shared || declared === "dmz" || declared === "wan") {
      for (const h of f.hypervisors) {
        const hv = view.hypervisors.find((x) => x.name === h)!;
        const address = view.machines.find((m) => m.name === h)?.addresses[0]?.address;
        findings.push({
          id: `hypervisor-zone:${h}`,
          urn: view.urnOf.get(hv),
          message: `Hypervisor ${h} has its management address${address ? ` ${address}` : ""} in zone ${label(zone)}, ${shared ? `where guests live (${f.guests.length ? f.guests.join(", ") : "a bridged guest zone"})` : "a zone facing the internet"}: whoever controls a machine there reaches the hypervisor's management directly, and with it every guest.`,
          fix: `Move ${h}'s management address (homelab:hypervisors.${h}.zone and address) into a zone of its own with trust hypervisor, reachable from the management zone only.`,
        });
      }
    } else if (declared !== undefined) {
      findings.push({
        id: `trust:${zone}`,
        message: `Zone ${zone} is declared ${declared}, but it holds the management addresses of hypervisor${f.hypervisors.length === 1 ? "" : "s"} ${f.hypervisors.join(", ")}: what lives in it makes it a hypervisor zone, and it is judged as one.`,
        fix: `Declare homelab:zones.${zone}.trust: hypervisor, so that default deny and this policy protect it as such.`,
      });
    }
  }
  // A guest on the bridge of a hypervisor or management zone sits next to what manages the lab.
  for (const m of view.machines.filter((x) => x.role === "vm")) {
    (m.nics ?? []).forEach((nic, i) => {
      if (!protectedZone(nic.zone)) return;
      const hypervisors = facts.get(nic.zone)?.hypervisors ?? [];
      findings.push({
        id: `vm-in-protected-zone:${m.name}:${nic.zone}`,
        urn: view.urnOf.get(m),
        message: `VM ${m.name} has a NIC on ${nic.bridge} in zone ${label(nic.zone)}${hypervisors.length ? `, where the management addresses of ${hypervisors.join(", ")} are` : ""}: a compromised guest sits inside the ${view.zones.get(nic.zone)!.trust} zone without crossing the firewall.`,
        fix: `Put the NIC in a guest zone (${m.path}.nics[${i}].zone) and drop zone ${nic.zone} from the bridges of ${m.hypervisor ?? "its hypervisor"}.`,
      });
    });
  }
  return findings;
}

export const zoneIsolation: HomelabRule<ZoneIsolationConfig> = {
  name: "zone-isolation",
  description:
    "Checks that no lower-trust zone can open a connection into a hypervisor or management zone — computed by reachability over the whole lab: directly, through a chain of flows, or through a machine straddling zones — with each zone judged by what lives in it (a zone holding hypervisors' management addresses is a hypervisor zone whatever it is declared as; a hypervisor managed from a DMZ or guest zone, or a guest on a hypervisor zone's bridge, is reported), that flows into higher-trust zones are narrow (no protocol any, no range of 1024 ports or more, no whole zone), that nothing is routed in from the WAN, that hypervisors have no address in guest zones and that VM NICs sit on their own zone's bridge.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Remove or narrow the offending entry in homelab:flows (to a toService/toHost and specific ports); give multi-homed machines one zone; drop `address` from hypervisor bridges; keep hypervisors' management addresses in a zone of their own declared `trust: hypervisor`, with no guests; move VM NICs to their zone's bridge. Accepted risks can be waived per finding with a reason and expiry.",
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
    const trust = effectiveTrust(view);
    const rank = (z: string) => TRUST_RANK[trust(z) ?? "wan"];
    const label = (z: string) => `${z} (${trust(z) ?? "undeclared zone"})`;
    const findings: Finding[] = [...trustFindings(view, label)];

    const flows = flowEdges(view);
    for (const e of flows) {
      const routerUrn = view.routers.find((r) => `router ${r.name}` === e.via);
      const urn = routerUrn ? view.urnOf.get(routerUrn) : undefined;
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
        const wide = widePorts(e.ports ?? []);
        const anyAddress = (e.toAddresses ?? []).length === 0;
        if (wide || anyAddress) {
          findings.push({
            id: `broad:${e.from}->${e.to}`,
            urn,
            message: `Flow ${e.describe} lets lower-trust ${label(e.from)} into higher-trust ${label(e.to)} ${wide && anyAddress ? `${wide} to any address` : (wide ?? "to any address")}.`,
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
      const primary = machine.addresses[0]!.zone;
      const others = m.zones.filter((z) => z !== primary);
      findings.push({
        id: `multihomed:${m.name}`,
        urn: view.urnOf.get(machine),
        message: `${m.role} ${m.name} has addresses in ${m.zones.map(label).join(" and ")}: whoever compromises it from the lower-trust zone is inside the higher one without crossing the firewall.`,
        fix: `Keep ${m.name}'s primary NIC (zone ${primary}) and remove the one${others.length === 1 ? "" : "s"} in zone ${others.join(", ")} from ${machine.path}.nics; let a narrow flow (toService) carry what it needs.`,
      });
    }

    for (const h of view.hypervisors) {
      for (const b of h.bridges) {
        if (!b.address) continue;
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
      (m.nics ?? []).forEach((nic, i) => {
        const expected = h?.bridges.find((b) => b.zone === nic.zone)?.bridge;
        if (expected === nic.bridge) return;
        const actual = h?.bridges.find((b) => b.bridge === nic.bridge)?.zone;
        findings.push({
          id: `vm-bridge:${m.name}:${nic.mac}`,
          urn: view.urnOf.get(m),
          message: `VM ${m.name} declares its NIC ${nic.mac} in zone ${label(nic.zone)} but it is attached to bridge ${nic.bridge}${actual ? `, which carries zone ${label(actual)}` : `, which hypervisor ${m.hypervisor ?? "(unknown)"} does not declare`}.`,
          fix: expected
            ? `Attach the NIC back to ${expected}: the VM's domain is rendered from ${m.path}.nics[${i}].zone, so \`pulumi up\` restores it unless the domain was edited by hand (virsh edit). If the VM belongs in zone ${actual ?? "another zone"}, set that zone there instead.`
            : `Declare a bridge for zone ${nic.zone} on ${m.hypervisor ?? "the hypervisor"} (homelab:hypervisors.${m.hypervisor ?? "<name>"}.bridges), or move the NIC to a bridged zone (${m.path}.nics[${i}].zone).`,
        });
      });
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
