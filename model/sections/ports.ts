/**
 * What listens where: every port a machine serves is claimed once, by a service of homelab:services
 * or by a daemon the lab runs there (sshd, the router's dnsmasq, Talos, NixOS services). Two services
 * on one port of one machine, or a service on a daemon's port, are refused; on NixOS machines, whose
 * whole configuration is generated, a service's port must be one the NixOS settings serve.
 */
import { byName, Context, MachineRef, PortClaim } from "../context";
import type { ServiceSpec } from "./services";

interface Listener {
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  readonly claim: PortClaim;
}

function sshPort(ctx: Context, ref: MachineRef): { port: number; path: string } | undefined {
  if (ref.os === "talos" || !ctx.inv.ssh) return undefined;
  const own =
    ref.kind === "router"
      ? ctx.inv.routers?.[ref.name]?.ssh
      : ref.kind === "hypervisor"
        ? ctx.inv.hypervisors?.[ref.name]?.ssh
        : ref.spec?.ssh;
  if (own?.port !== undefined) return { port: own.port, path: `${ref.path}.ssh.port` };
  return { port: ctx.inv.ssh.port, path: "homelab:ssh.port" };
}

/** The daemons the lab itself runs on a machine. */
export function daemons(ctx: Context, ref: MachineRef): Listener[] {
  const out: Listener[] = [];
  const daemon = (protocol: "tcp" | "udp", port: number, owner: string, path: string) =>
    out.push({ protocol, port, claim: { owner, path, kind: "daemon" } });
  const ssh = sshPort(ctx, ref);
  if (ssh) daemon("tcp", ssh.port, "sshd", ssh.path);
  if (ref.kind === "router") {
    daemon("tcp", 53, "the router's DNS (dnsmasq)", ref.path);
    daemon("udp", 53, "the router's DNS (dnsmasq)", ref.path);
    daemon("udp", 67, "the router's DHCP (dnsmasq)", ref.path);
  }
  if (ref.os === "talos") {
    // Talos node ports: https://docs.siderolabs.com/talos/v1.13/learn-more/talos-network-connectivity
    // (apid on every node, trustd and the Kubernetes API on control planes) and the kubelet's 10250.
    daemon("tcp", 50000, "the Talos API (apid)", ref.path);
    daemon("tcp", 10250, "the kubelet", ref.path);
    if (ctx.inv.talos?.controlPlanes.includes(ref.name)) {
      daemon("tcp", 50001, "Talos trustd", ref.path);
      daemon("tcp", 6443, "the Kubernetes API", ref.path);
    }
  }
  const nixos = ref.spec?.nixos;
  if (ref.os === "nixos" && nixos) {
    const served = (protocol: "tcp" | "udp", port: number, owner: string, path: string) =>
      out.push({ protocol, port, claim: { owner, path, kind: "nixos" } });
    if (nixos.mariadb) served("tcp", nixos.mariadb.port, "MariaDB", `${ref.path}.nixos.mariadb`);
    if (nixos.nfs) served("tcp", 2049, "the NFS server", `${ref.path}.nixos.nfs`);
    for (const protocol of ["tcp", "udp"] as const) {
      (nixos.firewall?.[protocol] ?? []).forEach((port, i) =>
        served(
          protocol,
          port,
          "an extra open port",
          `${ref.path}.nixos.firewall.${protocol}[${i}]`,
        ),
      );
    }
  }
  return out;
}

/** Claims every daemon's port, then every service's port on its machine. */
export function checkPorts(ctx: Context): void {
  const refs = ctx.machines.values().sort((a, b) => a.name.localeCompare(b.name));
  for (const ref of refs) {
    for (const d of daemons(ctx, ref)) ctx.claimPort(ref.name, d.protocol, d.port, d.claim);
  }
  const nodePorts = new Map<number, string>();
  for (const [name, s] of byName(ctx.inv.services)) {
    const host = s.runsOn.host ? ctx.machines.get(s.runsOn.host) : undefined;
    if (host) checkServicePorts(ctx, name, s, host);
    const nodePort = s.runsOn.kubernetes?.nodePort;
    if (nodePort !== undefined) {
      const prior = nodePorts.get(nodePort);
      if (prior) {
        ctx.add(
          `homelab:services.${name}.runsOn.kubernetes.nodePort`,
          `${nodePort} is already the NodePort of service ${prior}; expected a NodePort unique in the cluster (every node listens on it). Pick another one in 30000-32767.`,
        );
      } else nodePorts.set(nodePort, name);
    }
  }
}

function checkServicePorts(ctx: Context, name: string, s: ServiceSpec, host: MachineRef): void {
  const served = daemons(ctx, host).filter((d) => d.claim.kind === "nixos");
  s.ports.forEach((p, i) => {
    const path = `homelab:services.${name}.ports[${i}]`;
    const spec = `${p.protocol}/${p.port}`;
    const prior = ctx.claimPort(host.name, p.protocol, p.port, {
      owner: name,
      path,
      kind: "service",
    });
    if (prior?.kind === "service") {
      ctx.add(
        path,
        prior.owner === name
          ? `${spec} is listed twice; expected each port once. Remove the duplicate.`
          : `${spec} is already a port of service ${prior.owner} (${prior.path}) on ${host.name}; expected one service per port of a machine. Use another port, or declare them as one service.`,
      );
      return;
    }
    if (prior?.kind === "daemon") {
      ctx.add(
        path,
        `${spec} is where ${prior.owner} listens on ${host.name} (${prior.path}); expected a port nothing else on ${host.name} listens on. Use another port.`,
      );
      return;
    }
    if (host.os === "nixos" && host.spec?.nixos && !prior) {
      const runs = served.filter((d) => d.claim.owner !== "an extra open port");
      ctx.add(
        path,
        `${spec} is served by nothing on NixOS machine ${host.name} (${runs.length ? runs.map((d) => `${d.claim.owner} on ${d.protocol}/${d.port}`).join(", ") : "its NixOS settings run no service"}); expected a port its NixOS settings serve. ${runs.some((d) => d.claim.owner === "MariaDB") ? `If this is MariaDB, set ${host.path}.nixos.mariadb.port to ${p.port}; otherwise fix the port` : `Configure the service under ${host.path}.nixos, open the port in nixos.firewall, or fix the port`}.`,
      );
    }
  });
}
