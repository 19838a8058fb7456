/**
 * The resolved lab: the validated inventory with every reference followed and every default applied.
 * Renderers and components consume only this. Everything here is plain, sorted, deterministic data.
 */
import type { KubernetesWorkloadSpec, NixosSpec, Os, SshdSettings, Trust } from "./inventory";
import type { Hop } from "./routing";

export interface Zone {
  readonly name: string;
  readonly trust: Trust;
  /** 802.1Q VLAN id; absent for an untagged zone (a LAN of its own, reached on a named NIC). */
  readonly vlan?: number;
  /** Network in CIDR form; absent only for a DHCP wan zone. */
  readonly cidr?: string;
  readonly prefix?: number;
  readonly gateway?: string;
  readonly description?: string;
  /** Router that is this zone's gateway, if any. */
  readonly router?: string;
}

export interface PortRule {
  /** `any` matches every protocol and port. */
  readonly protocol: "tcp" | "udp" | "icmp" | "any";
  /** First port; absent for icmp and any. */
  readonly from?: number;
  /** Last port (equal to from for a single port); absent for icmp. */
  readonly to?: number;
}

export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly ports: readonly PortRule[];
  /** Destination narrowed to one machine's address in `to`, or to a service's addresses. */
  readonly toHost?: string;
  readonly toService?: string;
  /** Destination addresses when narrowed; empty means the whole zone. */
  readonly toAddresses: readonly string[];
  readonly description?: string;
  /** The routers the flow crosses, in order, each with the zones traffic enters and leaves by. */
  readonly path: readonly Hop[];
}

/** `device`: in the inventory (addresses, leases, DNS, flows, policy) but never provisioned. */
export type MachineKind = "router" | "hypervisor" | "vm" | "host" | "device";

export interface Interface {
  readonly zone: string;
  readonly address: string;
  /** Address with prefix, e.g. 192.168.30.7/24. */
  readonly cidrAddress: string;
  /** Interface name inside the machine. */
  readonly name: string;
  readonly mac?: string;
  readonly gateway?: string;
}

export interface SshTarget {
  /** Address or name the deployer connects to. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /**
   * Pinned host public key (`ssh-ed25519 AAAA...`). Absent only for a Debian VM whose key the program
   * generates (components/vm.ts), injects through cloud-init and pins itself.
   */
  readonly hostKey?: string;
  /** Effective sshd settings for this machine (global merged with per-host overrides). */
  readonly sshd: SshdSettings;
  /** For each sshd setting, the config path it comes from (`homelab:ssh.sshd` or the host's). */
  readonly sshdFrom: { readonly [K in keyof SshdSettings]: string };
  /** Being adopted: the program only observes the machine and writes nothing to it. */
  readonly observeOnly?: true;
}

export interface Machine {
  readonly name: string;
  readonly kind: MachineKind;
  /** `none` for a device (never provisioned). */
  readonly os: Os | "none";
  readonly description?: string;
  /** Addresses the machine holds, in declaration order; the first is primary. */
  readonly interfaces: readonly Interface[];
  /** Absent for Talos machines (no SSH). */
  readonly ssh?: SshTarget;
  /** NixOS settings; stateVersion resolved (release when not given). */
  readonly nixos?: NixosSpec & { readonly stateVersion: string };
  /** For VMs: the hypervisor they run on. */
  readonly hypervisor?: string;
  /** Service names running on this machine. */
  readonly services: readonly string[];
  /** false for a device that is often powered off: never a probe target. */
  readonly alwaysOn?: false;
}

export interface PortForward {
  readonly protocol: "tcp" | "udp";
  readonly publicPort: number;
  readonly service: string;
  readonly targetAddress: string;
  readonly targetPort: number;
  /** Zone of the target address. */
  readonly targetZone: string;
}

export interface DhcpPool {
  readonly zone: string;
  readonly start: string;
  readonly end: string;
  readonly leaseTime: string;
}

export interface StaticLease {
  readonly zone: string;
  readonly mac: string;
  readonly address: string;
  readonly hostname: string;
}

export interface Router {
  readonly name: string;
  readonly machine: Machine;
  readonly managementZone: string;
  readonly oobInterface?: string;
  /** NIC carrying the tagged zones; absent when every zone of the router is untagged. */
  readonly trunk?: string;
  /** Zones this router is the gateway of. */
  readonly zones: readonly string[];
  /** Its address in a zone of its parent router, through which its zones are routed. */
  readonly uplink?: {
    readonly zone: string;
    readonly address: string;
    readonly interface: string;
    /** The parent's address in the uplink zone (next hop for everything above). */
    readonly gateway: string;
  };
  readonly wan?: {
    readonly interface: string;
    readonly address: string;
    readonly gateway?: string;
  };
  readonly dhcp: readonly DhcpPool[];
  readonly staticLeases: readonly StaticLease[];
  readonly dnsUpstreams: readonly string[];
  readonly portForwards: readonly PortForward[];
}

export interface Bridge {
  readonly zone: string;
  /** Absent for an untagged zone. */
  readonly vlan?: number;
  /** Bridge device name, e.g. br-dmz (at most 15 characters). */
  readonly name: string;
  /**
   * The bridge's port towards the switch: the VLAN sub-interface on the trunk (enp3s0.30), the NIC
   * of an untagged zone, or the trunk itself for the hypervisor's own management zone.
   */
  readonly vlanInterface: string;
  /** Normally absent: a hypervisor has no address in guest zones. Its management address when
   * `management` is set. */
  readonly address?: string;
  /** The bridge of the hypervisor's own management zone: it holds the management address. */
  readonly management?: boolean;
}

export interface VmNic {
  readonly zone: string;
  readonly address: string;
  readonly mac: string;
  readonly bridge: string;
  /** Host-side tap device name (libvirt target dev), at most 15 characters. */
  readonly tap: string;
}

export interface Vm {
  readonly name: string;
  readonly hypervisor: string;
  readonly machine: Machine;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly image: string;
  readonly autostart: boolean;
  /** Removing the VM keeps its disk (the domain is still stopped and undefined). */
  readonly keepDisk: boolean;
  readonly nics: readonly VmNic[];
}

export interface Hypervisor {
  readonly name: string;
  readonly machine: Machine;
  readonly platform: "libvirt";
  /** libvirt domain type of its VMs: kvm, or qemu (emulated CPU) where KVM cannot run. */
  readonly domainType: "kvm" | "qemu";
  readonly zone: string;
  readonly address: string;
  readonly trunk: string;
  readonly bridges: readonly Bridge[];
  readonly vms: readonly Vm[];
}

export interface TalosCluster {
  readonly clusterName: string;
  readonly zone: string;
  readonly endpointAddress: string;
  /** https://<endpointAddress>:6443 */
  readonly endpoint: string;
  readonly vip?: string;
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
  readonly installDisk: string;
  readonly allowSchedulingOnControlPlanes: boolean;
  /** Addresses kube-vip may announce for LoadBalancer services (their loadBalancerIPs lie in it). */
  readonly loadBalancerPool?: { readonly start: string; readonly end: string };
  readonly controlPlanes: readonly Machine[];
  readonly workers: readonly Machine[];
  readonly patches: {
    readonly all: unknown[];
    readonly controlPlane: unknown[];
    readonly worker: unknown[];
  };
  readonly rollout: {
    /** Workers changed at the same time; control planes always go one at a time. */
    readonly workersAtOnce: number;
    /** Bound of each node's health gate. */
    readonly healthTimeoutSec: number;
  };
}

export interface ServicePortResolved {
  readonly port: number;
  readonly protocol: "tcp" | "udp";
  readonly name?: string;
}

export type Exposure =
  | { readonly kind: "internal" }
  | {
      readonly kind: "port-forward" | "tunnel" | "proxy";
      readonly hostname: string;
      readonly proxied: boolean;
      /** The DMZ-side entry that internet traffic reaches first: the service itself or its proxy. */
      readonly entryService: string;
      /** Address in the public A record (port-forward / proxy through port-forward). */
      readonly recordAddress?: string;
    };

export interface Service {
  readonly name: string;
  readonly description?: string;
  readonly host?: string;
  readonly kubernetes?: KubernetesWorkloadSpec;
  readonly ports: readonly ServicePortResolved[];
  /** Zone and addresses where the service can be reached from outside its machine/cluster. */
  readonly zone?: string;
  readonly addresses: readonly string[];
  readonly dns: readonly string[];
  readonly exposure: Exposure;
}

export interface DnsRecord {
  /** Fully qualified name, e.g. hermes.dmz.home.arpa. */
  readonly name: string;
  readonly address: string;
}

/** Machines that converge one at a time, in this order (homelab:waves). */
export interface Wave {
  readonly name: string;
  readonly machines: readonly string[];
  readonly description?: string;
}

export interface Lab {
  readonly domain: string;
  readonly adminUser: string;
  readonly authorizedKeys: readonly string[];
  /** Dead-man switch window of guarded units (sshd, firewall). */
  readonly revertAfterSeconds: number;
  readonly zones: readonly Zone[];
  readonly flows: readonly Flow[];
  /** Every machine (routers, hypervisors, VMs, hosts) sorted by name. */
  readonly machines: readonly Machine[];
  readonly routers: readonly Router[];
  readonly hypervisors: readonly Hypervisor[];
  /** Machines declared under homelab:hosts. */
  readonly hosts: readonly Machine[];
  /** Devices declared under homelab:devices (never provisioned). */
  readonly devices: readonly Machine[];
  readonly talos?: TalosCluster;
  readonly services: readonly Service[];
  readonly dnsRecords: readonly DnsRecord[];
  readonly cloudflare?: {
    readonly zone: string;
    readonly zoneId: string;
    readonly accountId?: string;
    readonly publicAddress?: string;
    readonly tunnelConnector?: string;
  };
  /** Rollout waves, by name. */
  readonly waves: readonly Wave[];
}
