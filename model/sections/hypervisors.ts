/**
 * `homelab:hypervisors`: KVM hosts, the guest-zone bridges, and their `vms`. A bridge's port is the
 * zone's VLAN sub-interface on the trunk, the NIC of an untagged zone, or — for the hypervisor's own
 * management zone, which arrives untagged on the trunk — the trunk itself, with the management
 * address moved onto the bridge (one consistent layout; seed 003 is the tagged case).
 */
import { createHash } from "node:crypto";
import { byName, Context } from "../context";
import { descriptionField, ifname, ipv4, name, PATH_RE, shaped } from "../formats";
import type { Bridge, Hypervisor, Machine, Vm } from "../lab";
import { show } from "../messages";
import type { Resolver } from "../resolver";
import { bool, Infer, int, list, map, object, oneOf, opt, req } from "../schema";
import {
  checkMachineSpec,
  machineFields,
  machineFromSpec,
  nicSchema,
  wanMessage,
} from "./machines";
import { hostSshSchema } from "./ssh";

const vmSchema = object("A virtual machine on this hypervisor.", {
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
    shaped({
      description:
        "Base image the root disk is cloned from: a path on the hypervisor (e.g. /var/lib/libvirt/images/debian-12-genericcloud-amd64.qcow2).",
      format: "an absolute path on the hypervisor (letters, digits, '.', '_', '-', '/')",
      re: PATH_RE,
      problem: "is not such an absolute path",
      fix: "Write the full path of the image file on the hypervisor.",
    }),
  ),
  autostart: opt(bool({ description: "Start with the hypervisor." }), true),
  keepDisk: opt(
    bool({
      description:
        "Keep the VM's disk when the VM is removed from the inventory (the domain is still stopped and undefined).",
    }),
    false,
  ),
});
export type VmSpec = Infer<typeof vmSchema>;

/** Only libvirt is implemented: Proxmox VE (qm/pvesh) is refused until it is (README). */
export const PLATFORMS = ["libvirt"] as const;

const bridgeSchema = object("A bridge for a guest zone.", {
  zone: req(name("Guest zone.")),
  interface: opt(
    ifname("The NIC carrying this untagged zone (its own NIC, not the trunk)."),
    undefined,
    "<trunk>.<vlan> for a tagged zone; the trunk itself for the management zone; required for any other untagged zone",
  ),
  address: opt(
    ipv4(
      "An address for the hypervisor on this bridge. Normally absent: the policy zone-isolation blocks it.",
    ),
    undefined,
    "none (the hypervisor is not reachable from the guest zone)",
  ),
});
export type BridgeSpec = Infer<typeof bridgeSchema>;

const hypervisorSchema = object(
  "A KVM hypervisor: bridges for guest zones, no address in them, nothing else running.",
  {
    description: opt(descriptionField()),
    platform: opt(
      oneOf(PLATFORMS, {
        description:
          "How VMs are defined: libvirt (virsh). Proxmox VE is not implemented yet and is refused.",
        fix: "Only libvirt is implemented; Proxmox VE (proxmox: guests through qm/pvesh) is not yet. Run the hypervisor with libvirt/KVM, or leave it out of the inventory until Proxmox support exists.",
      }),
      "libvirt",
    ),
    domainType: opt(
      oneOf(["kvm", "qemu"] as const, {
        description:
          "libvirt domain type of its VMs: kvm (hardware virtualization) or qemu (CPU emulation, for hosts without usable KVM such as nested labs).",
      }),
      "kvm",
    ),
    zone: req(name("Zone of the management address (usually the hypervisor zone).")),
    address: req(ipv4("Management address, in `zone`.")),
    trunk: req(ifname("Trunk NIC (e.g. enp3s0); guest zones are <trunk>.<vlan>.")),
    bridges: opt(
      list(bridgeSchema, { description: "Guest zones bridged on this hypervisor." }),
      [],
    ),
    ssh: req(hostSshSchema),
    vms: opt(map(vmSchema, { description: "VMs by name." }), undefined, "none"),
  },
);
export type HypervisorSpec = Infer<typeof hypervisorSchema>;

export const hypervisorsSchema = map(hypervisorSchema, { description: "Hypervisors by name." });

export function bridgeName(zone: string, vlan: number | undefined): string {
  const candidate = `br-${zone}`;
  if (candidate.length <= 15) return candidate;
  return vlan !== undefined
    ? `br-vlan${vlan}`
    : `br-${createHash("sha256").update(zone).digest("hex").slice(0, 8)}`;
}

export function tapName(vm: string, index: number): string {
  const candidate = `vn-${vm}-${index}`;
  if (candidate.length <= 15) return candidate;
  return `vn-${createHash("sha256").update(vm).digest("hex").slice(0, 8)}-${index}`;
}

export function checkHypervisors(ctx: Context): void {
  for (const [name, h] of byName(ctx.inv.hypervisors)) {
    const path = `homelab:hypervisors.${name}`;
    if (ctx.zoneRef(`${path}.zone`, h.zone)) {
      if (ctx.isWan(h.zone)) {
        ctx.add(
          `${path}.zone`,
          wanMessage(h.zone, "Give the hypervisor its management address in the hypervisor zone."),
        );
      } else ctx.claimAddress(`${path}.address`, h.zone, h.address, `hypervisor ${name}`);
    }
    const seen = new Set<string>();
    const nics = new Map<string, string>();
    h.bridges.forEach((b, i) => {
      const bpath = `${path}.bridges[${i}]`;
      if (!ctx.zoneRef(`${bpath}.zone`, b.zone)) return;
      if (ctx.isWan(b.zone)) {
        ctx.add(
          `${bpath}.zone`,
          wanMessage(
            b.zone,
            "Bridge an inside zone; publish guests with a port-forward or tunnel.",
          ),
        );
        return;
      }
      if (seen.has(b.zone)) {
        ctx.add(
          `${bpath}.zone`,
          `${show(b.zone)} is bridged twice; expected each zone once. Remove the duplicate.`,
        );
        return;
      }
      seen.add(b.zone);
      const vlan = ctx.inv.zones![b.zone]!.vlan;
      if (b.zone === h.zone) {
        // The management zone arrives untagged on the trunk: the trunk is the bridge's port.
        if (b.interface) {
          ctx.add(
            `${bpath}.interface`,
            `${show(b.interface)} is given for the management zone ${h.zone}, whose traffic arrives untagged on the trunk ${h.trunk}; expected none (the trunk is this bridge's port and the management address moves onto the bridge). Remove interface.`,
          );
        }
        if (b.address) {
          ctx.add(
            `${bpath}.address`,
            `${show(b.address)} is a second address in the management zone ${h.zone}; expected none: the management address ${h.address} is already on this bridge. Remove address.`,
          );
        }
        return;
      }
      if (vlan !== undefined) {
        if (b.interface) {
          ctx.add(
            `${bpath}.interface`,
            `${show(b.interface)} is given, but zone ${b.zone} is tagged (VLAN ${vlan}): the bridge's port is ${h.trunk}.${vlan}; expected interface only for untagged zones. Remove interface, or drop the zone's vlan.`,
          );
        } else if (`${h.trunk}.${vlan}`.length > 15) {
          ctx.add(
            `${path}.trunk`,
            `${show(h.trunk)} makes the VLAN interface ${h.trunk}.${vlan} longer than 15 characters; expected a shorter trunk name. Rename the NIC or use a shorter one.`,
          );
        }
      } else if (!b.interface) {
        ctx.add(
          `${bpath}.interface`,
          `(missing) is required: zone ${b.zone} is untagged (no vlan); expected the NIC that carries it (a bridge port of its own). Add interface, or give the zone a VLAN id.`,
        );
      } else if (b.interface === h.trunk || nics.has(b.interface)) {
        ctx.add(
          `${bpath}.interface`,
          `${show(b.interface)} already carries ${b.interface === h.trunk ? `the management zone ${h.zone} (the trunk)` : `zone ${nics.get(b.interface)}`}; expected one NIC per untagged zone. Use another NIC.`,
        );
      } else nics.set(b.interface, b.zone);
      if (b.address) ctx.claimAddress(`${bpath}.address`, b.zone, b.address, `hypervisor ${name}`);
    });
    for (const [vm, spec] of byName(h.vms)) {
      const ref = ctx.machines.get(vm);
      if (ref?.kind === "vm" && ref.hypervisor === name) checkMachineSpec(ctx, ref, spec, h);
    }
  }
}

/** The resolved hypervisors, and their VMs as machines. */
export function resolveHypervisors(r: Resolver): { hypervisors: Hypervisor[]; vms: Machine[] } {
  const hypervisors: Hypervisor[] = [];
  const vmMachines: Machine[] = [];
  for (const [name, h] of byName(r.inv.hypervisors)) {
    const bridges: Bridge[] = h.bridges
      .map((b) => {
        const vlan = r.zone(b.zone).vlan;
        const management = b.zone === h.zone;
        return {
          zone: b.zone,
          vlan,
          name: bridgeName(b.zone, vlan),
          vlanInterface: management
            ? h.trunk
            : vlan !== undefined
              ? `${h.trunk}.${vlan}`
              : b.interface!,
          address: management ? h.address : b.address,
          ...(management ? { management } : {}),
        };
      })
      .sort((a, b) => (a.vlan ?? -1) - (b.vlan ?? -1) || a.zone.localeCompare(b.zone));
    const mgmtBridge = bridges.find((b) => b.management);
    const interfaces = [
      r.iface(h.zone, h.address, mgmtBridge?.name ?? h.trunk),
      ...bridges
        .filter((b) => b.address && !b.management)
        .map((b) => r.iface(b.zone, b.address!, b.name, undefined, false)),
    ];
    const machine: Machine = {
      name,
      kind: "hypervisor",
      os: "debian",
      description: h.description,
      interfaces,
      ssh: r.ssh(h.ssh, h.address, `homelab:hypervisors.${name}`),
      services: r.servicesOf(name),
    };
    const vms: Vm[] = byName(h.vms).map(([vmName, spec]) => {
      const m = machineFromSpec(
        r,
        vmName,
        "vm",
        spec,
        `homelab:hypervisors.${name}.vms.${vmName}`,
        name,
      );
      vmMachines.push(m);
      return {
        name: vmName,
        hypervisor: name,
        machine: m,
        vcpus: spec.vcpus,
        memoryMiB: spec.memoryMiB,
        diskGiB: spec.diskGiB,
        image: spec.image,
        autostart: spec.autostart,
        keepDisk: spec.keepDisk,
        nics: m.interfaces.map((i, idx) => ({
          zone: i.zone,
          address: i.address,
          mac: i.mac!,
          bridge: bridges.find((b) => b.zone === i.zone)!.name,
          tap: tapName(vmName, idx),
        })),
      };
    });
    hypervisors.push({
      name,
      machine,
      platform: h.platform,
      domainType: h.domainType,
      zone: h.zone,
      address: h.address,
      trunk: h.trunk,
      bridges,
      vms,
    });
  }
  return { hypervisors, vms: vmMachines };
}
