/**
 * Inventory loading: raw config values → parsed inventory → cross-reference validation → resolved Lab.
 * Every problem is collected (never just the first); on any problem no Lab is returned, so nothing
 * can be registered or applied.
 */
import { createHash } from "node:crypto";
import {
  DEFAULT_SSHD,
  HypervisorSpec,
  INVENTORY_KEYS,
  Inventory,
  MachineSpec,
  PORT_SPEC_RE,
  SECRET_KEYS,
  ServiceSpec,
  VmSpec,
} from "./inventory";
import type {
  Bridge,
  DnsRecord,
  Exposure,
  Flow,
  Hypervisor,
  Interface,
  Lab,
  Machine,
  MachineKind,
  PortForward,
  PortRule,
  Router,
  Service,
  StaticLease,
  TalosCluster,
  Vm,
  Zone,
} from "./lab";
import {
  Cidr,
  cidrContains,
  cidrsOverlap,
  ipToInt,
  isNetworkOrBroadcast,
  normalizeMac,
  parseCidr,
} from "./net";
import { expectedOf, Issue, Issues, show, unknownKeyMessage } from "./schema";

export const NAMESPACE = "homelab";

export class InventoryError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(formatIssues(issues));
    this.name = "InventoryError";
  }
}

export function formatIssues(issues: readonly Issue[]): string {
  const n = issues.length;
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`);
  return [
    `The homelab inventory has ${n} problem${n === 1 ? "" : "s"}; nothing was registered or applied.`,
    ...lines,
  ].join("\n");
}

export interface LoadResult {
  readonly lab?: Lab;
  readonly issues: readonly Issue[];
}

/**
 * Loads and validates an inventory. `raw` maps full config keys (`homelab:zones`) to plain values;
 * keys of other namespaces are ignored.
 */
export function loadInventory(raw: Readonly<Record<string, unknown>>): LoadResult {
  const issues = new Issues();
  const inv = parseInventory(raw, issues);
  const v = new Validator(inv, issues);
  v.run();
  if (!issues.empty) return { issues: issues.list };
  return { lab: resolve(inv as Inventory), issues: [] };
}

/** Throws InventoryError listing every problem; returns the resolved lab otherwise. */
export function loadInventoryOrThrow(raw: Readonly<Record<string, unknown>>): Lab {
  const result = loadInventory(raw);
  if (!result.lab) throw new InventoryError(result.issues);
  return result.lab;
}

type Partial_ = { -readonly [K in keyof Inventory]?: Inventory[K] } & {
  /** Top-level keys that were given but failed to parse: checks depending on them are skipped. */
  failed: Set<string>;
};

function parseInventory(raw: Readonly<Record<string, unknown>>, issues: Issues): Partial_ {
  const known = [...Object.keys(INVENTORY_KEYS), ...Object.keys(SECRET_KEYS)];
  for (const fullKey of Object.keys(raw).sort()) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if (!known.includes(key)) {
      issues.add(fullKey, unknownKeyMessage(key, known, `in the ${NAMESPACE} namespace`));
    }
  }
  const out: Record<string, unknown> = { failed: new Set<string>() };
  for (const [key, def] of Object.entries(INVENTORY_KEYS)) {
    const fullKey = `${NAMESPACE}:${key}`;
    const value = raw[fullKey];
    if (value === undefined || value === null) {
      if (def.required) {
        issues.add(
          fullKey,
          `(missing) is required; expected ${expectedOf(def.schema.doc)} (${def.schema.doc.description.replace(/\.$/, "")}). Set it in Pulumi.<stack>.yaml; see docs/config-reference.md.`,
        );
      }
      continue;
    }
    const parsed = def.schema.parse(value, fullKey, issues);
    if (parsed !== undefined) out[key] = parsed;
    else (out.failed as Set<string>).add(key);
  }
  // Defaults for optional collections keep the validator simple.
  if (out.flows === undefined && raw[`${NAMESPACE}:flows`] === undefined) out.flows = [];
  if (out.hypervisors === undefined && raw[`${NAMESPACE}:hypervisors`] === undefined)
    out.hypervisors = {};
  if (out.hosts === undefined && raw[`${NAMESPACE}:hosts`] === undefined) out.hosts = {};
  if (out.services === undefined && raw[`${NAMESPACE}:services`] === undefined) out.services = {};
  return out as Partial_;
}

// ---------------------------------------------------------------------------------------------
// Derived names (shared by the validator and the resolver, so both agree)

export function bridgeName(zone: string, vlan: number): string {
  const candidate = `br-${zone}`;
  return candidate.length <= 15 ? candidate : `br-vlan${vlan}`;
}

export function tapName(vm: string, index: number): string {
  const candidate = `vn-${vm}-${index}`;
  if (candidate.length <= 15) return candidate;
  return `vn-${createHash("sha256").update(vm).digest("hex").slice(0, 8)}-${index}`;
}

/** Stable locally administered MAC (KVM OUI 52:54:00) for a VM NIC without one. */
export function derivedMac(vm: string, index: number): string {
  const h = createHash("sha256").update(`${vm}/${index}`).digest("hex");
  return `52:54:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

export function parsePortSpec(spec: string): PortRule {
  const m = PORT_SPEC_RE.exec(spec)!;
  if (m[1] === "icmp" || m[1] === "any") return { protocol: m[1] };
  const from = Number(m[3]);
  return { protocol: m[2] as "tcp" | "udp", from, to: m[5] === undefined ? from : Number(m[5]) };
}

// ---------------------------------------------------------------------------------------------
// Validation

interface MachineRef {
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

class Validator {
  private readonly zoneCidrs = new Map<string, Cidr>();
  private readonly machines = new Map<string, MachineRef>();
  private readonly droppedNames = new Set<string>();
  private readonly addresses = new Map<string, AddressClaim>();
  private readonly macs = new Map<string, AddressClaim>();

  constructor(
    private readonly inv: Partial_,
    private readonly issues: Issues,
  ) {
    for (const d of issues.dropped) this.droppedNames.add(d.key);
  }

  private add(path: string, message: string): void {
    this.issues.add(path, message);
  }

  /** True when some entry of the map at `mapPath` was invalid: claims about "all entries" are then
   * skipped, since the invalid entry may be the one that would satisfy them. */
  private incomplete(mapPath: string): boolean {
    return this.issues.dropped.some((d) => d.mapPath === mapPath);
  }

  run(): void {
    this.checkZones();
    this.collectMachines();
    this.checkRouters();
    this.checkHypervisors();
    this.checkHosts();
    this.checkFlows();
    this.checkTalos();
    this.checkServices();
    this.checkCloudflare();
    this.checkDhcpPools();
  }

  /** Static addresses must not lie in a DHCP pool, or dnsmasq may hand them to another client. */
  private checkDhcpPools(): void {
    for (const [name, r] of Object.entries(this.inv.routers ?? {}).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      (r.dhcp ?? []).forEach((d, i) => {
        const cidr = this.zoneCidrs.get(d.zone);
        if (!cidr || !cidrContains(cidr, d.start) || !cidrContains(cidr, d.end)) return;
        const lo = ipToInt(d.start);
        const hi = ipToInt(d.end);
        for (const claim of [...this.addresses.values()].sort((a, b) =>
          a.path.localeCompare(b.path),
        )) {
          const n = ipToInt(claim.address);
          if (n >= lo && n <= hi && cidrContains(cidr, claim.address)) {
            this.add(
              claim.path,
              `${show(claim.address)} lies in the DHCP pool ${d.start}-${d.end} of homelab:routers.${name}.dhcp[${i}]; expected a static address outside the pool. Pick an address outside the pool or shrink the pool.`,
            );
          }
        }
      });
    }
  }

  // -- helpers ----------------------------------------------------------------------------

  private zoneNames(): string {
    const names = Object.keys(this.inv.zones ?? {}).sort();
    return names.length ? names.join(", ") : "none";
  }

  /** Checks a zone reference; returns false (after reporting) when it is not declared. */
  private zoneRef(path: string, zone: string): boolean {
    if (!this.inv.zones) return false; // zones failed to parse: already reported
    if (this.inv.zones[zone]) return true;
    if (this.droppedNames.has(zone)) return false;
    this.add(
      path,
      `${show(zone)} is not a declared zone; expected one of ${this.zoneNames()}. Add it under homelab:zones or use one of those.`,
    );
    return false;
  }

  private machineRef(path: string, name: string, what = "machine"): MachineRef | undefined {
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

  /** Registers a static address: inside its zone, not network/broadcast/gateway, not duplicated. */
  private claimAddress(
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

  private claimMac(path: string, mac: string, owner: string): void {
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

  // -- zones ------------------------------------------------------------------------------

  private checkZones(): void {
    const zones = this.inv.zones;
    if (!zones) return;
    const vlans = new Map<number, string>();
    const wanZones: string[] = [];
    for (const [name, z] of Object.entries(zones).sort(([a], [b]) => a.localeCompare(b))) {
      const path = `homelab:zones.${name}`;
      if (z.trust === "wan") {
        wanZones.push(name);
      } else {
        for (const field of ["vlan", "cidr", "gateway"] as const) {
          if (z[field] === undefined) {
            const expected =
              field === "vlan"
                ? "an integer from 1 to 4094"
                : field === "cidr"
                  ? "an IPv4 network in CIDR form"
                  : "an IPv4 address";
            this.add(
              `${path}.${field}`,
              `(missing) is required for a ${z.trust} zone; expected ${expected}. Add ${field} to zone ${name}.`,
            );
          }
        }
      }
      if (z.vlan !== undefined) {
        const prior = vlans.get(z.vlan);
        if (prior) {
          this.add(
            `${path}.vlan`,
            `${z.vlan} is already the VLAN of zone ${prior}; expected a VLAN id unique across zones. Pick an unused VLAN id.`,
          );
        } else vlans.set(z.vlan, name);
      }
      if (z.cidr) {
        const cidr = parseCidr(z.cidr)!;
        const overlap = [...this.zoneCidrs.entries()].find(([, c]) => cidrsOverlap(c, cidr));
        if (overlap) {
          this.add(
            `${path}.cidr`,
            `${show(z.cidr)} overlaps zone ${overlap[0]} (${overlap[1].text}); expected a network that overlaps no other zone. Pick a network outside ${overlap[1].text}.`,
          );
        } else this.zoneCidrs.set(name, cidr);
      }
      // A gateway is checkable only against a valid, non-overlapping network.
      if (z.gateway && this.zoneCidrs.has(name)) {
        this.claimAddress(`${path}.gateway`, name, z.gateway, `the gateway of zone ${name}`, true);
      }
    }
    if (wanZones.length > 1) {
      this.add(
        `homelab:zones.${wanZones[1]}.trust`,
        `"wan" is already the trust of zone ${wanZones[0]}; expected at most one wan zone. Keep one wan zone; its router's wan settings describe the uplink.`,
      );
    }
  }

  // -- machines ---------------------------------------------------------------------------

  private register(ref: MachineRef): void {
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

  private collectMachines(): void {
    for (const name of Object.keys(this.inv.routers ?? {}).sort()) {
      this.register({ name, kind: "router", path: `homelab:routers.${name}`, os: "debian" });
    }
    for (const [name, h] of Object.entries(this.inv.hypervisors ?? {}).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      this.register({
        name,
        kind: "hypervisor",
        path: `homelab:hypervisors.${name}`,
        os: "debian",
      });
      for (const [vm, spec] of Object.entries(h.vms ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        this.register({
          name: vm,
          kind: "vm",
          path: `homelab:hypervisors.${name}.vms.${vm}`,
          os: spec.os,
          spec,
          hypervisor: name,
        });
      }
    }
    for (const [name, spec] of Object.entries(this.inv.hosts ?? {}).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      this.register({ name, kind: "host", path: `homelab:hosts.${name}`, os: spec.os, spec });
    }
  }

  private checkRouters(): void {
    const routedBy = new Map<string, string>();
    for (const [name, r] of Object.entries(this.inv.routers ?? {}).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      const path = `homelab:routers.${name}`;
      const zones = new Set<string>();
      r.zones.forEach((zone, i) => {
        const zpath = `${path}.zones[${i}]`;
        if (!this.zoneRef(zpath, zone)) return;
        if (this.inv.zones![zone]!.trust === "wan") {
          this.add(
            zpath,
            `${show(zone)} is the wan zone; expected an inside zone. Describe the uplink under ${path}.wan instead.`,
          );
          return;
        }
        if (zones.has(zone)) {
          this.add(
            zpath,
            `${show(zone)} is listed twice; expected each zone once. Remove the duplicate.`,
          );
          return;
        }
        zones.add(zone);
        const prior = routedBy.get(zone);
        if (prior) {
          this.add(
            zpath,
            `${show(zone)} is already routed by router ${prior}, which holds its gateway address; expected one router per zone. Remove it from one router.`,
          );
        } else routedBy.set(zone, name);
      });
      for (const zone of zones) {
        const vlan = this.inv.zones![zone]!.vlan;
        if (vlan !== undefined && `${r.trunk}.${vlan}`.length > 15) {
          this.add(
            `${path}.trunk`,
            `${show(r.trunk)} makes the VLAN interface ${r.trunk}.${vlan} longer than 15 characters; expected a shorter trunk name. Rename the NIC (e.g. with a systemd .link file) or use a shorter one.`,
          );
          break;
        }
      }
      if (
        this.zoneRef(`${path}.managementZone`, r.managementZone) &&
        !zones.has(r.managementZone)
      ) {
        this.add(
          `${path}.managementZone`,
          `${show(r.managementZone)} is not one of this router's zones; expected one of ${[...zones].sort().join(", ") || "its zones"}. Add it to ${path}.zones or pick a routed zone.`,
        );
      }
      if (r.wan && r.wan.address !== "dhcp" && !r.wan.gateway) {
        this.add(
          `${path}.wan.gateway`,
          `(missing) is required with a static WAN address; expected an IPv4 address. Add your ISP's gateway.`,
        );
      }
      (r.dhcp ?? []).forEach((d, i) => {
        const dpath = `${path}.dhcp[${i}]`;
        if (!this.zoneRef(`${dpath}.zone`, d.zone)) return;
        if (!zones.has(d.zone)) {
          this.add(
            `${dpath}.zone`,
            `${show(d.zone)} is not routed by this router; expected one of ${[...zones].sort().join(", ")}. Serve DHCP from the zone's router.`,
          );
          return;
        }
        const cidr = this.zoneCidrs.get(d.zone);
        if (!cidr) return;
        for (const field of ["start", "end"] as const) {
          if (!cidrContains(cidr, d[field])) {
            this.add(
              `${dpath}.${field}`,
              `${show(d[field])} is outside zone ${d.zone} (${cidr.text}); expected an address in ${cidr.text}. Move the pool into the zone's network.`,
            );
          }
        }
        if (ipToInt(d.start) > ipToInt(d.end)) {
          this.add(
            `${dpath}.end`,
            `${show(d.end)} is before start ${d.start}; expected end >= start. Swap them.`,
          );
        }
      });
      (r.portForwards ?? []).forEach((pf, i) => {
        const ppath = `${path}.portForwards[${i}]`;
        if (!r.wan) {
          this.add(
            ppath,
            `a port-forward on a router without wan settings cannot work; expected ${path}.wan. Add the uplink or remove the port-forward.`,
          );
        }
        const dup = (r.portForwards ?? [])
          .slice(0, i)
          .findIndex((o) => o.publicPort === pf.publicPort && o.protocol === pf.protocol);
        if (dup >= 0) {
          this.add(
            `${ppath}.publicPort`,
            `${pf.publicPort}/${pf.protocol} is already forwarded by ${path}.portForwards[${dup}]; expected each public port once. Use another public port.`,
          );
        }
        const svc = this.serviceRef(`${ppath}.service`, pf.service);
        if (svc) {
          const target = pf.port ?? pf.publicPort;
          if (!svc.ports.some((p) => p.port === target && p.protocol === pf.protocol)) {
            this.add(
              ppath,
              `forwards to ${target}/${pf.protocol}, which service ${pf.service} does not listen on; expected one of ${svc.ports.map((p) => `${p.port}/${p.protocol}`).join(", ")}. Fix port or add it to homelab:services.${pf.service}.ports.`,
            );
          }
          if (svc.runsOn.kubernetes && svc.runsOn.kubernetes.serviceType !== "LoadBalancer") {
            this.add(
              `${ppath}.service`,
              `${show(pf.service)} runs on Kubernetes without a LoadBalancer address; expected a service with a fixed address. Give it serviceType LoadBalancer with loadBalancerIP, or forward to a reverse proxy.`,
            );
          }
        }
      });
    }
    // Every inside zone needs a router, or flows cannot be enforced and hosts have no gateway.
    if (!this.inv.routers || this.incomplete("homelab:routers")) return;
    for (const [zone, z] of Object.entries(this.inv.zones ?? {})) {
      if (z.trust !== "wan" && !routedBy.has(zone)) {
        this.add(
          `homelab:zones.${zone}`,
          `zone ${zone} is routed by no router; expected every inside zone in some router's zones. Add it to a router's zones list.`,
        );
      }
    }
    // Routers' own addresses are the zone gateways, claimed in checkZones.
  }

  private checkMachineSpec(
    ref: MachineRef,
    spec: MachineSpec,
    onHypervisor?: HypervisorSpec,
  ): void {
    const path = ref.path;
    if (spec.os === "talos") {
      if (spec.ssh) {
        this.add(
          `${path}.ssh`,
          `ssh settings on a Talos machine have no effect; expected none (Talos has no SSH, it is managed through talosctl). Remove ${path}.ssh.`,
        );
      }
    } else if (!spec.ssh) {
      this.add(
        `${path}.ssh`,
        `(missing) is required for os ${spec.os}; expected hostKey (and optionally host, port). Add the host's pinned SSH host key.`,
      );
    }
    if (spec.os === "talos" && ref.kind === "host" && spec.nics[0] && !spec.nics[0].mac) {
      this.add(
        `${path}.nics[0].mac`,
        `(missing) is required for a Talos machine; expected the NIC's MAC address (Talos finds its NIC by MAC). Add mac.`,
      );
    }
    if (spec.os === "nixos" && !spec.nixos) {
      this.add(
        `${path}.nixos`,
        `(missing) is required for os nixos; expected at least release. Add nixos: { release: "25.05" }.`,
      );
    }
    if (spec.os !== "nixos" && spec.nixos) {
      this.add(
        `${path}.nixos`,
        `nixos settings on a ${spec.os} machine have no effect; expected none. Remove them or set os: nixos.`,
      );
    }
    const bridged = new Set((onHypervisor?.bridges ?? []).map((b) => b.zone));
    spec.nics.forEach((nic, i) => {
      const npath = `${path}.nics[${i}]`;
      if (!this.zoneRef(`${npath}.zone`, nic.zone)) return;
      if (onHypervisor && !bridged.has(nic.zone)) {
        this.add(
          `${npath}.zone`,
          `${show(nic.zone)} has no bridge on hypervisor ${ref.hypervisor}; expected one of ${[...bridged].sort().join(", ") || "(no bridges)"}. Add { zone: ${nic.zone} } to homelab:hypervisors.${ref.hypervisor}.bridges or move the VM.`,
        );
      }
      this.claimAddress(`${npath}.address`, nic.zone, nic.address, `${ref.kind} ${ref.name}`);
      const mac = nic.mac ?? (ref.kind === "vm" ? derivedMac(ref.name, i) : undefined);
      if (mac) this.claimMac(`${npath}.mac`, mac, `${ref.kind} ${ref.name}`);
    });
  }

  private checkHypervisors(): void {
    for (const [name, h] of Object.entries(this.inv.hypervisors ?? {}).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      const path = `homelab:hypervisors.${name}`;
      if (this.zoneRef(`${path}.zone`, h.zone)) {
        this.claimAddress(`${path}.address`, h.zone, h.address, `hypervisor ${name}`);
      }
      const seen = new Set<string>();
      h.bridges.forEach((b, i) => {
        const bpath = `${path}.bridges[${i}]`;
        if (!this.zoneRef(`${bpath}.zone`, b.zone)) return;
        if (seen.has(b.zone)) {
          this.add(
            `${bpath}.zone`,
            `${show(b.zone)} is bridged twice; expected each zone once. Remove the duplicate.`,
          );
          return;
        }
        seen.add(b.zone);
        const vlan = this.inv.zones![b.zone]!.vlan;
        if (vlan !== undefined && `${h.trunk}.${vlan}`.length > 15) {
          this.add(
            `${path}.trunk`,
            `${show(h.trunk)} makes the VLAN interface ${h.trunk}.${vlan} longer than 15 characters; expected a shorter trunk name. Rename the NIC or use a shorter one.`,
          );
        }
        if (vlan === undefined) {
          this.add(
            `${bpath}.zone`,
            `${show(b.zone)} has no VLAN id; expected a zone with a vlan (a bridge hangs off <trunk>.<vlan>). Give the zone a VLAN id.`,
          );
        }
        if (b.address)
          this.claimAddress(`${bpath}.address`, b.zone, b.address, `hypervisor ${name}`);
      });
      for (const [vm, spec] of Object.entries(h.vms ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        const ref = this.machines.get(vm);
        if (ref?.kind === "vm" && ref.hypervisor === name) this.checkMachineSpec(ref, spec, h);
      }
    }
  }

  private checkHosts(): void {
    for (const [name, spec] of Object.entries(this.inv.hosts ?? {}).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      const ref = this.machines.get(name);
      if (ref?.kind === "host") this.checkMachineSpec(ref, spec);
    }
    // NixOS NFS clients must resolve.
    for (const ref of this.machines.values()) {
      ref.spec?.nixos?.nfs?.exports.forEach((e, i) => {
        e.clients.forEach((c, j) => {
          const cpath = `${ref.path}.nixos.nfs.exports[${i}].clients[${j}]`;
          if (parseCidr(c)) return;
          if (this.machines.has(c) || this.inv.services?.[c] || this.droppedNames.has(c)) return;
          this.add(
            cpath,
            `${show(c)} is not a machine, service or network; expected a declared name or a CIDR like 192.168.20.0/24. Fix the name or declare it.`,
          );
        });
      });
    }
  }

  private checkFlows(): void {
    (this.inv.flows ?? []).forEach((f, i) => {
      const path = `homelab:flows[${i}]`;
      const fromOk = this.zoneRef(`${path}.from`, f.from);
      const toOk = this.zoneRef(`${path}.to`, f.to);
      if (fromOk && toOk && f.from === f.to) {
        this.add(
          `${path}.to`,
          `${show(f.to)} is the same zone as from; expected two different zones (traffic inside a zone never crosses the router). Remove the flow or fix a zone.`,
        );
      }
      if (f.toHost && f.toService) {
        this.add(
          `${path}.toService`,
          `is set together with toHost; expected at most one of toHost and toService. Keep one.`,
        );
      }
      if (!f.ports && !f.toService) {
        this.add(
          `${path}.ports`,
          `(missing) is required without toService; expected a list like [tcp/22, icmp]. Add the allowed ports.`,
        );
      }
      if (f.toHost && toOk) {
        const m = this.machineRef(`${path}.toHost`, f.toHost);
        if (m && !this.machineAddressIn(m, f.to)) {
          this.add(
            `${path}.toHost`,
            `${show(f.toHost)} has no address in zone ${f.to}; expected a machine in the destination zone. Fix toHost or the zone.`,
          );
        }
      }
      if (f.toService && toOk) {
        const s = this.serviceRef(`${path}.toService`, f.toService);
        const zone = s ? this.serviceZone(s) : undefined;
        if (s && zone !== undefined && zone !== f.to) {
          this.add(
            `${path}.toService`,
            `${show(f.toService)} is reached in zone ${zone}; expected a service in the destination zone ${f.to}. Fix toService or the zone.`,
          );
        }
      }
    });
  }

  /** The zone a service is reached in, when it can be told from valid parts of the inventory. */
  private serviceZone(s: ServiceSpec): string | undefined {
    if (s.runsOn.host) {
      const m = this.machines.get(s.runsOn.host);
      return m ? this.machineZone(m) : undefined;
    }
    const k = s.runsOn.kubernetes;
    if (k?.loadBalancerIP) {
      return [...this.zoneCidrs.entries()].find(([, c]) => cidrContains(c, k.loadBalancerIP!))?.[0];
    }
    const cp = this.inv.talos?.controlPlanes[0];
    const m = cp ? this.machines.get(cp) : undefined;
    return m ? this.machineZone(m) : undefined;
  }

  private machineAddressIn(m: MachineRef, zone: string): string | undefined {
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

  private machineZone(m: MachineRef): string | undefined {
    if (m.spec) return m.spec.nics[0]?.zone;
    if (m.kind === "hypervisor") return this.inv.hypervisors?.[m.name]?.zone;
    if (m.kind === "router") return this.inv.routers?.[m.name]?.managementZone;
    return undefined;
  }

  private checkTalos(): void {
    const t = this.inv.talos;
    const talosMachines = [...this.machines.values()].filter((m) => m.os === "talos");
    if (!t) {
      if (this.inv.failed.has("talos")) return; // its own problems are already reported
      for (const m of talosMachines) {
        this.add(
          `${m.path}.os`,
          `"talos" but homelab:talos is not set; expected a cluster that lists this machine. Add homelab:talos or change the os.`,
        );
      }
      return;
    }
    const listed = new Map<string, string>();
    const zones = new Set<string>();
    for (const role of ["controlPlanes", "workers"] as const) {
      t[role].forEach((name, i) => {
        const path = `homelab:talos.${role}[${i}]`;
        const m = this.machineRef(path, name, "machine");
        if (!m) return;
        if (m.os !== "talos") {
          this.add(
            path,
            `${show(name)} runs ${m.os}; expected a machine with os talos. Set os: talos on ${m.path} or pick another machine.`,
          );
          return;
        }
        const prior = listed.get(name);
        if (prior) {
          this.add(
            path,
            `${show(name)} is already listed in ${prior}; expected each node once. Remove the duplicate.`,
          );
          return;
        }
        listed.set(name, path);
        const zone = this.machineZone(m);
        if (zone) zones.add(zone);
      });
    }
    for (const m of talosMachines) {
      if (!listed.has(m.name)) {
        this.add(
          `${m.path}.os`,
          `"talos" but the machine is in neither homelab:talos.controlPlanes nor workers; expected every Talos machine in the cluster. Add it to one of the lists.`,
        );
      }
    }
    if (zones.size > 1) {
      this.add(
        "homelab:talos",
        `nodes span zones ${[...zones].sort().join(", ")}; expected all nodes in one zone (Talos nodes and the VIP share one L2 network). Move the nodes into one zone.`,
      );
    }
    const zone = [...zones][0];
    if (t.vip && zone) this.claimAddress("homelab:talos.vip", zone, t.vip, `the Talos VIP`);
    for (const role of ["all", "controlPlane", "worker"] as const) {
      (t.patches?.[role] ?? []).forEach((p, i) => {
        if (p === null || typeof p !== "object" || Array.isArray(p)) {
          this.add(
            `homelab:talos.patches.${role}[${i}]`,
            `${show(p)} is not a mapping; expected a Talos machine-config patch like { machine: { ... } }. Write the patch as a YAML mapping.`,
          );
        }
      });
    }
  }

  private serviceRef(path: string, name: string): ServiceSpec | undefined {
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

  private checkServices(): void {
    const aliases = new Map<string, string>();
    const services = this.inv.services ?? {};
    for (const [name, s] of Object.entries(services).sort(([a], [b]) => a.localeCompare(b))) {
      const path = `homelab:services.${name}`;
      const { host, kubernetes } = s.runsOn;
      if ((host === undefined) === (kubernetes === undefined)) {
        this.add(
          `${path}.runsOn`,
          `${show(s.runsOn)} sets ${host ? "both host and kubernetes" : "neither host nor kubernetes"}; expected exactly one of them. Keep one.`,
        );
      }
      if (host) this.machineRef(`${path}.runsOn.host`, host);
      if (kubernetes) {
        if (!this.inv.talos && !this.inv.failed.has("talos")) {
          this.add(
            `${path}.runsOn.kubernetes`,
            `needs a cluster but homelab:talos is not set; expected a Talos cluster. Add homelab:talos or run the service on a host.`,
          );
        }
        if (kubernetes.loadBalancerIP && kubernetes.serviceType !== "LoadBalancer") {
          this.add(
            `${path}.runsOn.kubernetes.loadBalancerIP`,
            `is set but serviceType is ${kubernetes.serviceType}; expected serviceType LoadBalancer. Set serviceType: LoadBalancer or remove loadBalancerIP.`,
          );
        }
        if (kubernetes.serviceType === "LoadBalancer" && !kubernetes.loadBalancerIP) {
          this.add(
            `${path}.runsOn.kubernetes.loadBalancerIP`,
            `(missing) is required for serviceType LoadBalancer; expected an IPv4 address in the cluster's zone. Add loadBalancerIP.`,
          );
        }
        if (kubernetes.nodePort && kubernetes.serviceType !== "NodePort") {
          this.add(
            `${path}.runsOn.kubernetes.nodePort`,
            `is set but serviceType is ${kubernetes.serviceType}; expected serviceType NodePort. Set serviceType: NodePort or remove nodePort.`,
          );
        }
        if (kubernetes.loadBalancerIP) {
          const zone = [...this.zoneCidrs.entries()].find(([, c]) =>
            cidrContains(c, kubernetes.loadBalancerIP!),
          )?.[0];
          if (!zone) {
            this.add(
              `${path}.runsOn.kubernetes.loadBalancerIP`,
              `${show(kubernetes.loadBalancerIP)} is in no declared zone; expected an address in the cluster's zone. Pick a free address there.`,
            );
          } else {
            this.claimAddress(
              `${path}.runsOn.kubernetes.loadBalancerIP`,
              zone,
              kubernetes.loadBalancerIP,
              `service ${name}`,
            );
          }
        }
        if (kubernetes.serviceType === "ClusterIP" && (s.dns?.length ?? 0) > 0) {
          this.add(
            `${path}.dns`,
            `${show(s.dns)} needs an address outside the cluster but serviceType is ClusterIP; expected NodePort or LoadBalancer. Change serviceType or drop the aliases.`,
          );
        }
      }
      (s.dns ?? []).forEach((alias, i) => {
        const apath = `${path}.dns[${i}]`;
        const prior = aliases.get(alias);
        if (prior) {
          this.add(
            apath,
            `${show(alias)} is already an alias of service ${prior}; expected unique DNS aliases. Rename one.`,
          );
          return;
        }
        if (this.machines.has(alias)) {
          this.add(
            apath,
            `${show(alias)} is the name of ${this.machines.get(alias)!.kind} ${alias}; expected an alias that is no machine name. Rename the alias.`,
          );
          return;
        }
        aliases.set(alias, name);
      });
      if (s.public) this.checkPublic(name, s);
    }
  }

  private checkPublic(name: string, s: ServiceSpec): void {
    const path = `homelab:services.${name}.public`;
    const pub = s.public!;
    const cf = this.inv.cloudflare;
    if (!cf) {
      if (this.inv.failed.has("cloudflare")) return;
      this.add(
        `${path}.hostname`,
        `${show(pub.hostname)} needs a public DNS zone but homelab:cloudflare is not set; expected homelab:cloudflare with zone and zoneId. Add it.`,
      );
    } else if (pub.hostname !== cf.zone && !pub.hostname.endsWith(`.${cf.zone}`)) {
      this.add(
        `${path}.hostname`,
        `${show(pub.hostname)} is outside the Cloudflare zone ${cf.zone}; expected a name ending in .${cf.zone}. Fix the hostname.`,
      );
    }
    if (pub.via === "proxy") {
      if (!pub.proxy) {
        this.add(
          `${path}.proxy`,
          `(missing) is required when via is proxy; expected a reverse-proxy service name. Add proxy.`,
        );
      } else if (pub.proxy === name) {
        this.add(
          `${path}.proxy`,
          `${show(pub.proxy)} is this service itself; expected another service. Use via: port-forward instead.`,
        );
      } else {
        const p = this.serviceRef(`${path}.proxy`, pub.proxy);
        if (p && (!p.public || p.public.via === "proxy")) {
          this.add(
            `${path}.proxy`,
            `${show(pub.proxy)} is not itself public via port-forward or tunnel; expected a reverse proxy reachable from the internet. Give homelab:services.${pub.proxy} a public section with via port-forward or tunnel.`,
          );
        }
      }
    } else if (pub.proxy) {
      this.add(
        `${path}.proxy`,
        `is set but via is ${pub.via}; expected no proxy. Remove proxy or set via: proxy.`,
      );
    }
    if (pub.via === "port-forward") {
      const forwarded = Object.values(this.inv.routers ?? {}).some((r) =>
        (r.portForwards ?? []).some((pf) => pf.service === name),
      );
      if (!forwarded && this.inv.routers && !this.incomplete("homelab:routers")) {
        this.add(
          `${path}.via`,
          `"port-forward" but no router forwards a port to ${name}; expected a matching homelab:routers.<router>.portForwards entry. Add one or change via.`,
        );
      }
      if (!pub.recordAddress && !cf?.publicAddress) {
        const staticWan = Object.values(this.inv.routers ?? {}).find(
          (r) => r.wan && r.wan.address !== "dhcp",
        );
        if (!staticWan && !this.incomplete("homelab:routers")) {
          this.add(
            `${path}.via`,
            `"port-forward" needs a public address for the DNS record, but the WAN uses DHCP and none is set; expected homelab:cloudflare.publicAddress. Set it to your public IPv4 address.`,
          );
        }
      }
    }
    if (pub.via === "tunnel" && !cf?.tunnel) {
      this.add(
        `${path}.via`,
        `"tunnel" but homelab:cloudflare.tunnel is not set; expected a tunnel connector. Add homelab:cloudflare.tunnel.connector.`,
      );
    }
  }

  private checkCloudflare(): void {
    const t = this.inv.cloudflare?.tunnel;
    if (!t) return;
    if (!this.inv.cloudflare?.accountId) {
      this.add(
        "homelab:cloudflare.accountId",
        `(missing) is required with a tunnel; expected a 32-character hex account id. Copy it from the Cloudflare dashboard (Account home, account id).`,
      );
    }
    const m = this.machineRef("homelab:cloudflare.tunnel.connector", t.connector);
    if (m && m.os === "talos") {
      this.add(
        "homelab:cloudflare.tunnel.connector",
        `${show(t.connector)} runs Talos; expected a debian or nixos machine (cloudflared is installed over SSH). Pick another machine.`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Resolution (valid inventory only)

function resolve(inv: Inventory): Lab {
  const zoneMap = new Map<string, Zone>();
  const routerOf = new Map<string, string>();
  for (const [name, r] of Object.entries(inv.routers))
    for (const z of r.zones) routerOf.set(z, name);
  for (const [name, z] of Object.entries(inv.zones)) {
    const cidr = z.cidr ? parseCidr(z.cidr) : undefined;
    zoneMap.set(name, {
      name,
      trust: z.trust,
      vlan: z.vlan,
      cidr: z.cidr,
      prefix: cidr?.prefix,
      gateway: z.gateway,
      description: z.description,
      router: routerOf.get(name),
    });
  }
  const zones = [...zoneMap.values()].sort((a, b) => a.name.localeCompare(b.name));
  const prefixOf = (zone: string) => zoneMap.get(zone)!.prefix ?? 32;
  const iface = (
    zone: string,
    address: string,
    name: string,
    mac?: string,
    gateway = true,
  ): Interface => ({
    zone,
    address,
    cidrAddress: `${address}/${prefixOf(zone)}`,
    name,
    mac: mac ? normalizeMac(mac) : undefined,
    gateway: gateway ? zoneMap.get(zone)!.gateway : undefined,
  });

  const servicesOn = new Map<string, string[]>();
  for (const [name, s] of Object.entries(inv.services)) {
    if (s.runsOn.host)
      servicesOn.set(s.runsOn.host, [...(servicesOn.get(s.runsOn.host) ?? []), name]);
  }
  const sshTarget = (
    spec: { hostKey: string; host?: string; port?: number; sshd?: Partial<typeof DEFAULT_SSHD> },
    defaultHost: string,
  ) => ({
    host: spec.host ?? defaultHost,
    port: spec.port ?? inv.ssh.port,
    user: inv.ssh.adminUser,
    hostKey: spec.hostKey.trim(),
    sshd: { ...inv.ssh.sshd, ...(spec.sshd ?? {}) },
  });

  const machineFromSpec = (
    name: string,
    kind: MachineKind,
    spec: MachineSpec | VmSpec,
    hypervisor?: string,
  ): Machine => {
    const interfaces = spec.nics.map((n, i) =>
      iface(
        n.zone,
        n.address,
        n.interface ?? `eth${i}`,
        n.mac ?? (kind === "vm" ? derivedMac(name, i) : undefined),
        i === 0,
      ),
    );
    return {
      name,
      kind,
      os: spec.os,
      description: spec.description,
      interfaces,
      ssh: spec.ssh ? sshTarget(spec.ssh, interfaces[0]!.address) : undefined,
      nixos: spec.nixos,
      hypervisor,
      services: (servicesOn.get(name) ?? []).sort(),
    };
  };

  // Routers
  const routerMachines: Machine[] = [];
  const routerSpecs = Object.entries(inv.routers).sort(([a], [b]) => a.localeCompare(b));
  for (const [name, r] of routerSpecs) {
    const interfaces = [...r.zones]
      .sort((a, b) =>
        a === r.managementZone ? -1 : b === r.managementZone ? 1 : a.localeCompare(b),
      )
      .map((z) =>
        iface(z, zoneMap.get(z)!.gateway!, `${r.trunk}.${zoneMap.get(z)!.vlan}`, undefined, false),
      );
    routerMachines.push({
      name,
      kind: "router",
      os: "debian",
      description: r.description,
      interfaces,
      ssh: sshTarget(r.ssh, zoneMap.get(r.managementZone)!.gateway!),
      services: (servicesOn.get(name) ?? []).sort(),
    });
  }

  // Hypervisors and VMs
  const hypervisors: Hypervisor[] = [];
  const vmMachines: Machine[] = [];
  for (const [name, h] of Object.entries(inv.hypervisors).sort(([a], [b]) => a.localeCompare(b))) {
    const bridges: Bridge[] = h.bridges
      .map((b) => {
        const vlan = zoneMap.get(b.zone)!.vlan!;
        return {
          zone: b.zone,
          vlan,
          name: bridgeName(b.zone, vlan),
          vlanInterface: `${h.trunk}.${vlan}`,
          address: b.address,
        };
      })
      .sort((a, b) => a.vlan - b.vlan);
    const interfaces = [
      iface(h.zone, h.address, h.trunk),
      ...bridges
        .filter((b) => b.address)
        .map((b) => iface(b.zone, b.address!, b.name, undefined, false)),
    ];
    const machine: Machine = {
      name,
      kind: "hypervisor",
      os: "debian",
      description: h.description,
      interfaces,
      ssh: sshTarget(h.ssh, h.address),
      services: (servicesOn.get(name) ?? []).sort(),
    };
    const vms: Vm[] = Object.entries(h.vms ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([vmName, spec]) => {
        const m = machineFromSpec(vmName, "vm", spec, name);
        vmMachines.push(m);
        return {
          name: vmName,
          hypervisor: name,
          machine: m,
          vcpus: spec.vcpus,
          memoryMiB: spec.memoryMiB,
          diskGiB: spec.diskGiB,
          image: spec.image,
          autostart: spec.autostart,
          nics: m.interfaces.map((i, idx) => ({
            zone: i.zone,
            address: i.address,
            mac: i.mac!,
            bridge: bridges.find((b) => b.zone === i.zone)!.name,
            tap: tapName(vmName, idx),
          })),
        };
      });
    hypervisors.push({
      name,
      machine,
      platform: h.platform,
      zone: h.zone,
      address: h.address,
      trunk: h.trunk,
      bridges,
      vms,
    });
  }

  const hosts = Object.entries(inv.hosts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, spec]) => machineFromSpec(name, "host", spec));

  const machines = [
    ...routerMachines,
    ...hypervisors.map((h) => h.machine),
    ...vmMachines,
    ...hosts,
  ].sort((a, b) => a.name.localeCompare(b.name));
  const byName = new Map(machines.map((m) => [m.name, m]));

  // Talos
  let talos: TalosCluster | undefined;
  if (inv.talos) {
    const t = inv.talos;
    const controlPlanes = t.controlPlanes.map((n) => byName.get(n)!);
    const workers = t.workers.map((n) => byName.get(n)!);
    const endpointAddress = t.vip ?? controlPlanes[0]!.interfaces[0]!.address;
    talos = {
      clusterName: t.clusterName,
      zone: controlPlanes[0]!.interfaces[0]!.zone,
      endpointAddress,
      endpoint: `https://${endpointAddress}:6443`,
      vip: t.vip,
      talosVersion: t.talosVersion,
      kubernetesVersion: t.kubernetesVersion.replace(/^v?/, "v"),
      installDisk: t.installDisk,
      allowSchedulingOnControlPlanes: t.allowSchedulingOnControlPlanes,
      controlPlanes,
      workers,
      patches: {
        all: t.patches?.all ?? [],
        controlPlane: t.patches?.controlPlane ?? [],
        worker: t.patches?.worker ?? [],
      },
      rollout: { ...t.rollout },
    };
  }

  // Services
  const zoneOfAddress = (address: string) =>
    zones.find((z) => z.cidr && cidrContains(parseCidr(z.cidr)!, address))?.name;
  const services: Service[] = [];
  const serviceEntries = Object.entries(inv.services).sort(([a], [b]) => a.localeCompare(b));
  const located = new Map<string, { zone?: string; addresses: string[] }>();
  for (const [name, s] of serviceEntries) {
    if (s.runsOn.host) {
      const m = byName.get(s.runsOn.host)!;
      located.set(name, { zone: m.interfaces[0]!.zone, addresses: [m.interfaces[0]!.address] });
    } else {
      const k = s.runsOn.kubernetes!;
      if (k.serviceType === "LoadBalancer" && k.loadBalancerIP) {
        located.set(name, { zone: zoneOfAddress(k.loadBalancerIP), addresses: [k.loadBalancerIP] });
      } else if (k.serviceType === "NodePort" && talos) {
        const nodes = talos.workers.length ? talos.workers : talos.controlPlanes;
        located.set(name, {
          zone: talos.zone,
          addresses: nodes.map((n) => n.interfaces[0]!.address),
        });
      } else {
        located.set(name, { zone: talos?.zone, addresses: [] });
      }
    }
  }
  const staticWan = routerSpecs.map(([, r]) => r.wan).find((w) => w && w.address !== "dhcp");
  const defaultPublic = inv.cloudflare?.publicAddress ?? staticWan?.address.split("/")[0];
  const exposureOf = (name: string, s: ServiceSpec): Exposure => {
    const pub = s.public;
    if (!pub) return { kind: "internal" };
    if (pub.via === "proxy") {
      const proxy = inv.services[pub.proxy!]!;
      return {
        kind: "proxy",
        hostname: pub.hostname,
        proxied: pub.proxied,
        entryService: pub.proxy!,
        recordAddress:
          pub.recordAddress ??
          (proxy.public?.via === "port-forward"
            ? (proxy.public.recordAddress ?? defaultPublic)
            : undefined),
      };
    }
    return {
      kind: pub.via,
      hostname: pub.hostname,
      proxied: pub.proxied,
      entryService: name,
      recordAddress:
        pub.via === "port-forward" ? (pub.recordAddress ?? defaultPublic) : pub.recordAddress,
    };
  };
  for (const [name, s] of serviceEntries) {
    const loc = located.get(name)!;
    services.push({
      name,
      description: s.description,
      host: s.runsOn.host,
      kubernetes: s.runsOn.kubernetes,
      ports: s.ports.map((p) => ({ port: p.port, protocol: p.protocol, name: p.name })),
      zone: loc.zone,
      addresses: loc.addresses,
      dns: [...(s.dns ?? [])].sort(),
      exposure: exposureOf(name, s),
    });
  }
  const serviceByName = new Map(services.map((s) => [s.name, s]));

  // Routers (resolved)
  const routers: Router[] = routerSpecs.map(([name, r]) => {
    const machine = byName.get(name)!;
    const leases: StaticLease[] = [];
    for (const m of machines) {
      for (const i of m.interfaces) {
        if (i.mac && r.zones.includes(i.zone)) {
          leases.push({ zone: i.zone, mac: i.mac, address: i.address, hostname: m.name });
        }
      }
    }
    leases.sort((a, b) => ipToInt(a.address) - ipToInt(b.address));
    const portForwards: PortForward[] = (r.portForwards ?? [])
      .map((pf) => {
        const svc = serviceByName.get(pf.service)!;
        return {
          protocol: pf.protocol,
          publicPort: pf.publicPort,
          service: pf.service,
          targetAddress: svc.addresses[0]!,
          targetPort: pf.port ?? pf.publicPort,
          targetZone: svc.zone!,
        };
      })
      .sort((a, b) => a.publicPort - b.publicPort || a.protocol.localeCompare(b.protocol));
    return {
      name,
      machine,
      managementZone: r.managementZone,
      oobInterface: r.oobInterface,
      trunk: r.trunk,
      zones: [...r.zones].sort(),
      wan: r.wan,
      dhcp: (r.dhcp ?? []).map((d) => ({ ...d })).sort((a, b) => a.zone.localeCompare(b.zone)),
      staticLeases: leases,
      dnsUpstreams: [...r.dnsUpstreams],
      portForwards,
    };
  });

  // Flows
  const flows: Flow[] = inv.flows.map((f) => {
    const host = f.toHost ? byName.get(f.toHost)! : undefined;
    const svc = f.toService ? serviceByName.get(f.toService)! : undefined;
    const ports = f.ports
      ? f.ports.map(parsePortSpec)
      : svc!.ports.map((p): PortRule => ({ protocol: p.protocol, from: p.port, to: p.port }));
    return {
      from: f.from,
      to: f.to,
      ports,
      toHost: f.toHost,
      toService: f.toService,
      toAddresses: host
        ? [host.interfaces.find((i) => i.zone === f.to)!.address]
        : svc
          ? [...svc.addresses]
          : [],
      description: f.description,
    };
  });

  // Internal DNS
  const records: DnsRecord[] = [];
  for (const m of machines) {
    m.interfaces.forEach((i, idx) => {
      records.push({ name: `${m.name}.${i.zone}.${inv.domain}`, address: i.address });
      if (idx === 0) records.push({ name: `${m.name}.${inv.domain}`, address: i.address });
    });
  }
  if (talos)
    records.push({ name: `${talos.clusterName}.${inv.domain}`, address: talos.endpointAddress });
  for (const s of services) {
    for (const alias of s.dns)
      for (const a of s.addresses) records.push({ name: `${alias}.${inv.domain}`, address: a });
  }
  records.sort((a, b) => a.name.localeCompare(b.name) || ipToInt(a.address) - ipToInt(b.address));

  return {
    domain: inv.domain,
    adminUser: inv.ssh.adminUser,
    authorizedKeys: inv.ssh.authorizedKeys.map((k) => k.trim()),
    revertAfterSeconds: inv.ssh.revertAfterSeconds,
    zones,
    flows,
    machines,
    routers,
    hypervisors,
    hosts,
    talos,
    services,
    dnsRecords: records,
    cloudflare: inv.cloudflare
      ? {
          zone: inv.cloudflare.zone,
          zoneId: inv.cloudflare.zoneId,
          accountId: inv.cloudflare.accountId,
          publicAddress: inv.cloudflare.publicAddress,
          tunnelConnector: inv.cloudflare.tunnel?.connector,
        }
      : undefined,
  };
}
