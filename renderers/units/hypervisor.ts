/** Hypervisor units: the identical directory layout, and one unit per VM (domain, disk, seed). */
import type { Hypervisor, Lab, Vm } from "../../model/lab";
import {
  renderCloudInitMetaData,
  renderCloudInitNetwork,
  renderCloudInitUserData,
  renderDomainXml,
  diskPath,
  seedPath,
  IMAGES_DIR,
} from "../libvirt";
import { asRoot } from "../sudo";
import { generatedHeader, lines, shq } from "../text";
import type { UnitSpec } from "../unit-script";
import { bridgeOf } from "./common";

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

/** Where a VM's rendered files live on its hypervisor. */
export const vmDir = (vm: Vm) => `/etc/homelab/vms/${vm.name}`;
/** The root-only cloud-config part with the generated host key (written by vmHostKeyCommand). */
export const hostKeysPath = (vm: Vm) => `${vmDir(vm)}/host-keys.cfg`;

/** The program generates this VM's SSH host key: a Debian guest whose inventory pins none. */
export function generatesHostKey(vm: Vm): boolean {
  return vm.machine.os === "debian" && !!vm.machine.ssh && !vm.machine.ssh.hostKey;
}

/**
 * Defines (or redefines) the VM from rendered domain XML, creates its disk once (a new base image
 * never rebuilds an existing disk: it says so instead), builds the cloud-init seed (root-only, with
 * the generated host key when there is one), starts it. A running domain keeps its memory, vCPUs and
 * NICs until vmRestartCommand restarts it.
 */
export function vmDomainUnit(lab: Lab, vm: Vm): UnitSpec {
  const h = lab.hypervisors.find((x) => x.name === vm.hypervisor)!;
  const files: UnitSpec["files"][number][] = [
    {
      name: "domain.xml",
      target: `/etc/homelab/vms/${vm.name}.xml`,
      mode: "0644",
      content: renderDomainXml(vm, h.domainType),
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
  const dir = vmDir(vm);
  const seed = shq(seedPath(vm));
  const userData = generatesHostKey(vm)
    ? `cat ${dir}/user-data ${hostKeysPath(vm)}`
    : `cat ${dir}/user-data`;
  return {
    machine: vm.hypervisor,
    unit: `vm-${vm.name}`,
    files,
    validate: [
      `[ -f ${shq(vm.image)} ] || fail ${shq(`base image ${vm.image} is missing on ${vm.hypervisor}`)}`,
      ...(generatesHostKey(vm)
        ? [
            `[ -f ${hostKeysPath(vm)} ] || fail ${shq(`the generated host key of ${vm.name} (${hostKeysPath(vm)}) is missing`)}`,
          ]
        : []),
    ],
    activate: [
      `[ -e ${d} ] || qemu-img create -q -f qcow2 -F qcow2 -b ${shq(vm.image)} ${d} ${vm.diskGiB}G`,
      // An existing disk is the VM's data: a new base image applies to new VMs only, and says so.
      `b=$(qemu-img info -U --output=json ${d} | sed -n 's/.*"backing-filename": "\\([^"]*\\)".*/\\1/p'); [ -z "$b" ] || [ "$b" = ${shq(vm.image)} ] || echo ${shq(`homelab: ${vm.name}: the disk keeps its base image`)}" $b; the new image ${vm.image} applies to new disks only (remove the VM's disk to rebuild it)"`,
      ...(withSeed
        ? [
            // The seed holds the host's private key when one was generated: root-only, built aside.
            `(umask 077 && ${userData} >${dir}/.user-data.seed && cloud-localds --network-config=${dir}/network-config ${seed}.new ${dir}/.user-data.seed ${dir}/meta-data); rc=$?; rm -f ${dir}/.user-data.seed; [ $rc -eq 0 ]`,
            `chmod 0600 ${seed}.new && mv -f ${seed}.new ${seed}`,
          ]
        : []),
      `virsh define /etc/homelab/vms/${vm.name}.xml >/dev/null`,
      `virsh autostart ${vm.autostart ? "" : "--disable "}${vm.name} >/dev/null`,
      `[ "$(virsh domstate ${vm.name})" = running ] || virsh start ${vm.name} >/dev/null`,
      // A NIC falls off its bridge when the bridge is recreated (libvirt does not re-attach it).
      ...vm.nics.map(
        (n) =>
          `[ "$(${bridgeOf(n.tap)})" = ${shq(n.bridge)} ] || ip link set ${shq(n.tap)} master ${shq(n.bridge)}`,
      ),
    ],
    verify: [`[ "$(virsh domstate ${vm.name})" = running ]`],
    facts: [
      {
        key: `domain ${vm.name} (virsh domstate)`,
        script: `virsh domstate ${vm.name} 2>&1 | sed '/^$/d'`,
        expect: "running",
      },
      {
        key: `domain ${vm.name} NICs (bridge of each tap)`,
        script: vm.nics
          .map((n) => `echo "${n.tap} (${n.mac}): on $(${bridgeOf(n.tap)})"`)
          .join("\n"),
        expect: vm.nics.map((n) => `${n.tap} (${n.mac}): on ${n.bridge}`).join("\n"),
      },
    ],
  };
}

/**
 * Writes the cloud-config part with the generated host key (stdin, secret) to a root-only file on
 * the hypervisor; the command's delete removes it.
 */
export function vmHostKeyCommand(vm: Vm, adminUser: string): { create: string; delete: string } {
  const f = hostKeysPath(vm);
  return {
    create: asRoot(
      `set -e; umask 077; mkdir -p ${vmDir(vm)}; cat >${f}.new; mv -f ${f}.new ${f}`,
      adminUser,
      `vm-${vm.name}-host-key on ${vm.hypervisor}`,
    ),
    delete: asRoot(`rm -f ${f}`, adminUser, `vm-${vm.name}-host-key on ${vm.hypervisor}`),
  };
}

/**
 * What removing the VM from the inventory does (the delete of a command that only has one): stop
 * and undefine the domain, remove its seed (it holds the host key) and rendered files, and its disk
 * unless keepDisk protects it.
 */
export function vmRemovalCommand(vm: Vm, adminUser: string): { delete: string } {
  const n = shq(vm.name);
  return {
    delete: asRoot(
      [
        "set -e",
        `if virsh dominfo ${n} >/dev/null 2>&1; then [ "$(virsh domstate ${n})" = "shut off" ] || virsh destroy ${n} >/dev/null; virsh undefine ${n} >/dev/null; fi`,
        `rm -rf ${shq(seedPath(vm))} ${vmDir(vm)} /etc/homelab/vms/${vm.name}.xml`,
        vm.keepDisk
          ? `echo ${shq(`homelab: ${vm.name} removed; its disk ${diskPath(vm)} was kept (keepDisk)`)}`
          : `rm -f ${shq(diskPath(vm))}; echo ${shq(`homelab: ${vm.name} removed with its disk`)}`,
      ].join("; "),
      adminUser,
      `vm-${vm.name}-removal on ${vm.hypervisor}`,
    ),
  };
}

/**
 * Memory, vCPUs and NICs take effect at the next start: this command restarts the domain when its
 * running definition differs from the defined one in exactly those. Its trigger is those settings,
 * so a change shows in preview as a replace of `<vm>-restart` before anything happens.
 */
export function vmRestartCommand(
  vm: Vm,
  adminUser: string,
): { create: string; triggers: string[] } {
  const n = shq(vm.name);
  const sig = `virsh dumpxml "$@" ${n} | grep -E "<(memory|vcpu|mac address|source bridge)" | sed 's/^ *//'`;
  return {
    create: asRoot(
      [
        "set -e",
        `sig() { ${sig}; }`,
        `if [ "$(virsh domstate ${n})" != running ] || [ "$(sig)" = "$(sig --inactive)" ]; then echo ${shq(`homelab: ${vm.name} runs its current definition; no restart needed`)}; exit 0; fi`,
        `echo ${shq(`homelab: restarting ${vm.name}: its memory, vCPUs or NICs changed`)}`,
        `virsh shutdown ${n} >/dev/null`,
        `i=0; while [ "$(virsh domstate ${n})" != "shut off" ] && [ $i -lt 90 ]; do sleep 1; i=$((i + 1)); done`,
        `[ "$(virsh domstate ${n})" = "shut off" ] || { echo ${shq(`homelab: ${vm.name} did not shut down within 90 s; forcing it off`)}; virsh destroy ${n} >/dev/null; }`,
        `virsh start ${n} >/dev/null`,
        `[ "$(sig)" = "$(sig --inactive)" ]`,
      ].join("; "),
      adminUser,
      `vm-${vm.name}-restart on ${vm.hypervisor}`,
    ),
    triggers: [
      `memory ${vm.memoryMiB} MiB`,
      `vcpus ${vm.vcpus}`,
      ...vm.nics.map((x) => `nic ${x.mac} on ${x.bridge}`),
    ],
  };
}
