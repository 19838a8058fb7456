/** `homelab:zones`: network zones, one VLAN and IPv4 network each, with a trust level. */
import { byName, Context } from "../context";
import { cidr, descriptionField, ipv4 } from "../formats";
import type { Zone } from "../lab";
import { show } from "../messages";
import { cidrsOverlap, parseCidr } from "../net";
import { Infer, int, map, object, oneOf, opt, req } from "../schema";

export const TRUST_LEVELS = ["wan", "dmz", "internal", "hypervisor", "management"] as const;
export type Trust = (typeof TRUST_LEVELS)[number];
/** Higher is more trusted. */
export const TRUST_RANK: Record<Trust, number> = {
  wan: 0,
  dmz: 1,
  internal: 2,
  hypervisor: 3,
  management: 3,
};

const zoneSchema = object("A network zone: one VLAN with one IPv4 network and a trust level.", {
  trust: req(
    oneOf(TRUST_LEVELS, {
      description:
        "How much the zone is trusted: wan < dmz < internal < hypervisor = management. Traffic from lower to higher trust is denied unless a flow allows it.",
    }),
  ),
  vlan: opt(
    int({ description: "802.1Q VLAN id (not used for the wan zone).", min: 1, max: 4094 }),
    undefined,
    "required for every zone except wan",
  ),
  cidr: opt(cidr("The zone's IPv4 network."), undefined, "required for every zone except wan"),
  gateway: opt(
    ipv4("The router's address in the zone (the zone's default gateway and DNS server)."),
    undefined,
    "required for every zone except wan",
  ),
  description: opt(descriptionField()),
});
export type ZoneSpec = Infer<typeof zoneSchema>;

export const zonesSchema = map(zoneSchema, { description: "Zones by name." });

export function checkZones(ctx: Context): void {
  const zones = ctx.inv.zones;
  if (!zones) return;
  const vlans = new Map<number, string>();
  const wanZones: string[] = [];
  for (const [name, z] of byName(zones)) {
    const path = `homelab:zones.${name}`;
    if (z.trust === "wan") {
      wanZones.push(name);
    } else {
      for (const field of ["vlan", "cidr", "gateway"] as const) {
        if (z[field] === undefined) {
          const expected =
            field === "vlan"
              ? "an integer from 1 to 4094"
              : field === "cidr"
                ? "an IPv4 network in CIDR form"
                : "an IPv4 address";
          ctx.add(
            `${path}.${field}`,
            `(missing) is required for a ${z.trust} zone; expected ${expected}. Add ${field} to zone ${name}.`,
          );
        }
      }
    }
    if (z.vlan !== undefined) {
      const prior = vlans.get(z.vlan);
      if (prior) {
        ctx.add(
          `${path}.vlan`,
          `${z.vlan} is already the VLAN of zone ${prior}; expected a VLAN id unique across zones. Pick an unused VLAN id.`,
        );
      } else vlans.set(z.vlan, name);
    }
    if (z.cidr) {
      const cidr = parseCidr(z.cidr)!;
      const overlap = [...ctx.zoneCidrs.entries()].find(([, c]) => cidrsOverlap(c, cidr));
      if (overlap) {
        ctx.add(
          `${path}.cidr`,
          `${show(z.cidr)} overlaps zone ${overlap[0]} (${overlap[1].text}); expected a network that overlaps no other zone. Pick a network outside ${overlap[1].text}.`,
        );
      } else ctx.zoneCidrs.set(name, cidr);
    }
    // A gateway is checkable only against a valid, non-overlapping network.
    if (z.gateway && ctx.zoneCidrs.has(name)) {
      ctx.claimAddress(`${path}.gateway`, name, z.gateway, `the gateway of zone ${name}`, true);
    }
  }
  if (wanZones.length > 1) {
    ctx.add(
      `homelab:zones.${wanZones[1]}.trust`,
      `"wan" is already the trust of zone ${wanZones[0]}; expected at most one wan zone. Keep one wan zone; its router's wan settings describe the uplink.`,
    );
  }
}

/** The resolved zones, keyed by name; `routerOf` names each zone's router. */
export function resolveZones(
  zones: Readonly<Record<string, ZoneSpec>>,
  routerOf: ReadonlyMap<string, string>,
): Map<string, Zone> {
  const zoneMap = new Map<string, Zone>();
  for (const [name, z] of Object.entries(zones)) {
    const cidr = z.cidr ? parseCidr(z.cidr) : undefined;
    zoneMap.set(name, {
      name,
      trust: z.trust,
      vlan: z.vlan,
      cidr: z.cidr,
      prefix: cidr?.prefix,
      gateway: z.gateway,
      description: z.description,
      router: routerOf.get(name),
    });
  }
  return zoneMap;
}
