/**
 * The validation context every inventory section shares: the partly parsed inventory, the issue list,
 * the names that were present but invalid, and the registries of zone networks, machines, addresses
 * and MACs. Sections check their own part and follow references through this one object, so a
 * reference is reported the same way wherever it appears.
 */
import type { Inventory } from "./inventory";
import type { MachineKind } from "./lab";
import { show } from "./messages";
import { Cidr, cidrContains, isNetworkOrBroadcast, normalizeMac } from "./net";
import type { Issues } from "./schema";
import type { MachineSpec } from "./sections/machines";
import type { ServiceSpec } from "./sections/services";

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

/** Entries of a name-keyed map, sorted by name. */
export function byName<T>(map: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));
}

export class Context {
  readonly zoneCidrs = new Map<string, Cidr>();
  readonly machines = new Map<string, MachineRef>();
  readonly droppedNames = new Set<string>();
  private readonly addresses = new Map<string, AddressClaim>();
  private readonly macs = new Map<string, AddressClaim>();

  constructor(
    readonly inv: PartialInventory,
    readonly issues: Issues,
  ) {
    for (const d of issues.dropped) this.droppedNames.add(d.key);
  }

  add(path: string, message: string): void {
    this.issues.add(path, message);
  }

  /** True when some entry of the map at `mapPath` was invalid: claims about "all entries" are then
   * skipped, since the invalid entry may be the one that would satisfy them. */
  incomplete(mapPath: string): boolean {
    return this.issues.dropped.some((d) => d.mapPath === mapPath);
  }

  /** Every claimed static address, sorted by config path. */
  claims(): AddressClaim[] {
    return [...this.addresses.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  private zoneNames(): string {
    const names = Object.keys(this.inv.zones ?? {}).sort();
    return names.length ? names.join(", ") : "none";
  }

  /** Checks a zone reference; returns false (after reporting) when it is not declared. */
  zoneRef(path: string, zone: string): boolean {
    if (!this.inv.zones) return false; // zones failed to parse: already reported
    if (this.inv.zones[zone]) return true;
    if (this.droppedNames.has(zone)) return false;
    this.add(
      path,
      `${show(zone)} is not a declared zone; expected one of ${this.zoneNames()}. Add it under homelab:zones or use one of those.`,
    );
    return false;
  }

  machineRef(path: string, name: string, what = "machine"): MachineRef | undefined {
    const m = this.machines.get(name);
    if (m) return m;
    if (!this.droppedNames.has(name)) {
      const names = [...this.machines.keys()].sort();
      this.add(
        path,
        `${show(name)} is not a declared ${what}; expected one of ${names.length ? names.join(", ") : "none"}. Declare it under homelab:routers, homelab:hypervisors (vms), or homelab:hosts, or fix the name.`,
      );
    }
    return undefined;
  }

  serviceRef(path: string, name: string): ServiceSpec | undefined {
    const s = this.inv.services?.[name];
    if (s) return s;
    if (this.inv.services && !this.droppedNames.has(name)) {
      const names = Object.keys(this.inv.services).sort();
      this.add(
        path,
        `${show(name)} is not a declared service; expected one of ${names.length ? names.join(", ") : "none"}. Declare it under homelab:services or fix the name.`,
      );
    }
    return undefined;
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

  /** Registers a static address: inside its zone, not network/broadcast/gateway, not duplicated. */
  claimAddress(
    path: string,
    zone: string,
    address: string,
    owner: string,
    isGateway = false,
  ): void {
    const cidr = this.zoneCidrs.get(zone);
    if (cidr) {
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

  /** The zone whose network holds the address, among zones with a valid network. */
  zoneOf(address: string): string | undefined {
    return [...this.zoneCidrs.entries()].find(([, c]) => cidrContains(c, address))?.[0];
  }

  /** The zone a service is reached in, when it can be told from valid parts of the inventory. */
  serviceZone(s: ServiceSpec): string | undefined {
    if (s.runsOn.host) {
      const m = this.machines.get(s.runsOn.host);
      return m ? this.machineZone(m) : undefined;
    }
    const k = s.runsOn.kubernetes;
    if (k?.loadBalancerIP) return this.zoneOf(k.loadBalancerIP);
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
}
