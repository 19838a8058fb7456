/**
 * `homelab:devices`: machines that are in the inventory but never provisioned — a consumer router
 * upstream, a NAS appliance (TrueNAS, Synology), a printer, laptops (seeds 001–004). Their addresses
 * are claimed like any other, their MACs get DHCP static leases, the routers' DNS names them, flows
 * and services may name them, and their intent records let the policy pack reason about them. No
 * component ever dials them: `pulumi up` opens no connection to a device.
 */
import { byName, Context } from "../context";
import { descriptionField } from "../formats";
import type { Machine } from "../lab";
import type { Resolver } from "../resolver";
import { bool, Infer, list, map, object, opt, req } from "../schema";
import { nicSchema } from "./machines";

const deviceSchema = object(
  "A device homelab-iac never provisions (no SSH): addresses, DHCP lease, DNS names, flows and policy reasoning only.",
  {
    description: opt(descriptionField()),
    nics: req(
      list(nicSchema, {
        description: "Network interfaces; the first is the primary.",
        minItems: 1,
      }),
    ),
    alwaysOn: opt(
      bool({
        description:
          "Whether it is normally powered on. A device that is often off (a laptop, a machine woken on demand) is never the target of the post-apply probes.",
      }),
      true,
    ),
  },
);
export type DeviceSpec = Infer<typeof deviceSchema>;

export const devicesSchema = map(deviceSchema, { description: "Unmanaged devices by name." });

export function checkDevices(ctx: Context): void {
  for (const [name, d] of byName(ctx.inv.devices)) {
    const ref = ctx.machines.get(name);
    if (ref?.kind !== "device") continue; // a duplicate name, already reported
    d.nics.forEach((nic, i) => {
      const npath = `homelab:devices.${name}.nics[${i}]`;
      if (!ctx.zoneRef(`${npath}.zone`, nic.zone)) return;
      ctx.claimAddress(`${npath}.address`, nic.zone, nic.address, `device ${name}`);
      if (nic.mac) ctx.claimMac(`${npath}.mac`, nic.mac, `device ${name}`);
    });
  }
}

export function deviceMachine(r: Resolver, name: string, spec: DeviceSpec): Machine {
  return {
    name,
    kind: "device",
    os: "none",
    description: spec.description,
    interfaces: spec.nics.map((n, i) =>
      r.iface(n.zone, n.address, n.interface ?? `eth${i}`, n.mac, i === 0),
    ),
    services: r.servicesOf(name),
    ...(spec.alwaysOn ? {} : { alwaysOn: false }),
  };
}
