/**
 * The validation context every inventory section shares: the raw and the partly parsed inventory,
 * the issue list, the namespaces references are followed through (zones, machines, services), and
 * the claims sections register: addresses and address ranges (each in the zone it must belong to),
 * ports on machines, internal DNS names. Sections check their own part; a reference, an address or a
 * port is then judged the same way wherever it appears.
 */
import type { Inventory } from "./inventory";
import type { MachineKind } from "./lab";
import { show } from "./messages";
import { Names, rawKeys } from "./names";
import { Cidr, cidrContains, ipToInt, isNetworkOrBroadcast, normalizeMac } from "./net";
import type { Issues } from "./schema";
import type { MachineSpec } from "./sections/machines";
import type { ServiceSpec } from "./sections/services";
import type { ZoneSpec } from "./sections/zones";

/** The inventory as far as it parsed. */
export type PartialInventory = { -readonly [K in keyof Inventory]?: Inventory[K] } & {
  /** Top-level keys that were given but failed to parse: checks depending on them are skipped. */
  failed: Set<string>;
};

export interface MachineRef {
  readonly name: string;
  readonly kind: MachineKind;
  readonly path: string;
  readonly os: "debian" | "nixos" | "talos";
  readonly spec?: MachineSpec;
  readonly hypervisor?: string;
}

interface AddressClaim {
  readonly address: string;
  readonly path: string;
  readonly owner: string;
}

interface RangeClaim {
  readonly start: string;
  readonly end: string;
  readonly path: string;
  readonly zone: string;
}

/** What listens on a port of a machine: a service, or a daemon the lab itself runs there. */
export interface PortClaim {
  readonly owner: string;
  readonly path: string;
  /** `service`: declared under homelab:services; `daemon`: run by the lab (sshd, dnsmasq, Talos);
   * `nixos`: a NixOS service the inventory configures (a declared service may describe it). */
  readonly kind: "service" | "daemon" | "nixos";
}

/** Entries of a name-keyed map, sorted by name. */
export function byName<T>(map: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));
}

export class Context {
  readonly zoneCidrs = new Map<string, Cidr>();
  readonly zones = new Names<ZoneSpec>("zone", "Add it under homelab:zones or use one of those.");
  readonly machines = new Names<MachineRef>(
    "machine",
    "Declare it under homelab:routers, homelab:hypervisors (vms), or homelab:hosts, or fix the name.",
  );
  readonly services = new Names<ServiceSpec>(
    "service",
    "Declare it under homelab:services or fix the name.",
  );
  /** The Talos cluster's zone, once checkTalos could tell it. */
  clusterZone?: string;
  private readonly addresses = new Map<string, AddressClaim>();
  private readonly ranges: RangeClaim[] = [];
  private readonly macs = new Map<string, AddressClaim>();
  private readonly ports = new Map<string, PortClaim>();

  constructor(
    raw: Readonly<Record<string, unknown>>,
    readonly inv: PartialInventory,
    readonly issues: Issues,
  ) {
    const section = (key: string) => raw[`homelab:${key}`];
    this.zones.declare(rawKeys(section("zones")));
    for (const [name, z] of Object.entries(inv.zones ?? {})) this.zones.set(name, z);
    this.services.declare(rawKeys(section("services")));
    for (const [name, s] of Object.entries(inv.services ?? {})) this.services.set(name, s);
    for (const key of ["routers", "hypervisors", "hosts"]) {
      this.machines.declare(rawKeys(section(key)));
    }
    // VMs are declared inside their hypervisor: names of VMs of an unparsable hypervisor count too.
    const hypervisors = section("hypervisors");
    for (const h of rawKeys(hypervisors) ?? []) {
      const entry = (hypervisors as Record<string, unknown>)[h];
      const vms = rawKeys(entry);
      this.machines.declare(
        vms === undefined ? undefined : rawKeys((entry as Record<string, unknown> | null)?.vms),
      );
    }
  }

  add(path: string, message: string): void {
    this.issues.add(path, message);
  }

  /** True when some entry of the map at `mapPath` was invalid: claims about "all entries" are then
   * skipped, since the invalid entry may be the one that would satisfy them. */
  incomplete(mapPath: string): boolean {
    return this.issues.dropped.some((d) => d.mapPath === mapPath);
  }

  /** Checks a zone reference; returns false (after reporting it if it is certainly wrong). */
  zoneRef(path: string, zone: string): boolean {
    return this.zones.ref(this.issues, path, zone) !== undefined;
  }

  machineRef(path: string, name: string, what = "machine"): MachineRef | undefined {
    return this.machines.ref(this.issues, path, name, what);
  }

  serviceRef(path: string, name: string): ServiceSpec | undefined {
    return this.services.ref(this.issues, path, name);
  }

  /** Registers a machine name; names are unique across routers, hypervisors, VMs and hosts. */
  register(ref: MachineRef): void {
    const prior = this.machines.get(ref.name);
    if (prior) {
      this.add(
        ref.path,
        `${show(ref.name)} is already the name of a ${prior.kind} (${prior.path}); expected names unique across routers, hypervisors, VMs and hosts (they become DNS names). Rename one of them.`,
      );
      return;
    }
    this.machines.set(ref.name, ref);
  }

  /**
   * The one claim every address-like field goes through: it must lie in its zone (when the zone's
   * network is known), be a host address, not the zone's gateway (unless it is the gateway), and be
   * unique. Claims are later checked against the address ranges (DHCP pools) too.
   */
  claimAddress(
    path: string,
    zone: string | undefined,
    address: string,
    owner: string,
    isGateway = false,
  ): void {
    const cidr = zone === undefined ? undefined : this.zoneCidrs.get(zone);
    if (cidr && zone !== undefined) {
      if (!cidrContains(cidr, address)) {
        this.add(
          path,
          `${show(address)} is outside zone ${zone} (${cidr.text}); expected an address in ${cidr.text}. Use an address of that network or move it to the right zone.`,
        );
        return;
      }
      if (isNetworkOrBroadcast(cidr, address)) {
        this.add(
          path,
          `${show(address)} is the network or broadcast address of ${cidr.text}; expected a host address. Pick another address in ${cidr.text}.`,
        );
        return;
      }
      const gw = this.inv.zones?.[zone]?.gateway;
      if (!isGateway && gw === address) {
        this.add(
          path,
          `${show(address)} is the gateway of zone ${zone} (the router's address); expected a free address. Pick another address in ${cidr.text}.`,
        );
        return;
      }
    }
    const prior = this.addresses.get(address);
    if (prior) {
      this.add(
        path,
        `${show(address)} is already used by ${prior.owner} (${prior.path}); expected a unique address. Pick a free address.`,
      );
      return;
    }
    this.addresses.set(address, { address, path, owner });
  }

  /**
   * Claims an address range (a DHCP pool) in its zone: both ends inside the zone's network, in
   * order, host addresses only, overlapping no other range. Every claimed address is checked against
   * it at the end (checkRanges), so the range excludes gateways and static addresses too.
   */
  claimRange(path: string, zone: string, start: string, end: string): void {
    const cidr = this.zoneCidrs.get(zone);
    if (!cidr) return;
    let ok = true;
    for (const [field, address] of [
      ["start", start],
      ["end", end],
    ] as const) {
      if (!cidrContains(cidr, address)) {
        this.add(
          `${path}.${field}`,
          `${show(address)} is outside zone ${zone} (${cidr.text}); expected an address in ${cidr.text}. Move the pool into the zone's network.`,
        );
        ok = false;
      } else if (isNetworkOrBroadcast(cidr, address)) {
        this.add(
          `${path}.${field}`,
          `${show(address)} is the network or broadcast address of ${cidr.text}; expected a pool of host addresses. ${field === "start" ? "Start the pool one address later" : "End the pool one address earlier"}.`,
        );
        ok = false;
      }
    }
    if (ipToInt(start) > ipToInt(end)) {
      this.add(
        `${path}.end`,
        `${show(end)} is before start ${start}; expected end >= start. Swap them.`,
      );
      return;
    }
    if (!ok) return;
    const overlap = this.ranges.find(
      (r) => ipToInt(r.start) <= ipToInt(end) && ipToInt(start) <= ipToInt(r.end),
    );
    if (overlap) {
      this.add(
        path,
        `${start}-${end} overlaps the DHCP pool ${overlap.start}-${overlap.end} of ${overlap.path}; expected pools that share no address. Shrink one of them.`,
      );
      return;
    }
    this.ranges.push({ start, end, path, zone });
  }

  /** Static addresses must not lie in a range, or dnsmasq may hand them to another client. */
  checkRanges(): void {
    const claims = [...this.addresses.values()].sort((a, b) => a.path.localeCompare(b.path));
    for (const r of this.ranges) {
      const cidr = this.zoneCidrs.get(r.zone)!;
      const lo = ipToInt(r.start);
      const hi = ipToInt(r.end);
      for (const claim of claims) {
        const n = ipToInt(claim.address);
        if (n >= lo && n <= hi && cidrContains(cidr, claim.address)) {
          this.add(
            claim.path,
            `${show(claim.address)} lies in the DHCP pool ${r.start}-${r.end} of ${r.path}; expected a static address outside the pool. Pick an address outside the pool or shrink the pool.`,
          );
        }
      }
    }
  }

  claimMac(path: string, mac: string, owner: string): void {
    const key = normalizeMac(mac);
    const prior = this.macs.get(key);
    if (prior) {
      this.add(
        path,
        `${show(mac)} is already used by ${prior.owner} (${prior.path}); expected a unique MAC address. Change one of them (KVM guests use 52:54:00:xx:xx:xx).`,
      );
      return;
    }
    this.macs.set(key, { address: key, path, owner });
  }

  /** Registers what listens on a machine's port; returns the earlier claim when there is one. */
  claimPort(
    machine: string,
    protocol: string,
    port: number,
    claim: PortClaim,
  ): PortClaim | undefined {
    const key = `${machine} ${protocol}/${port}`;
    const prior = this.ports.get(key);
    // A service may describe a NixOS service (it then holds the port); a daemon's port stays its own.
    if (!prior || (prior.kind === "nixos" && claim.kind === "service")) this.ports.set(key, claim);
    return prior;
  }

  /** The zone a service is reached in, when it can be told from valid parts of the inventory. */
  serviceZone(s: ServiceSpec): string | undefined {
    if (s.runsOn.host) {
      const m = this.machines.get(s.runsOn.host);
      return m ? this.machineZone(m) : undefined;
    }
    // A Kubernetes service is reached in the cluster's zone (its load-balancer address is claimed
    // there), which is the zone of the control planes.
    const cp = this.inv.talos?.controlPlanes[0];
    const m = cp ? this.machines.get(cp) : undefined;
    return m ? this.machineZone(m) : undefined;
  }

  machineAddressIn(m: MachineRef, zone: string): string | undefined {
    if (m.spec) return m.spec.nics.find((n) => n.zone === zone)?.address;
    if (m.kind === "hypervisor") {
      const h = this.inv.hypervisors?.[m.name];
      if (h?.zone === zone) return h.address;
      return h?.bridges.find((b) => b.zone === zone)?.address;
    }
    if (m.kind === "router") {
      const r = this.inv.routers?.[m.name];
      return r?.zones.includes(zone) ? this.inv.zones?.[zone]?.gateway : undefined;
    }
    return undefined;
  }

  machineZone(m: MachineRef): string | undefined {
    if (m.spec) return m.spec.nics[0]?.zone;
    if (m.kind === "hypervisor") return this.inv.hypervisors?.[m.name]?.zone;
    if (m.kind === "router") return this.inv.routers?.[m.name]?.managementZone;
    return undefined;
  }

  /** True when the zone is the wan zone (the internet side, which only routers face). */
  isWan(zone: string): boolean {
    return this.inv.zones?.[zone]?.trust === "wan";
  }
}
