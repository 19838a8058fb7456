import { cidrContains, parseCidr } from "../../model/net";
import type { Finding, HomelabRule } from "../lib/rule";
import { effectiveTrust } from "../lib/reach";
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

/**
 * How to bring a service behind the DMZ: through a DMZ reverse proxy and a narrow flow, unless the
 * service lives where no DMZ flow may go (a hypervisor or management zone, or on a hypervisor or
 * router itself): then it has to move, since zone-isolation blocks any DMZ -> there flow.
 */
function behindTheDmz(view: LabView, service: string, zone: string | undefined): string {
  const trust = effectiveTrust(view);
  const t = zone === undefined ? undefined : trust(zone);
  const host = view.machines.find((m) => m.services.includes(service));
  if (
    t === "hypervisor" ||
    t === "management" ||
    host?.role === "hypervisor" ||
    host?.role === "router"
  ) {
    return `Move ${service} off ${host ? `${host.role} ${host.name}` : `zone ${zone}`}: run it in a VM in the DMZ (declare the VM under a hypervisor's vms and set homelab:services.${service}.runsOn.host to it). A DMZ reverse proxy could not reach it where it is, since zone-isolation blocks every flow from the DMZ into ${zone ? `zone ${zone} (${t ?? "undeclared"})` : "it"}.`;
  }
  return `Forward to a DMZ reverse proxy instead (e.g. homelab:services.<proxy> in the dmz zone) and let it reach ${service} through a toService flow.`;
}

export const dmzOnlyIngress: HomelabRule = {
  name: "dmz-only-ingress",
  description:
    "Checks that everything reachable from the internet — router port-forwards, public Cloudflare records, tunnel routes, Kubernetes services marked public — terminates on a DMZ address, and that the Cloudflare tunnel's connector (cloudflared, where tunnel traffic enters the lab) runs on a DMZ machine. The cluster's APIs are judged by cluster-api-isolation.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Publish only DMZ machines: point the port-forward, tunnel route or record at the DMZ reverse proxy and let it reach the inside service through a narrow flow (toService); a service on a hypervisor or in a hypervisor or management zone moves into a DMZ VM instead. Run cloudflared on a DMZ machine (homelab:cloudflare.tunnel.connector).",
  check: (view) => {
    const findings: Finding[] = [];
    const dmz = (zone: string | undefined) =>
      zone !== undefined && view.zones.get(zone)?.trust === "dmz";

    for (const r of view.routers) {
      const urn = view.urnOf.get(r);
      for (const pf of r.portForwards) {
        const what = `Port-forward ${pf.protocol}/${pf.publicPort} on router ${r.name} -> service ${pf.service} at ${pf.targetAddress}:${pf.targetPort}`;
        if (!dmz(pf.targetZone)) {
          findings.push({
            id: `port-forward:${r.name}:${pf.protocol}/${pf.publicPort}`,
            urn,
            message: `${what} exposes zone ${pf.targetZone} (${view.zones.get(pf.targetZone)?.trust ?? "undeclared"}) to the internet; internet traffic must terminate in the DMZ.`,
            fix: behindTheDmz(view, pf.service, pf.targetZone),
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
          fix: `Serve ${e.hostname} through a DMZ entry: ${behindTheDmz(view, e.entryService, e.entryZone).replace(/^Forward to a DMZ reverse proxy instead/, "set public.via to proxy with a DMZ reverse proxy")}`,
        });
      }
    }

    // The tunnel's connector is where its traffic enters the lab: it must sit in the DMZ.
    for (const name of [...new Set(view.exposures.map((e) => e.connector))].sort()) {
      if (name === undefined) continue;
      const m = view.machines.find((x) => x.name === name);
      const zones = [...new Set((m?.addresses ?? []).map((a) => a.zone))].sort();
      if (zones.length > 0 && zones.every((z) => dmz(z))) continue;
      const inDmz = view.machines
        .filter(
          (x) =>
            x.os !== "talos" && x.addresses.length > 0 && x.addresses.every((a) => dmz(a.zone)),
        )
        .map((x) => x.name)
        .sort();
      const names = view.exposures.filter((e) => e.connector === name).map((e) => e.hostname);
      findings.push({
        id: `tunnel-connector:${name}`,
        urn: m ? view.urnOf.get(m) : undefined,
        message: `The Cloudflare tunnel connector (cloudflared) runs on ${m ? `${m.role} ${name}` : name} in zone ${zones.length ? zones.map((z) => `${z} (${view.zones.get(z)?.trust ?? "undeclared"})`).join(" and ") : "(unknown)"}: internet traffic for ${names.join(", ")} enters the lab there, past the DMZ.`,
        fix: `Set homelab:cloudflare.tunnel.connector to a DMZ machine${inDmz.length ? ` (${inDmz.join(", ")})` : " (add one to the dmz zone)"}; let it reach inside services through narrow flows.`,
      });
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
