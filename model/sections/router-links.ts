/**
 * How a router is attached: the NIC of each zone (`<trunk>.<vlan>` for a tagged zone, the NIC named
 * under `interfaces` for an untagged one) and its uplink into a zone of its parent router (see
 * model/routing.ts for how flows cross several routers).
 */
import type { Context } from "../context";
import { show } from "../messages";
import type { RouterSpec } from "./routers";

/** The uplink: an address in a zone another router serves, without a loop of uplinks. */
export function checkUplink(
  ctx: Context,
  name: string,
  r: RouterSpec,
  routedBy: Map<string, string>,
): void {
  const up = r.uplink;
  if (!up) return;
  const path = `homelab:routers.${name}.uplink`;
  if (!ctx.zoneRef(`${path}.zone`, up.zone)) return;
  const z = ctx.inv.zones![up.zone]!;
  if (z.trust === "wan") {
    ctx.add(
      `${path}.zone`,
      `${show(up.zone)} is the wan zone; expected an inside zone another router serves. Describe an internet uplink under homelab:routers.${name}.wan instead.`,
    );
    return;
  }
  const parent = routedBy.get(up.zone);
  if (parent === name) {
    ctx.add(
      `${path}.zone`,
      `${show(up.zone)} is one of this router's own zones; expected a zone another router serves (the upstream hop). Pick the zone that links this router to its parent.`,
    );
    return;
  }
  if (!parent) {
    if (!ctx.incomplete("homelab:routers")) {
      ctx.add(
        `${path}.zone`,
        `${show(up.zone)} is routed by no router; expected a zone another router is the gateway of (it routes this router's zones). Add the zone to the upstream router's zones.`,
      );
    }
    return;
  }
  ctx.claimAddress(`${path}.address`, up.zone, up.address, `router ${name} (uplink)`);
  // A loop of uplinks has no top: nothing could route out of it.
  const seen = [name];
  for (let p: string | undefined = parent; p !== undefined;) {
    if (p === name) {
      ctx.add(
        `${path}.zone`,
        `${show(up.zone)} makes a loop of uplinks (${[...seen, name].join(" -> ")}); expected routers in a tree, each with at most one upstream router. Remove the uplink of one of them.`,
      );
      return;
    }
    if (seen.includes(p)) return;
    seen.push(p);
    const upZone: string | undefined = ctx.inv.routers?.[p]?.uplink?.zone;
    p = upZone ? routedBy.get(upZone) : undefined;
  }
}

/** The NIC of each zone the router is attached to: <trunk>.<vlan> when tagged, else interfaces.<zone>. */
export function checkInterfaces(ctx: Context, name: string, r: RouterSpec): void {
  const path = `homelab:routers.${name}`;
  const attached = [...new Set([...r.zones, ...(r.uplink ? [r.uplink.zone] : [])])].filter(
    (z) => ctx.inv.zones?.[z] && ctx.inv.zones[z].trust !== "wan",
  );
  const used = new Map<string, string>();
  const use = (nic: string, owner: string, where: string) => {
    const prior = used.get(nic);
    if (prior) {
      ctx.add(
        where,
        `${show(nic)} already carries ${prior}; expected one NIC per untagged zone (a NIC carries one untagged LAN, plus VLANs when it is the trunk). Use another NIC.`,
      );
    } else used.set(nic, owner);
  };
  if (r.wan) use(r.wan.interface, "the wan", `${path}.wan.interface`);
  if (r.oobInterface) use(r.oobInterface, "the out-of-band network", `${path}.oobInterface`);
  for (const zone of attached) {
    const vlan = ctx.inv.zones![zone]!.vlan;
    const nic = r.interfaces?.[zone];
    if (vlan !== undefined) {
      if (nic !== undefined) {
        ctx.add(
          `${path}.interfaces.${zone}`,
          `${show(nic)} is given, but zone ${zone} is tagged (VLAN ${vlan}): its interface is ${r.trunk ?? "<trunk>"}.${vlan}; expected interfaces only for untagged zones. Remove interfaces.${zone}, or drop the zone's vlan if it is a LAN of its own.`,
        );
      } else if (!r.trunk) {
        ctx.add(
          `${path}.trunk`,
          `(missing) is required: zone ${zone} has VLAN ${vlan} (its interface is <trunk>.${vlan}); expected the NIC carrying the VLANs. Add trunk, e.g. trunk: eth1.`,
        );
      } else if (`${r.trunk}.${vlan}`.length > 15) {
        ctx.add(
          `${path}.trunk`,
          `${show(r.trunk)} makes the VLAN interface ${r.trunk}.${vlan} longer than 15 characters; expected a shorter trunk name. Rename the NIC (e.g. with a systemd .link file) or use a shorter one.`,
        );
      }
    } else if (nic === undefined) {
      ctx.add(
        `${path}.interfaces.${zone}`,
        `(missing) is required: zone ${zone} is untagged (no vlan); expected the NIC that carries it. Add interfaces: { ${zone}: <nic> }, or give the zone a VLAN id.`,
      );
    } else use(nic, `zone ${zone}`, `${path}.interfaces.${zone}`);
  }
  for (const zone of Object.keys(r.interfaces ?? {}).sort()) {
    if (
      attached.includes(zone) ||
      !ctx.inv.zones ||
      (!ctx.zones.has(zone) && ctx.zones.mayExist(zone))
    )
      continue;
    ctx.add(
      `${path}.interfaces.${zone}`,
      `${show(zone)} is not a zone of this router (neither in zones nor its uplink); expected one of ${attached.join(", ") || "its zones"}. Remove the entry or add the zone.`,
    );
  }
}

/** The router's NIC in a zone it is attached to: <trunk>.<vlan> when tagged, else interfaces.<zone>. */
export function routerIfname(spec: RouterSpec, zone: string, vlan: number | undefined): string {
  return vlan !== undefined ? `${spec.trunk}.${vlan}` : spec.interfaces![zone]!;
}
