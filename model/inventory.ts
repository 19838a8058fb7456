/**
 * The inventory: what a homelabber writes in Pulumi.<stack>.yaml under the `homelab:` namespace.
 * Types and schemas side by side; the schemas are the single definition of every key (validation,
 * docs/config-reference.md and schema/inventory.schema.json are all generated from them).
 */
import { cidrProblem, isIpv4, isMac } from "./net";
import {
  anyValue,
  bool,
  int,
  list,
  map,
  NAME_FORMAT,
  NAME_RE,
  object,
  oneOf,
  opt,
  req,
  Schema,
  str,
} from "./schema";

// ---------------------------------------------------------------------------------------------
// Types

export type Trust = "wan" | "dmz" | "internal" | "hypervisor" | "management";
export const TRUST_LEVELS: readonly Trust[] = [
  "wan",
  "dmz",
  "internal",
  "hypervisor",
  "management",
];
/** Higher is more trusted. */
export const TRUST_RANK: Record<Trust, number> = {
  wan: 0,
  dmz: 1,
  internal: 2,
  hypervisor: 3,
  management: 3,
};

export type Os = "debian" | "nixos" | "talos";
export type PermitRootLogin = "no" | "prohibit-password" | "yes";

export interface SshdSettings {
  passwordAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  permitRootLogin: PermitRootLogin;
  maxAuthTries: number;
  allowAgentForwarding: boolean;
  allowTcpForwarding: boolean;
  x11Forwarding: boolean;
}

export interface SshSpec {
  adminUser: string;
  authorizedKeys: string[];
  port: number;
  sshd: SshdSettings;
  revertAfterSeconds: number;
}

export interface HostSshSpec {
  hostKey: string;
  host?: string;
  port?: number;
  sshd?: Partial<SshdSettings>;
}

export interface ZoneSpec {
  trust: Trust;
  vlan?: number;
  cidr?: string;
  gateway?: string;
  description?: string;
}

export interface FlowSpec {
  from: string;
  to: string;
  ports?: string[];
  toHost?: string;
  toService?: string;
  description?: string;
}

export interface DhcpSpec {
  zone: string;
  start: string;
  end: string;
  leaseTime: string;
}

export interface PortForwardSpec {
  protocol: "tcp" | "udp";
  publicPort: number;
  service: string;
  port?: number;
}

export interface WanSpec {
  interface: string;
  address: string;
  gateway?: string;
}

export interface RouterSpec {
  description?: string;
  managementZone: string;
  oobInterface?: string;
  trunk: string;
  zones: string[];
  wan?: WanSpec;
  dhcp?: DhcpSpec[];
  dnsUpstreams: string[];
  portForwards?: PortForwardSpec[];
  ssh: HostSshSpec;
}

export interface BridgeSpec {
  zone: string;
  address?: string;
}

export interface NicSpec {
  zone: string;
  address: string;
  mac?: string;
  interface?: string;
}

export interface NfsExportSpec {
  path: string;
  clients: string[];
  options: string[];
}

export interface NixosSpec {
  release: string;
  firewall?: { tcp?: number[]; udp?: number[] };
  mariadb?: { port: number; databases: string[] };
  nfs?: { exports: NfsExportSpec[] };
}

export interface MachineSpec {
  description?: string;
  os: Os;
  nics: NicSpec[];
  ssh?: HostSshSpec;
  nixos?: NixosSpec;
}

export interface VmSpec extends MachineSpec {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  image: string;
  autostart: boolean;
}

export interface HypervisorSpec {
  description?: string;
  platform: "libvirt" | "proxmox";
  zone: string;
  address: string;
  trunk: string;
  bridges: BridgeSpec[];
  ssh: HostSshSpec;
  vms?: Record<string, VmSpec>;
}

export interface TalosSpec {
  clusterName: string;
  vip?: string;
  talosVersion: string;
  kubernetesVersion: string;
  controlPlanes: string[];
  workers: string[];
  installDisk: string;
  allowSchedulingOnControlPlanes: boolean;
  patches?: { all?: unknown[]; controlPlane?: unknown[]; worker?: unknown[] };
  rollout: TalosRolloutSpec;
}

export interface TalosRolloutSpec {
  workersAtOnce: number;
  healthTimeoutSec: number;
}

export interface ServicePort {
  port: number;
  protocol: "tcp" | "udp";
  name?: string;
}

export interface KubernetesWorkloadSpec {
  image: string;
  replicas: number;
  namespace: string;
  serviceType: "ClusterIP" | "NodePort" | "LoadBalancer";
  loadBalancerIP?: string;
  nodePort?: number;
}

export interface PublicSpec {
  hostname: string;
  via: "port-forward" | "tunnel" | "proxy";
  proxy?: string;
  proxied: boolean;
  recordAddress?: string;
}

export interface ServiceSpec {
  description?: string;
  runsOn: { host?: string; kubernetes?: KubernetesWorkloadSpec };
  ports: ServicePort[];
  dns?: string[];
  public?: PublicSpec;
}

export interface CloudflareSpec {
  zone: string;
  zoneId: string;
  accountId?: string;
  publicAddress?: string;
  tunnel?: { connector: string };
}

/** The whole inventory as parsed from config (before cross-reference validation). */
export interface Inventory {
  domain: string;
  ssh: SshSpec;
  zones: Record<string, ZoneSpec>;
  flows: FlowSpec[];
  routers: Record<string, RouterSpec>;
  hypervisors: Record<string, HypervisorSpec>;
  hosts: Record<string, MachineSpec>;
  talos?: TalosSpec;
  services: Record<string, ServiceSpec>;
  cloudflare?: CloudflareSpec;
}

// ---------------------------------------------------------------------------------------------
// Formats

const ipv4 = (description: string): Schema<string> =>
  str({
    description,
    format: "an IPv4 address",
    check: (v) => (isIpv4(v) ? undefined : "is not an IPv4 address"),
    fix: "Write it as four numbers 0-255, e.g. 192.168.30.7.",
  });

const cidr = (description: string): Schema<string> =>
  str({
    description,
    format: "an IPv4 network in CIDR form",
    check: cidrProblem,
    fix: "Write the network address and prefix length, e.g. 192.168.30.0/24.",
  });

const name = (description: string): Schema<string> =>
  str({
    description,
    format: NAME_FORMAT,
    check: (v) => (NAME_RE.test(v) ? undefined : "is not a valid name"),
  });

const port = (description: string): Schema<number> => int({ description, min: 1, max: 65535 });

/** Linux interface names: at most 15 characters; they end up in shell scripts and nftables rules. */
export const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
const ifname = (description: string): Schema<string> =>
  str({
    description,
    format: "a Linux interface name (letters, digits, '_', '.', '-'; at most 15 characters)",
    check: (v) => (IFNAME_RE.test(v) ? undefined : "is not a Linux interface name"),
  });

export const HOST_KEY_RE =
  /^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) [A-Za-z0-9+/]+={0,3}$/;
const hostKey = str({
  description:
    "The host's SSH public host key, as in /etc/ssh/ssh_host_ed25519_key.pub without the comment. Pinned: connections to any other key are refused.",
  format: "an SSH public key (`ssh-ed25519 AAAA...`, no comment)",
  check: (v) => (HOST_KEY_RE.test(v.trim()) ? undefined : "is not an SSH public host key"),
  fix: "Copy it from the host with `ssh-keyscan -t ed25519 <address>` (drop the leading address) or from /etc/ssh/ssh_host_ed25519_key.pub.",
});

export const AUTHORIZED_KEY_RE =
  /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|ssh-rsa) [A-Za-z0-9+/]+={0,3}( .*)?$/;

/** Port spec like `tcp/22`, `udp/53`, `tcp/8000-8100`, `icmp` or `any`. */
export const PORT_SPEC_RE = /^(icmp|any|(tcp|udp)\/(\d{1,5})(-(\d{1,5}))?)$/;
function portSpecProblem(v: string): string | undefined {
  const m = PORT_SPEC_RE.exec(v);
  if (!m) return "is not a port spec";
  if (m[1] === "icmp" || m[1] === "any") return undefined;
  const from = Number(m[3]);
  const to = m[5] === undefined ? from : Number(m[5]);
  if (from < 1 || to > 65535 || from > to) return "is not a valid port range";
  return undefined;
}

/** Versions must be exact: `latest`, `stable` or partial versions are rejected. */
const exactVersion = (description: string, example: string, requireV: boolean): Schema<string> =>
  str({
    description,
    format: `an exact version like ${example}`,
    check: (v) => {
      const re = requireV ? /^v\d+\.\d+\.\d+$/ : /^v?\d+\.\d+\.\d+$/;
      return re.test(v) ? undefined : "is not pinned to an exact version";
    },
    fix: `Pin the exact release you tested, e.g. ${example}; floating versions make rebuilds unrepeatable.`,
  });

/** Container images need an explicit tag or digest, never `latest`. */
export function imageProblem(v: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(v)) return undefined;
  const lastSegment = v.split("/").pop() ?? v;
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return "has no tag (it would float to latest)";
  const tag = lastSegment.slice(colon + 1);
  if (tag === "" || tag === "latest") return "is pinned to latest";
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Schemas

export const DEFAULT_SSHD: SshdSettings = {
  passwordAuthentication: false,
  kbdInteractiveAuthentication: false,
  permitRootLogin: "prohibit-password",
  maxAuthTries: 3,
  allowAgentForwarding: false,
  allowTcpForwarding: false,
  x11Forwarding: false,
};

function sshdFields(partial: boolean) {
  const f = <T>(schema: Schema<T>, def: T) => (partial ? opt(schema) : opt(schema, def));
  return {
    passwordAuthentication: f(
      bool({
        description:
          "Allow password logins. Off by default; the policy ssh-no-password-auth blocks turning it on.",
      }),
      DEFAULT_SSHD.passwordAuthentication,
    ),
    kbdInteractiveAuthentication: f(
      bool({
        description: "Allow keyboard-interactive logins (PAM password prompts). Off by default.",
      }),
      DEFAULT_SSHD.kbdInteractiveAuthentication,
    ),
    permitRootLogin: f(
      oneOf(["no", "prohibit-password", "yes"] as const, {
        description: "sshd PermitRootLogin. `yes` is blocked by the policy ssh-root-login.",
      }),
      DEFAULT_SSHD.permitRootLogin,
    ),
    maxAuthTries: f(
      int({ description: "sshd MaxAuthTries.", min: 1, max: 10 }),
      DEFAULT_SSHD.maxAuthTries,
    ),
    allowAgentForwarding: f(
      bool({ description: "sshd AllowAgentForwarding." }),
      DEFAULT_SSHD.allowAgentForwarding,
    ),
    allowTcpForwarding: f(
      bool({ description: "sshd AllowTcpForwarding." }),
      DEFAULT_SSHD.allowTcpForwarding,
    ),
    x11Forwarding: f(bool({ description: "sshd X11Forwarding." }), DEFAULT_SSHD.x11Forwarding),
  };
}

const sshdSchema = object<SshdSettings>(
  "Hardened sshd settings applied to every Linux and NixOS host.",
  sshdFields(false),
);
const sshdOverrideSchema = object<Partial<SshdSettings>>(
  "Per-host overrides of homelab:ssh.sshd (only the keys given change).",
  sshdFields(true),
);

export const sshSchema = object<SshSpec>("How the deployer logs in and how sshd is hardened.", {
  adminUser: req(
    str({
      description:
        "The account the deployer logs in as on every SSH host. Commands run through `sudo -n` unless it is root.",
      format: "a Unix user name",
      check: (v) => (/^[a-z_][a-z0-9_-]{0,31}$/.test(v) ? undefined : "is not a Unix user name"),
    }),
  ),
  authorizedKeys: req(
    list(
      str({
        description: "An OpenSSH public key line.",
        format: "an OpenSSH public key line (`ssh-ed25519 AAAA... comment`)",
        check: (v) =>
          AUTHORIZED_KEY_RE.test(v.trim()) ? undefined : "is not an OpenSSH public key",
        fix: "Paste the contents of your ~/.ssh/id_ed25519.pub.",
      }),
      {
        description:
          "Public keys allowed to log in as adminUser on every host (written to authorized_keys).",
        minItems: 1,
        fix: "Add at least your own public key, or you will be locked out.",
      },
    ),
  ),
  port: opt(port("sshd port on every host."), 22),
  sshd: opt(
    sshdSchema,
    DEFAULT_SSHD,
    "key-only: passwords and keyboard-interactive off, root only with keys, MaxAuthTries 3, no forwarding",
  ),
  revertAfterSeconds: opt(
    int({
      description:
        "Dead-man switch for sshd and firewall changes: the machine restores its previous configuration by itself unless the deployer proves, over a new SSH connection, that it can still log in within this many seconds of the apply.",
      min: 30,
      max: 3600,
    }),
    120,
  ),
});

const hostSshSchema = object<HostSshSpec>("How to reach this host over SSH.", {
  hostKey: req(hostKey),
  host: opt(
    str({
      description:
        "Address or DNS name to connect to, when it differs from the host's management address (out-of-band network, jump name).",
    }),
    undefined,
    "the host's management address",
  ),
  port: opt(port("sshd port of this host."), undefined, "homelab:ssh.port"),
  sshd: opt(sshdOverrideSchema, undefined, "homelab:ssh.sshd"),
});

const zoneSchema = object<ZoneSpec>(
  "A network zone: one VLAN with one IPv4 network and a trust level.",
  {
    trust: req(
      oneOf(TRUST_LEVELS, {
        description:
          "How much the zone is trusted: wan < dmz < internal < hypervisor = management. Traffic from lower to higher trust is denied unless a flow allows it.",
      }),
    ),
    vlan: opt(
      int({ description: "802.1Q VLAN id (not used for the wan zone).", min: 1, max: 4094 }),
      undefined,
      "required for every zone except wan",
    ),
    cidr: opt(cidr("The zone's IPv4 network."), undefined, "required for every zone except wan"),
    gateway: opt(
      ipv4("The router's address in the zone (the zone's default gateway and DNS server)."),
      undefined,
      "required for every zone except wan",
    ),
    description: opt(str({ description: "Free text for the generated docs." })),
  },
);

const flowSchema = object<FlowSpec>(
  "An allowed connection between zones. Everything not listed is dropped (default deny).",
  {
    from: req(name("Source zone.")),
    to: req(name("Destination zone.")),
    ports: opt(
      list(
        str({
          description: "A port spec.",
          format: "a port spec like tcp/22, udp/53, tcp/8000-8100, icmp or any",
          check: portSpecProblem,
        }),
        { description: "Allowed protocols/ports (`any` allows everything).", minItems: 1 },
      ),
      undefined,
      "the ports of toService; required without toService",
    ),
    toHost: opt(
      name("Restrict the destination to this machine's address in the destination zone."),
      undefined,
      "any address in the zone",
    ),
    toService: opt(
      name("Restrict the destination to this service's addresses (and, without ports, its ports)."),
      undefined,
      "any address in the zone",
    ),
    description: opt(str({ description: "Why this flow exists (shown in docs and PR previews)." })),
  },
);

const dhcpSchema = object<DhcpSpec>("A DHCP pool served by the router.", {
  zone: req(name("Zone to serve.")),
  start: req(ipv4("First address of the pool.")),
  end: req(ipv4("Last address of the pool.")),
  leaseTime: opt(
    str({
      description: "dnsmasq lease time.",
      format: "a lease time like 12h, 30m or 1d",
      check: (v) => (/^\d+[smhdw]$/.test(v) ? undefined : "is not a lease time"),
    }),
    "12h",
  ),
});

const portForwardSchema = object<PortForwardSpec>("A WAN port forwarded (DNAT) to a service.", {
  protocol: opt(oneOf(["tcp", "udp"] as const, { description: "Protocol." }), "tcp"),
  publicPort: req(port("Port on the router's WAN address.")),
  service: req(name("Service receiving the traffic (its host's address).")),
  port: opt(port("Port on the service's host."), undefined, "publicPort"),
});

const routerSchema = object<RouterSpec>(
  "A Linux router (nftables + dnsmasq) that joins the zones.",
  {
    description: opt(str({ description: "Free text for the generated docs." })),
    managementZone: req(name("Zone whose gateway address the deployer connects to.")),
    oobInterface: opt(
      ifname(
        "An out-of-band management NIC outside every zone: SSH to the router is accepted on it too. Traffic is never forwarded to or from it.",
      ),
      undefined,
      "none: SSH only from the management zone",
    ),
    trunk: req(ifname("NIC carrying the zone VLANs; zone interfaces are <trunk>.<vlan>.")),
    zones: req(
      list(name("Zone name."), {
        description:
          "Zones this router is the gateway of (its address in each is the zone's gateway).",
        minItems: 1,
      }),
    ),
    wan: opt(
      object<WanSpec>("The router's internet uplink.", {
        interface: req(ifname("WAN NIC name.")),
        address: req(
          str({
            description: "`dhcp`, or a static address with prefix like 203.0.113.10/24.",
            format: "dhcp or an address with prefix like 203.0.113.10/24",
            check: (v) =>
              v === "dhcp" ||
              (/^[\d.]+\/\d{1,2}$/.test(v) &&
                isIpv4(v.split("/")[0]!) &&
                Number(v.split("/")[1]) <= 32)
                ? undefined
                : "is not dhcp or an address with prefix",
          }),
        ),
        gateway: opt(ipv4("Upstream gateway for a static WAN address.")),
      }),
      undefined,
      "no internet uplink (no NAT, no port-forwards)",
    ),
    dhcp: opt(
      list(dhcpSchema, { description: "DHCP pools." }),
      undefined,
      "no DHCP; static addresses only",
    ),
    dnsUpstreams: opt(
      list(ipv4("Resolver address."), { description: "Upstream resolvers for dnsmasq." }),
      ["1.1.1.1", "9.9.9.9"],
    ),
    portForwards: opt(
      list(portForwardSchema, { description: "WAN port-forwards." }),
      undefined,
      "none: nothing is reachable from the internet",
    ),
    ssh: req(hostSshSchema),
  },
);

const nicSchema = object<NicSpec>("A network interface in a zone.", {
  zone: req(name("Zone of this interface.")),
  address: req(
    ipv4("Static address in the zone (also served as a DHCP static lease when a MAC is given)."),
  ),
  mac: opt(
    str({
      description: "MAC address.",
      format: "a unicast MAC address like 52:54:00:12:34:56",
      check: (v) =>
        !isMac(v)
          ? "is not a MAC address"
          : parseInt(v.slice(0, 2), 16) & 1
            ? "is a multicast MAC address"
            : undefined,
      fix: "Use a unicast address; KVM guests conventionally use 52:54:00:xx:xx:xx.",
    }),
    undefined,
    "generated by the hypervisor (VMs) or the hardware's own",
  ),
  interface: opt(
    ifname("Interface name inside the machine."),
    undefined,
    "eth0, eth1, ... in order",
  ),
});

const nixosSchema = object<NixosSpec>("NixOS settings; configuration.nix is generated from them.", {
  release: req(
    str({
      description: "NixOS release (channel nixos-<release>, also system.stateVersion).",
      format: "a NixOS release like 25.05",
      check: (v) => (/^\d{2}\.\d{2}$/.test(v) ? undefined : "is not a NixOS release number"),
      fix: "Use a release number like 25.05; unstable channels are not repeatable.",
    }),
  ),
  firewall: opt(
    object<{ tcp?: number[]; udp?: number[] }>(
      "Extra open ports (service ports are opened automatically).",
      {
        tcp: opt(list(port("TCP port."), { description: "Extra TCP ports." })),
        udp: opt(list(port("UDP port."), { description: "Extra UDP ports." })),
      },
    ),
  ),
  mariadb: opt(
    object<{ port: number; databases: string[] }>("MariaDB server (services.mysql).", {
      port: opt(port("Listen port."), 3306),
      databases: opt(list(name("Database name."), { description: "Databases to create." }), []),
    }),
  ),
  nfs: opt(
    object<{ exports: NfsExportSpec[] }>("NFS server (services.nfs.server).", {
      exports: req(
        list(
          object<NfsExportSpec>("One exported directory.", {
            path: req(
              str({
                description: "Absolute path to export.",
                format: "an absolute path of letters, digits, '.', '_', '-' and '/'",
                check: (v) =>
                  /^\/[A-Za-z0-9._/-]+$/.test(v) ? undefined : "is not such an absolute path",
              }),
            ),
            clients: req(
              list(str({ description: "Host name, service name or CIDR." }), {
                description:
                  "Who may mount it: host names, service names (their host) or networks.",
                minItems: 1,
              }),
            ),
            options: opt(
              list(str({ description: "exports(5) option." }), {
                description: "exports(5) options.",
              }),
              ["rw", "sync", "no_subtree_check"],
            ),
          }),
          { description: "Exports.", minItems: 1 },
        ),
      ),
    }),
  ),
});

const machineFields = {
  description: opt(str({ description: "Free text for the generated docs." })),
  os: req(
    oneOf(["debian", "nixos", "talos"] as const, {
      description:
        "Operating system: how the machine is provisioned (SSH + files, nixos-rebuild, talosctl).",
    }),
  ),
  nics: req(
    list(nicSchema, { description: "Network interfaces; the first is the primary.", minItems: 1 }),
  ),
  ssh: opt(hostSshSchema, undefined, "required for debian and nixos; Talos has no SSH"),
  nixos: opt(nixosSchema, undefined, "required when os is nixos"),
};

export const hostSchema = object<MachineSpec>(
  "A machine that is neither router nor hypervisor (NAS, NixOS box, Raspberry Pi, bare-metal Talos node).",
  machineFields,
);

const vmSchema = object<VmSpec>("A virtual machine on this hypervisor.", {
  ...machineFields,
  nics: req(
    list(nicSchema, {
      description: "NICs; each is attached to the hypervisor's bridge for its zone.",
      minItems: 1,
    }),
  ),
  vcpus: req(int({ description: "Virtual CPUs.", min: 1, max: 256 })),
  memoryMiB: req(int({ description: "Memory in MiB.", min: 128, max: 4194304 })),
  diskGiB: req(int({ description: "Root disk size in GiB.", min: 1, max: 65536 })),
  image: req(
    str({
      description:
        "Base image the root disk is cloned from: a path on the hypervisor (e.g. /var/lib/libvirt/images/debian-12-genericcloud-amd64.qcow2).",
      format: "an absolute path on the hypervisor (letters, digits, '.', '_', '-', '/')",
      check: (v) => (/^\/[A-Za-z0-9._/-]+$/.test(v) ? undefined : "is not such an absolute path"),
    }),
  ),
  autostart: opt(bool({ description: "Start with the hypervisor." }), true),
});

const hypervisorSchema = object<HypervisorSpec>(
  "A KVM hypervisor: bridges for guest zones, no address in them, nothing else running.",
  {
    description: opt(str({ description: "Free text for the generated docs." })),
    platform: opt(
      oneOf(["libvirt", "proxmox"] as const, { description: "How VMs are defined: virsh or qm." }),
      "libvirt",
    ),
    zone: req(name("Zone of the management address (usually the hypervisor zone).")),
    address: req(ipv4("Management address, in `zone`.")),
    trunk: req(ifname("Trunk NIC (e.g. enp3s0); guest zones are <trunk>.<vlan>.")),
    bridges: opt(
      list(
        object<BridgeSpec>("A bridge for a guest zone.", {
          zone: req(name("Guest zone.")),
          address: opt(
            ipv4(
              "An address for the hypervisor on this bridge. Normally absent: the policy zone-isolation blocks it.",
            ),
            undefined,
            "none (the hypervisor is not reachable from the guest zone)",
          ),
        }),
        { description: "Guest zones bridged on this hypervisor." },
      ),
      [],
    ),
    ssh: req(hostSshSchema),
    vms: opt(map(vmSchema, { description: "VMs by name." }), undefined, "none"),
  },
);

const talosSchema = object<TalosSpec>("A Talos Linux Kubernetes cluster.", {
  clusterName: req(name("Cluster name.")),
  vip: opt(
    ipv4(
      "Shared virtual IP of the control planes (Talos layer-2 VIP); the Kubernetes API endpoint.",
    ),
    undefined,
    "the first control plane's address",
  ),
  talosVersion: req(exactVersion("Talos version (installer image and talosctl).", "v1.13.9", true)),
  kubernetesVersion: req(exactVersion("Kubernetes version.", "v1.34.1", false)),
  controlPlanes: req(
    list(name("Machine name (os: talos)."), {
      description: "Control-plane machines (VMs or hosts with os talos). Use 1 or 3.",
      minItems: 1,
      fix: "Name at least one machine with os talos as control plane.",
    }),
  ),
  workers: opt(list(name("Machine name (os: talos)."), { description: "Worker machines." }), []),
  installDisk: opt(
    str({
      description: "Disk Talos installs to.",
      format: "a device path like /dev/vda",
      check: (v) => (/^\/dev\/[A-Za-z0-9/_.-]+$/.test(v) ? undefined : "is not a device path"),
    }),
    "/dev/vda",
  ),
  allowSchedulingOnControlPlanes: opt(
    bool({ description: "Run workloads on control planes too (small clusters)." }),
    false,
  ),
  rollout: opt(
    object<TalosRolloutSpec>(
      "How version and machine-config changes roll through the nodes: control planes one at a time, then workers in batches, each node passing its health gate before the next starts.",
      {
        workersAtOnce: opt(
          int({
            description:
              "Workers upgraded or reconfigured at the same time (control planes always go one at a time).",
            min: 1,
            max: 100,
          }),
          1,
        ),
        healthTimeoutSec: opt(
          int({
            description:
              "Health gate after each node: how long the node may take to come back on the declared version (and, on a control plane, with a healthy etcd member) before the rollout stops at it.",
            min: 30,
            max: 7200,
          }),
          600,
        ),
      },
    ),
    { workersAtOnce: 1, healthTimeoutSec: 600 },
    "one worker at a time, 600 s health gate per node",
  ),
  patches: opt(
    object<{ all?: unknown[]; controlPlane?: unknown[]; worker?: unknown[] }>(
      "Talos machine-config strategic-merge patches (validated against the Talos schema).",
      {
        all: opt(
          list(anyValue({ description: "Patch." }), { description: "Patches for every node." }),
        ),
        controlPlane: opt(
          list(anyValue({ description: "Patch." }), { description: "Patches for control planes." }),
        ),
        worker: opt(
          list(anyValue({ description: "Patch." }), { description: "Patches for workers." }),
        ),
      },
    ),
  ),
});

const kubeSchema = object<KubernetesWorkloadSpec>("A Deployment + Service on the Talos cluster.", {
  image: req(
    str({
      description: "Container image with an explicit tag or digest.",
      format: "an image with a pinned tag like nginx:1.27.3",
      check: imageProblem,
      fix: "Pin a release tag (or a @sha256 digest) so rebuilds are repeatable.",
    }),
  ),
  replicas: opt(int({ description: "Pod replicas.", min: 0, max: 100 }), 1),
  namespace: opt(name("Kubernetes namespace."), "default"),
  serviceType: opt(
    oneOf(["ClusterIP", "NodePort", "LoadBalancer"] as const, {
      description: "Kubernetes Service type.",
    }),
    "ClusterIP",
  ),
  loadBalancerIP: opt(ipv4("Address for a LoadBalancer service.")),
  nodePort: opt(int({ description: "NodePort (30000-32767).", min: 30000, max: 32767 })),
});

const serviceSchema = object<ServiceSpec>("Something that runs somewhere and has a name.", {
  description: opt(str({ description: "Free text for the generated docs." })),
  runsOn: req(
    object<{ host?: string; kubernetes?: KubernetesWorkloadSpec }>(
      "Where it runs: exactly one of host or kubernetes.",
      {
        host: opt(name("A machine (VM, host or router) name.")),
        kubernetes: opt(kubeSchema),
      },
    ),
  ),
  ports: req(
    list(
      object<ServicePort>("A port the service listens on.", {
        port: req(port("Port.")),
        protocol: opt(oneOf(["tcp", "udp"] as const, { description: "Protocol." }), "tcp"),
        name: opt(name("Port name.")),
      }),
      { description: "Listening ports.", minItems: 1 },
    ),
  ),
  dns: opt(
    list(name("DNS label."), {
      description:
        "Internal DNS aliases (`<alias>.<domain>`) pointing at wherever the service runs, so clients never depend on the machine.",
    }),
  ),
  public: opt(
    object<PublicSpec>("Internet exposure.", {
      hostname: req(
        str({
          description: "Public DNS name (a Cloudflare record in homelab:cloudflare.zone).",
          format: "a DNS name",
          check: (v) =>
            /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(v)
              ? undefined
              : "is not a DNS name",
        }),
      ),
      via: req(
        oneOf(["port-forward", "tunnel", "proxy"] as const, {
          description:
            "port-forward: a router port-forward targets this service; tunnel: Cloudflare tunnel; proxy: served through the reverse-proxy service named in `proxy`.",
        }),
      ),
      proxy: opt(name("Reverse-proxy service (when via is proxy).")),
      proxied: opt(bool({ description: "Cloudflare proxy (orange cloud) on the record." }), true),
      recordAddress: opt(
        ipv4("Publish this address instead of the router's public address (another public IP)."),
        undefined,
        "homelab:cloudflare.publicAddress or the router's static WAN address",
      ),
    }),
    undefined,
    "internal only",
  ),
});

const cloudflareSchema = object<CloudflareSpec>(
  "Public DNS at Cloudflare (token: cloudflare:apiToken, secret).",
  {
    zone: req(
      str({
        description: "The Cloudflare zone (domain), e.g. example.com.",
        format: "a DNS name",
        check: (v) => (/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(v) ? undefined : "is not a DNS name"),
      }),
    ),
    zoneId: req(
      str({
        description: "Cloudflare zone id (32 hex characters, from the zone's overview page).",
        format: "a 32-character hex zone id",
        check: (v) => (/^[0-9a-f]{32}$/.test(v) ? undefined : "is not a Cloudflare zone id"),
      }),
    ),
    accountId: opt(
      str({
        description: "Cloudflare account id (32 hex characters); needed for a tunnel.",
        format: "a 32-character hex account id",
        check: (v) => (/^[0-9a-f]{32}$/.test(v) ? undefined : "is not a Cloudflare account id"),
      }),
      undefined,
      "required with tunnel",
    ),
    publicAddress: opt(
      ipv4("Your public IPv4 address, for A records of port-forwarded services."),
      undefined,
      "the router's static WAN address",
    ),
    tunnel: opt(
      object<{ connector: string }>("Cloudflare tunnel.", {
        connector: req(name("DMZ machine running cloudflared.")),
      }),
    ),
  },
);

/** Every key of the `homelab:` namespace the model reads, with its schema. */
export const INVENTORY_KEYS = {
  domain: {
    required: true,
    schema: str({
      description: "Internal DNS domain served by the routers, e.g. home.arpa.",
      format: "a DNS name",
      check: (v) =>
        /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v)
          ? undefined
          : "is not a DNS name",
    }) as Schema<unknown>,
  },
  ssh: { required: true, schema: sshSchema as Schema<unknown> },
  zones: {
    required: true,
    schema: map(zoneSchema, { description: "Zones by name." }) as Schema<unknown>,
  },
  flows: {
    required: false,
    schema: list(flowSchema, {
      description: "Allowed inter-zone flows (default deny).",
    }) as Schema<unknown>,
  },
  routers: {
    required: true,
    schema: map(routerSchema, { description: "Routers by name." }) as Schema<unknown>,
  },
  hypervisors: {
    required: false,
    schema: map(hypervisorSchema, { description: "Hypervisors by name." }) as Schema<unknown>,
  },
  hosts: {
    required: false,
    schema: map(hostSchema, { description: "Other machines by name." }) as Schema<unknown>,
  },
  talos: { required: false, schema: talosSchema as Schema<unknown> },
  services: {
    required: false,
    schema: map(serviceSchema, { description: "Services by name." }) as Schema<unknown>,
  },
  cloudflare: { required: false, schema: cloudflareSchema as Schema<unknown> },
} as const;

/** Secret keys: declared, read by index.ts with requireSecret, never parsed into the model. */
export const SECRET_KEYS = {
  deployPrivateKey:
    "The deployer's SSH private key (OpenSSH format). Secret: `pulumi config set --secret homelab:deployPrivateKey < ~/.ssh/homelab_ed25519`.",
  talosSecrets:
    "Optional: an existing Talos cluster's secrets bundle (`secrets.yaml` of `talosctl gen secrets`), used instead of generating one, to adopt a running cluster. Secret: `pulumi config set --secret homelab:talosSecrets < secrets.yaml`; see README, Adopting an existing Talos cluster.",
} as const;
