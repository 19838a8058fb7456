/**
 * libvirt/KVM guests: the domain XML (NICs on the zone bridges, named taps so a policy or a human can
 * tell which bridge a guest sits on), and the cloud-init NoCloud seed for Debian guests (hostname,
 * admin keys, static network) so a fresh VM comes up reachable and key-only.
 */
import { createHash } from "node:crypto";
import type { Hypervisor, Lab, Vm } from "../model/lab";
import type { HostKeyPair } from "./ssh-host-key";
import { generatedHeader, lines } from "./text";

export const IMAGES_DIR = "/var/lib/libvirt/images";

export function diskPath(vm: Vm): string {
  return `${IMAGES_DIR}/${vm.name}.qcow2`;
}

export function seedPath(vm: Vm): string {
  return `${IMAGES_DIR}/${vm.name}-seed.iso`;
}

/** Deterministic UUID (v5-style layout) so redefining a domain never changes its identity. */
export function domainUuid(vm: Vm): string {
  const h = createHash("sha256").update(`homelab-vm/${vm.name}`).digest("hex");
  const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

const xml = (s: string) =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/'/g, "&apos;")
    .replace(/"/g, "&quot;");

/**
 * The guest CPU: the host's own with KVM; with CPU emulation (type qemu) host-passthrough is not
 * available, and `maximum` enables every feature the emulator offers (libvirt formatdomain,
 * "CPU model and topology": maximum, since 7.1.0 with the QEMU driver).
 */
const cpuMode = (type: Hypervisor["domainType"]) =>
  type === "kvm" ? "host-passthrough" : "maximum";

export function renderDomainXml(vm: Vm, domainType: Hypervisor["domainType"] = "kvm"): string {
  const withSeed = vm.machine.os === "debian";
  return lines(
    `<!-- ${generatedHeader(`VM ${vm.name} on ${vm.hypervisor} (libvirt domain)`, "").trim()} -->`,
    `<domain type='${domainType}'>`,
    `  <name>${xml(vm.name)}</name>`,
    `  <uuid>${domainUuid(vm)}</uuid>`,
    vm.machine.description && `  <description>${xml(vm.machine.description)}</description>`,
    `  <memory unit='MiB'>${vm.memoryMiB}</memory>`,
    `  <currentMemory unit='MiB'>${vm.memoryMiB}</currentMemory>`,
    `  <vcpu placement='static'>${vm.vcpus}</vcpu>`,
    `  <os>`,
    `    <type arch='x86_64' machine='q35'>hvm</type>`,
    `    <boot dev='hd'/>`,
    `  </os>`,
    `  <features><acpi/><apic/></features>`,
    `  <cpu mode='${cpuMode(domainType)}'/>`,
    `  <clock offset='utc'/>`,
    `  <on_poweroff>destroy</on_poweroff>`,
    `  <on_reboot>restart</on_reboot>`,
    `  <on_crash>restart</on_crash>`,
    `  <devices>`,
    `    <disk type='file' device='disk'>`,
    `      <driver name='qemu' type='qcow2' discard='unmap'/>`,
    `      <source file='${diskPath(vm)}'/>`,
    `      <target dev='vda' bus='virtio'/>`,
    `    </disk>`,
    withSeed && [
      `    <disk type='file' device='cdrom'>`,
      `      <driver name='qemu' type='raw'/>`,
      `      <source file='${seedPath(vm)}'/>`,
      `      <target dev='sda' bus='sata'/>`,
      `      <readonly/>`,
      `    </disk>`,
    ],
    vm.nics.flatMap((n) => [
      `    <interface type='bridge'>`,
      `      <mac address='${n.mac}'/>`,
      `      <source bridge='${n.bridge}'/>`,
      `      <target dev='${n.tap}'/>`,
      `      <model type='virtio'/>`,
      `    </interface>`,
    ]),
    `    <serial type='pty'><target port='0'/></serial>`,
    `    <console type='pty'><target type='serial' port='0'/></console>`,
    `    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`,
    `    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`,
    `  </devices>`,
    `</domain>`,
  );
}

/** cloud-init NoCloud user-data for a Debian guest. Contains public keys only. */
export function renderCloudInitUserData(lab: Lab, vm: Vm): string {
  const user = lab.adminUser;
  const keys = lab.authorizedKeys.map((k) => `      - ${JSON.stringify(k)}`);
  return lines(
    "#cloud-config",
    generatedHeader(`VM ${vm.name} (cloud-init user-data)`),
    `hostname: ${vm.name}`,
    `fqdn: ${vm.name}.${lab.domain}`,
    "ssh_pwauth: false",
    "disable_root: " + (user === "root" ? "false" : "true"),
    "users:",
    user === "root"
      ? ["  - name: root", "    ssh_authorized_keys:", ...keys]
      : [
          `  - name: ${user}`,
          "    groups: [sudo]",
          "    shell: /bin/bash",
          "    sudo: ALL=(ALL) NOPASSWD:ALL",
          "    lock_passwd: true",
          "    ssh_authorized_keys:",
          ...keys,
        ],
  );
}

/** cloud-init network-config (v2) with the VM's static addresses, matched by MAC. */
export function renderCloudInitNetwork(vm: Vm): string {
  const out = ["version: 2", "ethernets:"];
  vm.machine.interfaces.forEach((i, idx) => {
    out.push(
      `  ${i.name}:`,
      `    match: { macaddress: "${i.mac}" }`,
      `    set-name: ${i.name}`,
      `    addresses: [${i.cidrAddress}]`,
    );
    if (idx === 0 && i.gateway) {
      out.push(
        // `gateway4`, not a route: Debian 12's cloud-init (22.4) renders it for ifupdown as the
        // stanza's `gateway` line, which ifupdown sets with iproute2. A `routes:` entry becomes
        // `post-up route add default gw … || true`, which needs net-tools (not in a minimal Debian)
        // and fails silently, leaving the guest without a default route (seen in the lab).
        // cloud-init keeps gateway4 for non-netplan distros though netplan deprecated it
        // (canonical/cloud-init#4031); `to: default` 22.4 rejects outright.
        `    gateway4: ${i.gateway}`,
        `    nameservers: { addresses: [${i.gateway}] }`,
      );
    }
  });
  return lines(out);
}

/** cloud-init meta-data. */
export function renderCloudInitMetaData(vm: Vm): string {
  return lines(`instance-id: ${domainUuid(vm)}`, `local-hostname: ${vm.name}`);
}

/**
 * The cloud-config part that gives a new Debian guest the host key the program generated and pinned
 * (cloud-init cc_ssh: `ssh_keys` with `ed25519_private`/`ed25519_public`; `ssh_deletekeys` drops the
 * image's keys, `ssh_genkeytypes: [ed25519]` makes no other type — an empty list fails cloud-init's
 * schema). Secret: it is appended to the
 * user-data on the hypervisor, in a root-only file, never in the staged unit.
 */
export function renderCloudInitHostKeys(keys: HostKeyPair): string {
  return lines(
    "ssh_deletekeys: true",
    "ssh_genkeytypes: [ed25519]",
    "ssh_keys:",
    "  ed25519_private: |",
    keys.privateKey
      .trimEnd()
      .split("\n")
      .map((l) => `    ${l}`),
    `  ed25519_public: ${keys.publicKey}`,
  );
}
