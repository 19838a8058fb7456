import type { PortRange, TalosIntent } from "../../model/intent";
import { formatPorts } from "../../model/net";
import { coversPort, effectiveTrust, flowEdges, TRUST_RANK } from "../lib/reach";
import type { Finding, HomelabRule } from "../lib/rule";
import type { LabView } from "../lib/view";

type Api = TalosIntent["apis"][number];
const API_NAMES: Record<Api["name"], string> = {
  talos: "Talos API",
  trustd: "Talos trustd",
  kubernetes: "Kubernetes API",
};

/** The cluster APIs answering on an address and port, from the Talos intent records (facts). */
function apisAt(view: LabView, address: string, port: number): string[] {
  return view.talos.flatMap((t) =>
    t.apis
      .filter((a) => a.port === port && a.addresses.includes(address))
      .map((a) => `${API_NAMES[a.name]} of cluster ${t.cluster}`),
  );
}

/** The cluster APIs a flow lets through: to their addresses (or the whole zone) and ports. */
function apisReached(
  view: LabView,
  zone: string,
  toAddresses: readonly string[],
  ports: readonly PortRange[],
): { api: Api; cluster: string; addresses: string[] }[] {
  return view.talos.flatMap((t) =>
    t.apis
      .filter((a) => a.zone === zone && coversPort(ports, "tcp", a.port))
      .map((a) => ({
        api: a,
        cluster: t.cluster,
        addresses: toAddresses.length
          ? a.addresses.filter((x) => toAddresses.includes(x))
          : [...a.addresses],
      }))
      .filter((x) => x.addresses.length > 0),
  );
}

export const clusterApiIsolation: HomelabRule = {
  name: "cluster-api-isolation",
  description:
    "Checks that the Talos and Kubernetes APIs of the lab's cluster are reachable neither from the internet (port-forwards, tunnel routes) nor from a zone less trusted than the cluster's own (flows) — judged by the cluster's nodes, VIP and API ports from its intent record, so a port number alone never counts.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Remove the port-forward, tunnel route or flow that reaches the cluster's API; reach talosctl and kubectl from the management zone (a flow from it to the cluster's zone on tcp/50000 and tcp/6443) or over a VPN.",
  check: (view) => {
    const findings: Finding[] = [];
    for (const r of view.routers) {
      for (const pf of r.portForwards) {
        const apis = apisAt(view, pf.targetAddress, pf.targetPort);
        if (apis.length === 0) continue;
        findings.push({
          id: `api:${r.name}:${pf.protocol}/${pf.publicPort}`,
          urn: view.urnOf.get(r),
          message: `Port-forward ${pf.protocol}/${pf.publicPort} on router ${r.name} -> service ${pf.service} at ${pf.targetAddress}:${pf.targetPort} publishes the ${apis.join(" and the ")} to the internet.`,
          fix: `Remove the port-forward (homelab:routers.${r.name}.portForwards); reach the cluster's APIs from the management zone (or over a VPN) only.`,
        });
      }
    }
    for (const t of view.tunnelRoutes) {
      const m = t.service ? /^[a-z]+:\/\/([^/:]+)(?::(\d+))?/.exec(t.service) : null;
      if (!m) continue;
      const port = m[2] ? Number(m[2]) : t.service!.startsWith("https:") ? 443 : 80;
      const apis = apisAt(view, m[1]!, port);
      if (apis.length === 0) continue;
      findings.push({
        id: `api:tunnel:${t.hostname ?? t.resource}`,
        urn: t.urn,
        message: `Tunnel route ${t.hostname ?? "(no hostname)"} -> ${t.service} publishes the ${apis.join(" and the ")}.`,
        fix: "Remove the route; reach the cluster's APIs from the management zone (or over a VPN) only.",
      });
    }
    const trust = effectiveTrust(view);
    const rank = (z: string) => TRUST_RANK[trust(z) ?? "wan"];
    for (const e of flowEdges(view)) {
      for (const hit of apisReached(view, e.to, e.toAddresses ?? [], e.ports ?? [])) {
        if (rank(e.from) >= rank(hit.api.zone)) continue;
        const router = view.routers.find((r) => `router ${r.name}` === e.via);
        findings.push({
          id: `api-flow:${e.from}->${e.to}:${hit.api.name}`,
          urn: router ? view.urnOf.get(router) : undefined,
          message: `${trust(e.from) === "wan" ? "The internet" : `Zone ${e.from} (${trust(e.from) ?? "undeclared zone"})`} can reach the ${API_NAMES[hit.api.name]} of cluster ${hit.cluster} (tcp/${hit.api.port} on ${hit.addresses.join(", ")}) in the more trusted zone ${e.to}: ${e.describe}. ${trust(e.from) === "wan" ? "Anyone" : `Whoever controls a ${e.from} machine`} can try the cluster's credentials there.`,
          fix: `Narrow the flow from ${e.from} to ${e.to} so it leaves out tcp/${hit.api.port} (it allows ${formatPorts(e.ports ?? [], "any port")}) or points at a service (toService), and manage the cluster from the management zone.`,
        });
      }
    }
    return findings;
  },
};
