/**
 * Intent records: the small plain-data facts each component publishes about what it decided, so that
 * the policy pack (which cannot see component inputs) can judge the whole lab. Every record is a
 * resource of type INTENT_TYPE whose inputs and outputs are `{ intent: <one of these> }`.
 *
 * This module is shared by components (which write records) and policies (which read them); it
 * depends only on ./tokens and never contains secrets.
 */

import { TOKENS } from "./tokens";

export const INTENT_TYPE = TOKENS.intent;
/** Bump when a record's shape changes incompatibly; policies refuse records they do not understand. */
export const INTENT_VERSION = 2;

export type TrustLevel = "wan" | "dmz" | "internal" | "hypervisor" | "management";

export interface PortRange {
  readonly protocol: "tcp" | "udp" | "icmp" | "any";
  readonly from?: number;
  readonly to?: number;
}

/** The zone catalogue, published once per lab. */
export interface ZonesIntent {
  readonly kind: "zones";
  readonly zones: readonly {
    readonly name: string;
    readonly trust: TrustLevel;
    readonly vlan?: number;
    readonly cidr?: string;
  }[];
}

export interface SshIntent {
  readonly port: number;
  readonly passwordAuthentication: boolean;
  readonly kbdInteractiveAuthentication: boolean;
  readonly permitRootLogin: "no" | "prohibit-password" | "yes";
  /** The account the deployer logs in as (homelab:ssh.adminUser): `no` would lock out root. */
  readonly loginUser: string;
  /** The deployer pins this host's key (connection.hostKey): from the inventory, or generated. */
  readonly hostKeyPinned: boolean;
  /** Where each login setting is decided: `homelab:ssh.sshd` (global) or the host's ssh.sshd. */
  readonly settingsFrom: {
    readonly passwordAuthentication: string;
    readonly kbdInteractiveAuthentication: string;
    readonly permitRootLogin: string;
  };
}

/** Any machine: router, hypervisor, VM or host. */
export interface MachineIntent {
  readonly kind: "machine";
  readonly name: string;
  /** `device`: never provisioned (a NAS appliance, a printer, a consumer router, a laptop). */
  readonly role: "router" | "hypervisor" | "vm" | "host" | "device";
  /** Where the machine is declared, e.g. `homelab:hypervisors.atlas.vms.edge`. */
  readonly path: string;
  readonly os: "debian" | "nixos" | "talos" | "none";
  /** Addresses the machine holds, per zone. Bridge addresses of a hypervisor are included. */
  readonly addresses: readonly {
    readonly zone: string;
    readonly address: string;
    readonly interface: string;
  }[];
  /** Absent when the machine has no SSH (Talos). */
  readonly ssh?: SshIntent;
  /** Ports the machine accepts connections on (host firewall or listening services). */
  readonly openPorts: readonly PortRange[];
  /** Declared services running on the machine. */
  readonly services: readonly string[];
  /** For VMs. */
  readonly hypervisor?: string;
  /** For VMs: each NIC's zone and the hypervisor bridge it is attached to. */
  readonly nics?: readonly {
    readonly zone: string;
    readonly bridge: string;
    readonly mac: string;
  }[];
}

export interface RouterIntent {
  readonly kind: "router";
  readonly name: string;
  /** Policy of the nftables forward chain. */
  readonly forwardPolicy: "drop" | "accept";
  readonly interfaces: readonly {
    readonly zone: string;
    readonly interface: string;
    readonly address: string;
  }[];
  readonly wanInterface?: string;
  /** Exactly the forwarding rules rendered into the ruleset (besides established/related). */
  readonly flows: readonly {
    readonly from: string;
    readonly to: string;
    readonly ports: readonly PortRange[];
    /** Empty: any address in `to`. */
    readonly toAddresses: readonly string[];
    readonly description?: string;
    /**
     * For a flow between zones of different routers: every router it crosses, in order (each of
     * them renders it and lists it with the same real endpoints `from` and `to`).
     */
    readonly path?: readonly string[];
  }[];
  readonly portForwards: readonly {
    readonly protocol: "tcp" | "udp";
    readonly publicPort: number;
    readonly service: string;
    readonly targetAddress: string;
    readonly targetPort: number;
    readonly targetZone: string;
  }[];
}

export interface HypervisorIntent {
  readonly kind: "hypervisor";
  readonly name: string;
  readonly managementZone: string;
  readonly bridges: readonly {
    readonly zone: string;
    readonly bridge: string;
    readonly vlanInterface: string;
    /**
     * Present only if the hypervisor has an address on the bridge: a zone-isolation violation in a
     * guest zone; its management address on the bridge of its own management zone (`management`).
     */
    readonly address?: string;
    /** The bridge of the hypervisor's own management zone (the trunk's untagged traffic). */
    readonly management?: boolean;
  }[];
  readonly vms: readonly string[];
  /** Declared services running on the hypervisor itself (should be none). */
  readonly services: readonly string[];
}

export interface TalosIntent {
  readonly kind: "talos";
  readonly cluster: string;
  readonly zone: string;
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
  readonly nodes: readonly {
    readonly name: string;
    readonly role: "controlplane" | "worker";
    readonly address: string;
  }[];
  /** The cluster's APIs: port, zone and the addresses they answer on (nodes, the VIP). */
  readonly apis: readonly {
    readonly name: "talos" | "trustd" | "kubernetes";
    readonly port: number;
    readonly zone: string;
    readonly addresses: readonly string[];
  }[];
}

/** One internet-facing exposure. */
export interface ExposureIntent {
  readonly kind: "exposure";
  readonly service: string;
  readonly via: "port-forward" | "tunnel" | "proxy";
  readonly hostname: string;
  /** Where internet traffic terminates first (the service or its reverse proxy). */
  readonly entryService: string;
  readonly entryAddresses: readonly string[];
  readonly entryZone?: string;
  /** The machine running cloudflared, when internet traffic reaches the entry through the tunnel. */
  readonly connector?: string;
  /** The public DNS record, if one is managed. */
  readonly record?: {
    readonly type: "A" | "CNAME";
    readonly content: string;
    readonly proxied: boolean;
  };
}

/** Versions the lab pins, for the versions-pinned policy. */
export interface VersionsIntent {
  readonly kind: "versions";
  readonly items: readonly { readonly what: string; readonly version: string }[];
}

/**
 * An ordered rollout: machines whose changes must not happen at once (a Talos cluster's nodes, a
 * wave of hypervisors). Phases run in order; within a phase, each stage starts only after the
 * previous one converged and passed its gate. Published so the PR comment can list the order.
 */
export interface RolloutIntent {
  readonly kind: "rollout";
  /** `talos:<cluster>` or `wave:<name>`. */
  readonly name: string;
  readonly description: string;
  /** What each stage must pass before the next one starts. */
  readonly gate: string;
  readonly phases: readonly {
    readonly name: string;
    readonly stages: readonly {
      readonly members: readonly string[];
      /** Resources that carry the stage's change; absent: every resource of the member machines. */
      readonly resources?: readonly string[];
    }[];
  }[];
}

export type Intent =
  | RolloutIntent
  | ZonesIntent
  | MachineIntent
  | RouterIntent
  | HypervisorIntent
  | TalosIntent
  | ExposureIntent
  | VersionsIntent;

/** The inputs (and outputs) of an intent record resource. */
export interface IntentRecordProps {
  readonly version: number;
  readonly intent: Intent;
}
