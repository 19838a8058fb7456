/**
 * Provisioning units per role, from the model: which files, how they are validated, activated and
 * verified. Pure: components only wire these to CopyToRemote + Command.
 */
import type { Hypervisor, Lab, Machine, Router, Vm } from "../model/lab";
import { renderDnsmasq, DNSMASQ_PATH } from "./dnsmasq";
import {
  renderCloudInitMetaData,
  renderCloudInitNetwork,
  renderCloudInitUserData,
  renderDomainXml,
  diskPath,
  seedPath,
  IMAGES_DIR,
} from "./libvirt";
import {
  guestNetPlan,
  hypervisorNetPlan,
  NetPlan,
  renderIfupdown,
  renderNetConverge,
  routerNetPlan,
} from "./network";
import { NFTABLES_PATH, renderNftables } from "./nftables";
import { NIXOS_CONFIG, renderNixosConfiguration } from "./nixos";
import { expectedSshdEffective, renderAuthorizedKeys, renderSshdDropin, SSHD_DROPIN } from "./sshd";
import { renderSysctl, SYSCTL_PATH, SysctlRole } from "./sysctl";
import { generatedHeader, lines, shq } from "./text";
import type { UnitSpec } from "./unit";

/** Reloads a service on systemd or sysvinit-style hosts. */
export function serviceAction(action: "reload" | "restart", service: string): string {
  return `if [ -d /run/systemd/system ]; then systemctl ${action} ${service}; else service ${service} ${action}; fi`;
}

function authorizedKeysPath(user: string): string {
  return user === "root" ? "/root/.ssh/authorized_keys" : `/home/${user}/.ssh/authorized_keys`;
}

/** Hardened SSH baseline: sshd drop-in + authorized_keys, `sshd -t` before reload, `sshd -T` after. */
export function sshdUnit(lab: Lab, m: Machine): UnitSpec {
  const ssh = m.ssh!;
  const checks = expectedSshdEffective(ssh.sshd, ssh.port).map(
    ([k, v]) =>
      `sshd -T -C user=${lab.adminUser},host=localhost,addr=127.0.0.1 | grep -qx ${shq(`${k} ${v}`)} || { echo ${shq(`sshd on ${m.name} does not report "${k} ${v}" after reload: another sshd_config file overrides the homelab drop-in`)} >&2; false; }`,
  );
  return {
    machine: m.name,
    unit: "sshd",
    files: [
      {
        name: "sshd.conf",
        target: SSHD_DROPIN,
        mode: "0644",
        content: renderSshdDropin(m.name, ssh.sshd, ssh.port),
      },
      {
        name: "authorized_keys",
        target: authorizedKeysPath(lab.adminUser),
        mode: "0600",
        owner: lab.adminUser,
        content: renderAuthorizedKeys(m.name, lab.authorizedKeys),
      },
    ],
    validate: [
      `ssh-keygen -l -f "$STAGE/authorized_keys" >/dev/null || fail "authorized_keys has an invalid key"`,
    ],
    activate: ["sshd -t", serviceAction("reload", "ssh")],
    verify: checks,
  };
}

function networkUnit(m: Machine, plan: NetPlan, role: SysctlRole): UnitSpec {
  return {
    machine: m.name,
    unit: "network",
    files: [
      {
        name: "interfaces",
        target: "/etc/network/interfaces.d/homelab",
        mode: "0644",
        content: renderIfupdown(plan),
      },
      {
        name: "converge.sh",
        target: "/etc/homelab/net-converge.sh",
        mode: "0755",
        content: renderNetConverge(plan),
      },
      { name: "sysctl.conf", target: SYSCTL_PATH, mode: "0644", content: renderSysctl(role) },
    ],
    validate: [`sh -n "$STAGE/converge.sh" || fail "converge script does not parse"`],
    // -e: keys of absent modules (br_netfilter) are skipped, everything else must apply.
    activate: ["sysctl -e -q -p /etc/sysctl.d/90-homelab.conf", "sh /etc/homelab/net-converge.sh"],
  };
}

export function routerNetworkUnit(lab: Lab, r: Router): UnitSpec {
  return networkUnit(r.machine, routerNetPlan(lab, r), "router");
}

export function hypervisorNetworkUnit(h: Hypervisor): UnitSpec {
  return networkUnit(h.machine, hypervisorNetPlan(h), "hypervisor");
}

export function guestNetworkUnit(m: Machine): UnitSpec {
  return networkUnit(m, guestNetPlan(m), "guest");
}

export function firewallUnit(lab: Lab, r: Router): UnitSpec {
  return {
    machine: r.name,
    unit: "firewall",
    files: [
      {
        name: "nftables.conf",
        target: NFTABLES_PATH,
        mode: "0644",
        content: renderNftables(lab, r).text,
      },
    ],
    validate: [
      `nft -c -f "$STAGE/nftables.conf" || fail "nftables ruleset does not validate (nft -c)"`,
    ],
    activate: [
      `nft -f ${NFTABLES_PATH}`,
      "if [ -d /run/systemd/system ]; then systemctl enable --quiet nftables; fi",
    ],
    verify: [`nft list chain inet homelab forward | grep -q 'policy drop;'`],
  };
}

export function dnsUnit(lab: Lab, r: Router): UnitSpec {
  return {
    machine: r.name,
    unit: "dns",
    files: [
      { name: "dnsmasq.conf", target: DNSMASQ_PATH, mode: "0644", content: renderDnsmasq(lab, r) },
    ],
    validate: [
      `dnsmasq --test --conf-file="$STAGE/dnsmasq.conf" >/dev/null 2>&1 || fail "dnsmasq rejects the configuration"`,
    ],
    activate: [serviceAction("restart", "dnsmasq")],
    verify: [`pidof dnsmasq >/dev/null`],
  };
}

/** Same directory layout on every hypervisor (seed 000); only libvirt, qemu and cloud-image tools. */
export function hypervisorLayoutUnit(h: Hypervisor): UnitSpec {
  return {
    machine: h.name,
    unit: "layout",
    files: [
      {
        name: "README",
        target: "/var/lib/homelab/README",
        mode: "0644",
        content: lines(
          generatedHeader("hypervisors (layout; identical on every hypervisor)"),
          `# ${IMAGES_DIR}: base images and guest disks`,
          "# /var/lib/homelab/stage: files staged by the deployer",
          "# Nothing else runs here: services belong in VMs.",
        ),
      },
    ],
    validate: [
      `for t in virsh qemu-img cloud-localds; do command -v "$t" >/dev/null || fail "$t is missing: install libvirt-daemon-system, qemu-utils and cloud-image-utils"; done`,
    ],
    activate: [`mkdir -p ${IMAGES_DIR} /var/lib/homelab/stage`, `chmod 0711 ${IMAGES_DIR}`],
  };
}

/** Defines (or redefines) the VM from rendered domain XML, creates its disk once, starts it. */
export function vmDomainUnit(lab: Lab, vm: Vm): UnitSpec {
  const files: UnitSpec["files"][number][] = [
    {
      name: "domain.xml",
      target: `/etc/homelab/vms/${vm.name}.xml`,
      mode: "0644",
      content: renderDomainXml(vm),
    },
  ];
  const withSeed = vm.machine.os === "debian";
  if (withSeed) {
    files.push(
      {
        name: "user-data",
        target: `/etc/homelab/vms/${vm.name}/user-data`,
        mode: "0644",
        content: renderCloudInitUserData(lab, vm),
      },
      {
        name: "network-config",
        target: `/etc/homelab/vms/${vm.name}/network-config`,
        mode: "0644",
        content: renderCloudInitNetwork(vm),
      },
      {
        name: "meta-data",
        target: `/etc/homelab/vms/${vm.name}/meta-data`,
        mode: "0644",
        content: renderCloudInitMetaData(vm),
      },
    );
  }
  const d = shq(diskPath(vm));
  return {
    machine: vm.hypervisor,
    unit: `vm-${vm.name}`,
    files,
    validate: [
      `[ -f ${shq(vm.image)} ] || fail ${shq(`base image ${vm.image} is missing on ${vm.hypervisor}`)}`,
    ],
    activate: [
      `[ -e ${d} ] || qemu-img create -q -f qcow2 -F qcow2 -b ${shq(vm.image)} ${d} ${vm.diskGiB}G`,
      ...(withSeed
        ? [
            `cloud-localds --network-config=/etc/homelab/vms/${vm.name}/network-config ${shq(seedPath(vm))} /etc/homelab/vms/${vm.name}/user-data /etc/homelab/vms/${vm.name}/meta-data`,
          ]
        : []),
      `virsh define /etc/homelab/vms/${vm.name}.xml >/dev/null`,
      `virsh autostart ${vm.autostart ? "" : "--disable "}${vm.name} >/dev/null`,
      `[ "$(virsh domstate ${vm.name})" = running ] || virsh start ${vm.name} >/dev/null`,
    ],
    verify: [`[ "$(virsh domstate ${vm.name})" = running ]`],
  };
}

export function nixosUnit(lab: Lab, m: Machine): UnitSpec {
  return {
    machine: m.name,
    unit: "nixos",
    files: [
      {
        name: "configuration.nix",
        target: NIXOS_CONFIG,
        mode: "0644",
        content: renderNixosConfiguration(lab, m),
      },
    ],
    validate: [
      `nix-instantiate --parse "$STAGE/configuration.nix" >/dev/null || fail "configuration.nix does not parse"`,
    ],
    activate: ["nixos-rebuild switch"],
  };
}
