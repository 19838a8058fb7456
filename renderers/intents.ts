/**
 * Intent records from the model. Pure; the router's flows and port-forwards come from the nftables
 * renderer itself, so the record says exactly what the loaded ruleset does.
 */
import type {
  ExposureIntent,
  HypervisorIntent,
  MachineIntent,
  PortRange,
  RouterIntent,
  TalosIntent,
  VersionsIntent,
  ZonesIntent,
} from "../model/intent";
import type { Hypervisor, Lab, Machine, Router, TalosCluster, Vm } from "../model/lab";
import { renderNftables } from "./nftables";
import { KUBE_VIP_IMAGE } from "./kube-vip";
import { nixosOpenPorts } from "./nixos";

export function zonesIntent(lab: Lab): ZonesIntent {
  return {
    kind: "zones",
    zones: lab.zones.map((z) => ({ name: z.name, trust: z.trust, vlan: z.vlan, cidr: z.cidr })),
  };
}

function servicePorts(lab: Lab, m: Machine): PortRange[] {
  return m.services.flatMap((name) =>
    lab.services
      .find((s) => s.name === name)!
      .ports.map((p) => ({ protocol: p.protocol, from: p.port, to: p.port })),
  );
}

function openPorts(lab: Lab, m: Machine): PortRange[] {
  if (m.kind === "device") return servicePorts(lab, m); // what its declared services listen on
  if (m.os === "nixos") {
    const p = nixosOpenPorts(lab, m);
    return [
      ...p.tcp.map((port) => ({ protocol: "tcp" as const, from: port, to: port })),
      ...p.udp.map((port) => ({ protocol: "udp" as const, from: port, to: port })),
    ];
  }
  if (m.os === "talos") {
    return [
      { protocol: "tcp", from: 50000, to: 50001 },
      { protocol: "tcp", from: 6443, to: 6443 },
      { protocol: "tcp", from: 10250, to: 10250 },
    ];
  }
  const ports: PortRange[] = [{ protocol: "tcp", from: m.ssh!.port, to: m.ssh!.port }];
  if (m.kind === "router") {
    ports.push(
      { protocol: "udp", from: 53, to: 53 },
      { protocol: "tcp", from: 53, to: 53 },
      { protocol: "udp", from: 67, to: 67 },
    );
  }
  return [...ports, ...servicePorts(lab, m)];
}

/** Where a machine is declared in the inventory. */
export function machinePath(m: Machine): string {
  switch (m.kind) {
    case "router":
      return `homelab:routers.${m.name}`;
    case "hypervisor":
      return `homelab:hypervisors.${m.name}`;
    case "vm":
      return `homelab:hypervisors.${m.hypervisor!}.vms.${m.name}`;
    case "host":
      return `homelab:hosts.${m.name}`;
    case "device":
      return `homelab:devices.${m.name}`;
  }
}

export function machineIntent(lab: Lab, m: Machine, vm?: Vm): MachineIntent {
  return {
    kind: "machine",
    name: m.name,
    role: m.kind,
    path: machinePath(m),
    os: m.os,
    addresses: m.interfaces.map((i) => ({ zone: i.zone, address: i.address, interface: i.name })),
    ssh: m.ssh
      ? {
          port: m.ssh.port,
          passwordAuthentication: m.ssh.sshd.passwordAuthentication,
          kbdInteractiveAuthentication: m.ssh.sshd.kbdInteractiveAuthentication,
          permitRootLogin: m.ssh.sshd.permitRootLogin,
          loginUser: m.ssh.user,
          // No inventory key: a Debian VM whose key the program generates and pins (components/vm.ts).
          hostKeyPinned: m.ssh.hostKey === undefined || m.ssh.hostKey.length > 0,
          settingsFrom: {
            passwordAuthentication: m.ssh.sshdFrom.passwordAuthentication,
            kbdInteractiveAuthentication: m.ssh.sshdFrom.kbdInteractiveAuthentication,
            permitRootLogin: m.ssh.sshdFrom.permitRootLogin,
          },
        }
      : undefined,
    openPorts: openPorts(lab, m),
    services: [...m.services],
    hypervisor: m.hypervisor,
    nics: vm ? vm.nics.map((n) => ({ zone: n.zone, bridge: n.bridge, mac: n.mac })) : undefined,
  };
}

export function routerIntent(lab: Lab, r: Router): RouterIntent {
  const rendered = renderNftables(lab, r);
  return {
    kind: "router",
    name: r.name,
    forwardPolicy: "drop",
    interfaces: r.machine.interfaces.map((i) => ({
      zone: i.zone,
      interface: i.name,
      address: i.address,
    })),
    wanInterface: r.wan?.interface,
    flows: rendered.flows,
    portForwards: rendered.portForwards,
  };
}

export function hypervisorIntent(h: Hypervisor): HypervisorIntent {
  return {
    kind: "hypervisor",
    name: h.name,
    managementZone: h.zone,
    bridges: h.bridges.map((b) => ({
      zone: b.zone,
      bridge: b.name,
      vlanInterface: b.vlanInterface,
      address: b.address,
      ...(b.management ? { management: true } : {}),
    })),
    vms: h.vms.map((v) => v.name),
    services: [...h.machine.services],
  };
}

const nodeAddresses = (nodes: readonly Machine[]) => nodes.map((n) => n.interfaces[0]!.address);

export function talosIntent(t: TalosCluster): TalosIntent {
  const cps = t.controlPlanes;
  const workers = t.workers;
  return {
    kind: "talos",
    cluster: t.clusterName,
    zone: t.zone,
    talosVersion: t.talosVersion,
    kubernetesVersion: t.kubernetesVersion,
    nodes: [
      ...t.controlPlanes.map((m) => ({
        name: m.name,
        role: "controlplane" as const,
        address: m.interfaces[0]!.address,
      })),
      ...t.workers.map((m) => ({
        name: m.name,
        role: "worker" as const,
        address: m.interfaces[0]!.address,
      })),
    ],
    // Talos v1.13 ports: apid 50000 on every node, trustd 50001 and the Kubernetes API 6443 on
    // control planes (and the VIP): https://docs.siderolabs.com/talos/v1.13/learn-more/talos-network-connectivity
    apis: [
      { name: "talos", port: 50000, zone: t.zone, addresses: nodeAddresses([...cps, ...workers]) },
      { name: "trustd", port: 50001, zone: t.zone, addresses: nodeAddresses(cps) },
      {
        name: "kubernetes",
        port: 6443,
        zone: t.zone,
        addresses: [...nodeAddresses(cps), ...(t.vip ? [t.vip] : [])],
      },
    ],
  };
}

/** Content of a CNAME that points at the lab's Cloudflare tunnel (the tunnel id is known only after
 * creation, so the intent names the tunnel instead). */
export const TUNNEL_TARGET = "cloudflare-tunnel";

/** One record per public service; `record` is the public DNS record the lab manages for it. */
export function exposureIntents(lab: Lab): ExposureIntent[] {
  const out: ExposureIntent[] = [];
  for (const s of lab.services) {
    const e = s.exposure;
    if (e.kind === "internal") continue;
    const entry = lab.services.find((x) => x.name === e.entryService)!;
    const record = e.recordAddress
      ? { type: "A" as const, content: e.recordAddress, proxied: e.proxied }
      : e.kind === "tunnel"
        ? { type: "CNAME" as const, content: TUNNEL_TARGET, proxied: true }
        : undefined;
    out.push({
      kind: "exposure",
      service: s.name,
      via: e.kind,
      hostname: e.hostname,
      entryService: entry.name,
      entryAddresses: [...entry.addresses],
      entryZone: entry.zone,
      connector: entry.exposure.kind === "tunnel" ? lab.cloudflare?.tunnelConnector : undefined,
      record,
    });
  }
  return out;
}

export function versionsIntent(lab: Lab): VersionsIntent {
  const items: { what: string; version: string }[] = [];
  if (lab.talos) {
    items.push(
      { what: "talos", version: lab.talos.talosVersion },
      { what: "kubernetes", version: lab.talos.kubernetesVersion },
    );
  }
  for (const m of lab.machines)
    if (m.nixos) items.push({ what: `nixos:${m.name}`, version: m.nixos.release });
  for (const s of lab.services)
    if (s.kubernetes) items.push({ what: `image:${s.name}`, version: s.kubernetes.image });
  if (
    lab.talos?.loadBalancerPool &&
    lab.services.some((s) => s.kubernetes?.serviceType === "LoadBalancer")
  )
    items.push({ what: "image:kube-vip", version: KUBE_VIP_IMAGE });
  return { kind: "versions", items };
}
