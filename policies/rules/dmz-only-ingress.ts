import { cidrContains, parseCidr } from "../../model/net";
import type { Finding, HomelabRule } from "../lib/rule";
import type { LabView } from "../lib/view";

/** RFC 1918, CGNAT, loopback and link-local ranges: never valid targets for public records. */
const PRIVATE = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
].map((c) => parseCidr(c)!);
const API_PORTS = new Map([
  [6443, "Kubernetes API"],
  [50000, "Talos API"],
  [50001, "Talos trustd"],
]);

function zoneOf(view: LabView, address: string): string | undefined {
  for (const [name, z] of view.zones) {
    const c = z.cidr ? parseCidr(z.cidr) : undefined;
    if (c && /^\d+\.\d+\.\d+\.\d+$/.test(address) && cidrContains(c, address)) return name;
  }
  return undefined;
}

function isInternalAddress(view: LabView, address: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
  return zoneOf(view, address) !== undefined || PRIVATE.some((c) => cidrContains(c, address));
}

/** Talos nodes, VIPs and the like, by address. */
function talosAddresses(view: LabView): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of view.talos) for (const n of t.nodes) out.set(n.address, `Talos node ${n.name}`);
  return out;
}

export const dmzOnlyIngress: HomelabRule = {
  name: "dmz-only-ingress",
  description:
    "Checks that everything reachable from the internet — router port-forwards, public Cloudflare records, tunnel routes, Kubernetes services marked public — terminates on a DMZ address, and that the Talos and Kubernetes APIs are never published.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Publish only DMZ machines: point the port-forward, tunnel route or record at the DMZ reverse proxy and let it reach the inside service through a narrow flow (toService). Never publish 6443 or 50000.",
  check: (view) => {
    const findings: Finding[] = [];
    const talos = talosAddresses(view);
    const dmz = (zone: string | undefined) =>
      zone !== undefined && view.zones.get(zone)?.trust === "dmz";

    for (const r of view.routers) {
      const urn = view.urnOf.get(r);
      for (const pf of r.portForwards) {
        const what = `Port-forward ${pf.protocol}/${pf.publicPort} on router ${r.name} -> service ${pf.service} at ${pf.targetAddress}:${pf.targetPort}`;
        const api =
          API_PORTS.get(pf.targetPort) ??
          API_PORTS.get(pf.publicPort) ??
          talos.get(pf.targetAddress);
        if (api) {
          findings.push({
            id: `api:${r.name}:${pf.protocol}/${pf.publicPort}`,
            urn,
            message: `${what} publishes the ${api} to the internet.`,
            fix: `Remove the port-forward; reach the cluster's APIs from the management zone (or over a VPN) only.`,
          });
        }
        if (!dmz(pf.targetZone)) {
          findings.push({
            id: `port-forward:${r.name}:${pf.protocol}/${pf.publicPort}`,
            urn,
            message: `${what} exposes zone ${pf.targetZone} (${view.zones.get(pf.targetZone)?.trust ?? "undeclared"}) to the internet; internet traffic must terminate in the DMZ.`,
            fix: `Forward to a DMZ reverse proxy instead (e.g. homelab:services.<proxy> in the dmz zone) and let it reach ${pf.service} through a toService flow.`,
          });
        }
      }
    }

    for (const e of view.exposures) {
      if (!dmz(e.entryZone)) {
        findings.push({
          id: `exposure:${e.service}`,
          urn: view.urnOf.get(e),
          message: `Public name ${e.hostname} (service ${e.service}, via ${e.via}) enters the lab at ${e.entryService} in zone ${e.entryZone ?? "(unknown)"}, not in the DMZ.`,
          fix: `Serve ${e.hostname} through a DMZ entry: set public.via to proxy with a DMZ reverse proxy, or move ${e.entryService} into the DMZ.`,
        });
      }
    }

    for (const d of view.dnsRecords) {
      if (d.content === undefined || (d.type !== "A" && d.type !== "AAAA")) continue;
      if (isInternalAddress(view, d.content)) {
        const zone = zoneOf(view, d.content);
        findings.push({
          id: `dns-record:${d.name ?? d.resource}`,
          urn: d.urn,
          message: `Public DNS record ${d.name ?? d.resource} (${d.type}) points at internal address ${d.content}${zone ? ` in zone ${zone}` : ""}: it leaks the inside layout and is never the DMZ entry.`,
          fix: `Point ${d.name ?? "the record"} at the public address of the router that port-forwards to the DMZ (homelab:cloudflare.publicAddress); drop recordAddress.`,
        });
      }
    }

    for (const t of view.tunnelRoutes) {
      const host = t.service ? /^[a-z]+:\/\/([^/:]+)/.exec(t.service)?.[1] : undefined;
      if (!host || t.service?.startsWith("http_status:")) continue;
      const zone = zoneOf(view, host);
      const api =
        talos.get(host) ??
        API_PORTS.get(Number(/:(\d+)/.exec(t.service!.replace(/^[a-z]+:\/\//, ""))?.[1]));
      if (api) {
        findings.push({
          id: `api:tunnel:${t.hostname ?? t.resource}`,
          urn: t.urn,
          message: `Tunnel route ${t.hostname ?? "(no hostname)"} -> ${t.service} publishes the ${api}.`,
          fix: "Remove the route.",
        });
      }
      if (!dmz(zone)) {
        findings.push({
          id: `tunnel-route:${t.hostname ?? t.resource}`,
          urn: t.urn,
          message: `Tunnel route ${t.hostname ?? "(no hostname)"} -> ${t.service} ends in zone ${zone ?? "(outside every declared zone)"}, not in the DMZ.`,
          fix: `Route the tunnel to a DMZ address (a reverse proxy there) instead.`,
        });
      }
    }

    for (const s of view.kubeServices.filter((x) => x.exposure === "public")) {
      const zone = s.loadBalancerIP ? zoneOf(view, s.loadBalancerIP) : undefined;
      if (s.type !== "LoadBalancer" || !dmz(zone)) {
        findings.push({
          id: `k8s-service:${s.name ?? s.resource}`,
          urn: s.urn,
          message: `Kubernetes Service ${s.name ?? s.resource} is marked public but is ${s.type === "LoadBalancer" ? `a LoadBalancer at ${s.loadBalancerIP ?? "(no address)"} in zone ${zone ?? "(none)"}` : `of type ${s.type ?? "(unknown)"}, reachable on the nodes`}, not on a DMZ address.`,
          fix: "Publish it through the DMZ reverse proxy (public.via: proxy) instead.",
        });
      }
    }
    return findings;
  },
};
