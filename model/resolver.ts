/**
 * What every section's resolve step shares: the resolved zones, interfaces built against them, SSH
 * targets with the global settings applied, and which services run on which machine. Resolution runs
 * on a valid inventory only, so references are followed without checks.
 */
import type { Inventory } from "./inventory";
import type { Interface, SshTarget, Zone } from "./lab";
import { normalizeMac } from "./net";
import { HostSshSpec, MachineSshSpec, sshTarget } from "./sections/ssh";
import { resolveZones } from "./sections/zones";

export class Resolver {
  readonly zoneMap: Map<string, Zone>;
  private readonly servicesOn = new Map<string, string[]>();

  constructor(readonly inv: Inventory) {
    const routerOf = new Map<string, string>();
    for (const [name, r] of Object.entries(inv.routers))
      for (const z of r.zones) routerOf.set(z, name);
    this.zoneMap = resolveZones(inv.zones, routerOf);
    for (const [name, s] of Object.entries(inv.services)) {
      if (s.runsOn.host)
        this.servicesOn.set(s.runsOn.host, [...(this.servicesOn.get(s.runsOn.host) ?? []), name]);
    }
  }

  zone(name: string): Zone {
    return this.zoneMap.get(name)!;
  }

  iface(zone: string, address: string, name: string, mac?: string, gateway = true): Interface {
    return {
      zone,
      address,
      cidrAddress: `${address}/${this.zone(zone).prefix ?? 32}`,
      name,
      mac: mac ? normalizeMac(mac) : undefined,
      gateway: gateway ? this.zone(zone).gateway : undefined,
    };
  }

  /** The SSH target of the machine declared at config path `path`. */
  ssh(spec: HostSshSpec | MachineSshSpec, defaultHost: string, path: string): SshTarget {
    return sshTarget(this.inv.ssh, spec, defaultHost, path);
  }

  /** Names of the services running on a machine, sorted. */
  servicesOf(machine: string): string[] {
    return (this.servicesOn.get(machine) ?? []).sort();
  }
}
