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
