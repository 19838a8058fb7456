/** `homelab:domain` and the internal DNS records the routers serve under it. */
import type { DnsRecord, Machine, Service, TalosCluster } from "../lab";
import { ipToInt } from "../net";
import { INTERNAL_DOMAIN_RE, shaped } from "../formats";

export const domainSchema = shaped({
  description: "Internal DNS domain served by the routers, e.g. home.arpa.",
  format: "a DNS name",
  re: INTERNAL_DOMAIN_RE,
  problem: "is not a DNS name",
  fix: "Write it in lower case without a trailing dot, e.g. home.arpa.",
});

/** Every machine by name and per zone, the cluster endpoint, and each service alias. */
export function dnsRecords(
  domain: string,
  machines: readonly Machine[],
  talos: TalosCluster | undefined,
  services: readonly Service[],
): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (const m of machines) {
    m.interfaces.forEach((i, idx) => {
      records.push({ name: `${m.name}.${i.zone}.${domain}`, address: i.address });
      if (idx === 0) records.push({ name: `${m.name}.${domain}`, address: i.address });
    });
  }
  if (talos)
    records.push({ name: `${talos.clusterName}.${domain}`, address: talos.endpointAddress });
  for (const s of services) {
    for (const alias of s.dns)
      for (const a of s.addresses) records.push({ name: `${alias}.${domain}`, address: a });
  }
  records.sort((a, b) => a.name.localeCompare(b.name) || ipToInt(a.address) - ipToInt(b.address));
  return records;
}
