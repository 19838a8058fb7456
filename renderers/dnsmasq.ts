/**
 * dnsmasq on the router: DHCP pools and static leases per zone, and the internal DNS zone with every
 * machine, every service alias (`nfs1` → whoever serves it, seed 000) and split-horizon answers for
 * public names (so inside clients reach the DMZ entry directly instead of hair-pinning through NAT,
 * the problem seed 003 solved by hand).
 */
import type { Lab, Router } from "../model/lab";
import { generatedHeader, lines } from "./text";

export const DNSMASQ_PATH = "/etc/dnsmasq.d/homelab.conf";

export function renderDnsmasq(lab: Lab, router: Router): string {
  // Only the zones it is the gateway of: its uplink is another router's zone.
  const zones = router.machine.interfaces.filter((i) => router.zones.includes(i.zone));
  const out: string[] = [
    generatedHeader(`router ${router.name} (dnsmasq)`),
    "# answer only on the zone gateways; never on the WAN",
    "bind-interfaces",
    ...zones.map((i) => `interface=${i.name}`),
    ...(router.wan ? [`except-interface=${router.wan.interface}`] : []),
    "no-resolv",
    "no-hosts",
    "domain-needed",
    "bogus-priv",
    ...router.dnsUpstreams.map((u) => `server=${u}`),
    `domain=${lab.domain}`,
    `local=/${lab.domain}/`,
    "",
    "# DHCP",
  ];
  for (const pool of router.dhcp) {
    const i = zones.find((z) => z.zone === pool.zone)!;
    out.push(
      `dhcp-range=set:${pool.zone},${pool.start},${pool.end},${pool.leaseTime}`,
      `dhcp-option=tag:${pool.zone},option:router,${i.address}`,
      `dhcp-option=tag:${pool.zone},option:dns-server,${i.address}`,
    );
  }
  for (const z of zones) {
    if (router.dhcp.some((p) => p.zone === z.zone)) continue;
    const leases = router.staticLeases.filter((l) => l.zone === z.zone);
    if (leases.length === 0) continue;
    // Static leases in a zone without a pool still need a range declaration (static mode).
    const base = z.cidrAddress.split("/")[0]!;
    out.push(
      `dhcp-range=set:${z.zone},${base},static,12h`,
      `dhcp-option=tag:${z.zone},option:router,${z.address}`,
    );
  }
  for (const l of router.staticLeases) out.push(`dhcp-host=${l.mac},${l.address},${l.hostname}`);
  out.push("", "# internal names");
  for (const r of lab.dnsRecords) out.push(`host-record=${r.name},${r.address}`);
  const split = lab.services.filter((s) => s.exposure.kind !== "internal");
  if (split.length > 0) {
    out.push("", "# public names answered with the DMZ entry's inside address (split horizon)");
    for (const s of split) {
      const exposure = s.exposure;
      if (exposure.kind === "internal") continue;
      const entry = lab.services.find((e) => e.name === exposure.entryService);
      for (const a of entry?.addresses ?? []) out.push(`host-record=${exposure.hostname},${a}`);
    }
  }
  return lines(out);
}
