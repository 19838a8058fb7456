/**
 * NixOS: /etc/nixos/configuration.nix generated from the typed inventory — hardened openssh, static
 * network, firewall opened exactly for the declared services, MariaDB and NFS exports as in seed 004
 * (clients named by machine or service, resolved to addresses here so the config never drifts from
 * the inventory). Secrets never go into Nix files: the Nix store is world-readable.
 */
import type { Lab, Machine } from "../model/lab";
import { parseCidr } from "../model/net";
import { generatedHeader, lines } from "./text";

export const NIXOS_CONFIG = "/etc/nixos/configuration.nix";

/** A Nix string literal. */
export function nixStr(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$\{/g, "\\${")}"`;
}

const nixList = (items: readonly string[]) => (items.length ? `[ ${items.join(" ")} ]` : "[ ]");
const nixBool = (b: boolean) => (b ? "true" : "false");

/** The address a client uses towards a server zone: its address in that zone, else its primary one. */
function clientAddresses(lab: Lab, name: string, serverZone: string): string[] {
  if (parseCidr(name)) return [name];
  const m = lab.machines.find((x) => x.name === name);
  if (m) return [(m.interfaces.find((i) => i.zone === serverZone) ?? m.interfaces[0]!).address];
  const s = lab.services.find((x) => x.name === name);
  return s ? [...s.addresses] : [];
}

/** TCP/UDP ports the NixOS firewall opens: sshd, the machine's services, its daemons, extras. */
export function nixosOpenPorts(lab: Lab, m: Machine): { tcp: number[]; udp: number[] } {
  const tcp = new Set<number>([m.ssh!.port]);
  const udp = new Set<number>();
  for (const name of m.services) {
    for (const p of lab.services.find((s) => s.name === name)!.ports)
      (p.protocol === "tcp" ? tcp : udp).add(p.port);
  }
  const n = m.nixos!;
  if (n.mariadb) tcp.add(n.mariadb.port);
  if (n.nfs) tcp.add(2049);
  for (const p of n.firewall?.tcp ?? []) tcp.add(p);
  for (const p of n.firewall?.udp ?? []) udp.add(p);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { tcp: sorted(tcp), udp: sorted(udp) };
}

export function renderNixosConfiguration(lab: Lab, m: Machine): string {
  const n = m.nixos!;
  const ssh = m.ssh!;
  const primary = m.interfaces[0]!;
  const ports = nixosOpenPorts(lab, m);
  const user = lab.adminUser;
  const keys = nixList(lab.authorizedKeys.map(nixStr));

  const body: string[] = [
    `  imports = lib.optional (builtins.pathExists ./hardware-configuration.nix) ./hardware-configuration.nix;`,
    "",
    `  system.stateVersion = ${nixStr(n.stateVersion)};`,
    "",
    "  # Network: static, from the inventory",
    `  networking.hostName = ${nixStr(m.name)};`,
    `  networking.domain = ${nixStr(lab.domain)};`,
    "  networking.useDHCP = false;",
    ...m.interfaces.map((i) => {
      const [address, prefix] = i.cidrAddress.split("/");
      return `  networking.interfaces.${nixStr(i.name)}.ipv4.addresses = [ { address = ${nixStr(address!)}; prefixLength = ${prefix}; } ];`;
    }),
    ...(primary.gateway
      ? [
          `  networking.defaultGateway = { address = ${nixStr(primary.gateway)}; interface = ${nixStr(primary.name)}; };`,
          `  networking.nameservers = [ ${nixStr(primary.gateway)} ];`,
        ]
      : []),
    "",
    "  # Firewall: exactly the ports of the declared services (nftables backend, table inet nixos-fw)",
    "  networking.nftables.enable = true;",
    "  networking.firewall.enable = true;",
    `  networking.firewall.allowedTCPPorts = ${nixList(ports.tcp.map(String))};`,
    `  networking.firewall.allowedUDPPorts = ${nixList(ports.udp.map(String))};`,
    "",
    "  # SSH: keys only",
    "  services.openssh = {",
    "    enable = true;",
    `    ports = [ ${ssh.port} ];`,
    "    openFirewall = false;",
    "    settings = {",
    `      PasswordAuthentication = ${nixBool(ssh.sshd.passwordAuthentication)};`,
    `      KbdInteractiveAuthentication = ${nixBool(ssh.sshd.kbdInteractiveAuthentication)};`,
    `      PermitRootLogin = ${nixStr(ssh.sshd.permitRootLogin)};`,
    `      MaxAuthTries = ${ssh.sshd.maxAuthTries};`,
    `      AllowAgentForwarding = ${nixBool(ssh.sshd.allowAgentForwarding)};`,
    `      AllowTcpForwarding = ${nixBool(ssh.sshd.allowTcpForwarding)};`,
    `      X11Forwarding = ${nixBool(ssh.sshd.x11Forwarding)};`,
    "    };",
    "  };",
    user === "root"
      ? `  users.users.root.openssh.authorizedKeys.keys = ${keys};`
      : [
          `  users.users.${nixStr(user)} = {`,
          "    isNormalUser = true;",
          '    extraGroups = [ "wheel" ];',
          `    openssh.authorizedKeys.keys = ${keys};`,
          "  };",
          "  security.sudo.wheelNeedsPassword = false;",
        ].join("\n"),
  ];

  if (n.mariadb) {
    body.push(
      "",
      "  # MariaDB (seed 004); users and passwords are managed over SSH, never in the Nix store",
      "  services.mysql = {",
      "    enable = true;",
      "    package = pkgs.mariadb;",
      `    settings.mysqld.bind-address = ${nixStr(primary.address)};`,
      `    settings.mysqld.port = ${n.mariadb.port};`,
      `    ensureDatabases = ${nixList(n.mariadb.databases.map(nixStr))};`,
      "  };",
    );
  }
  if (n.nfs) {
    const serverZone = primary.zone;
    const exportLines = n.nfs.exports.map((e) => {
      const clients = [...new Set(e.clients.flatMap((c) => clientAddresses(lab, c, serverZone)))];
      return `    ${e.path} ${clients.map((c) => `${c}(${e.options.join(",")})`).join(" ")}`;
    });
    body.push(
      "",
      "  # NFS (seed 004); clients resolved from the inventory",
      "  services.nfs.server = {",
      "    enable = true;",
      "    exports = ''",
      ...exportLines,
      "    '';",
      "  };",
      `  systemd.tmpfiles.rules = ${nixList(n.nfs.exports.map((e) => nixStr(`d ${e.path} 0755 root root -`)))};`,
    );
  }
  return lines(
    generatedHeader(`${m.name} (NixOS configuration)`),
    "{ config, lib, pkgs, ... }:",
    "{",
    body,
    "}",
  );
}
