/** `homelab:routers`: the Linux routers joining the zones, their WAN, DHCP pools and port-forwards. */
import { byName, Context } from "../context";
import { descriptionField, ifname, ipv4, name, port, shaped } from "../formats";
import type { Machine, PortForward, Router, Service, StaticLease } from "../lab";
import { show } from "../messages";
import { IPV4_BODY, ipToInt } from "../net";
import type { Resolver } from "../resolver";
import { Infer, list, map, object, oneOf, opt, req } from "../schema";
import { hostSshSchema } from "./ssh";

const dhcpSchema = object("A DHCP pool served by the router.", {
  zone: req(name("Zone to serve.")),
  start: req(ipv4("First address of the pool.")),
  end: req(ipv4("Last address of the pool.")),
  leaseTime: opt(
    shaped({
      description: "dnsmasq lease time.",
      format: "a lease time like 12h, 30m or 1d",
      re: /^\d+[smhdw]$/,
      problem: "is not a lease time",
      fix: "Write a number and a unit (s, m, h, d or w), e.g. 12h.",
    }),
    "12h",
  ),
});
export type DhcpSpec = Infer<typeof dhcpSchema>;

const portForwardSchema = object("A WAN port forwarded (DNAT) to a service.", {
  protocol: opt(oneOf(["tcp", "udp"] as const, { description: "Protocol." }), "tcp"),
  publicPort: req(port("Port on the router's WAN address.")),
  service: req(name("Service receiving the traffic (its host's address).")),
  port: opt(port("Port on the service's host."), undefined, "publicPort"),
});
export type PortForwardSpec = Infer<typeof portForwardSchema>;

const wanSchema = object("The router's internet uplink.", {
  interface: req(ifname("WAN NIC name.")),
  address: req(
    shaped({
      description: "`dhcp`, or a static address with prefix like 203.0.113.10/24.",
      format: "dhcp or an address with prefix like 203.0.113.10/24",
      re: new RegExp(`^(dhcp|${IPV4_BODY}/(3[0-2]|[12]?\\d))$`),
      problem: "is not dhcp or an address with prefix",
      fix: "Write dhcp, or your ISP's static address with its prefix length.",
    }),
  ),
  gateway: opt(ipv4("Upstream gateway for a static WAN address.")),
});
export type WanSpec = Infer<typeof wanSchema>;

const routerSchema = object("A Linux router (nftables + dnsmasq) that joins the zones.", {
  description: opt(descriptionField()),
  managementZone: req(name("Zone whose gateway address the deployer connects to.")),
  oobInterface: opt(
    ifname(
      "An out-of-band management NIC outside every zone: SSH to the router is accepted on it too. Traffic is never forwarded to or from it.",
    ),
    undefined,
    "none: SSH only from the management zone",
  ),
  trunk: req(ifname("NIC carrying the zone VLANs; zone interfaces are <trunk>.<vlan>.")),
  zones: req(
    list(name("Zone name."), {
      description:
        "Zones this router is the gateway of (its address in each is the zone's gateway).",
      minItems: 1,
    }),
  ),
  wan: opt(wanSchema, undefined, "no internet uplink (no NAT, no port-forwards)"),
  dhcp: opt(
    list(dhcpSchema, { description: "DHCP pools." }),
    undefined,
    "no DHCP; static addresses only",
  ),
  dnsUpstreams: opt(
    list(ipv4("Resolver address."), { description: "Upstream resolvers for dnsmasq." }),
    ["1.1.1.1", "9.9.9.9"],
  ),
  portForwards: opt(
    list(portForwardSchema, { description: "WAN port-forwards." }),
    undefined,
    "none: nothing is reachable from the internet",
  ),
  ssh: req(hostSshSchema),
});
export type RouterSpec = Infer<typeof routerSchema>;

export const routersSchema = map(routerSchema, { description: "Routers by name." });

export function checkRouters(ctx: Context): void {
  const routedBy = new Map<string, string>();
  for (const [name, r] of byName(ctx.inv.routers)) {
    const path = `homelab:routers.${name}`;
    const zones = checkRoutedZones(ctx, path, name, r, routedBy);
    if (ctx.zoneRef(`${path}.managementZone`, r.managementZone) && !zones.has(r.managementZone)) {
      ctx.add(
        `${path}.managementZone`,
        `${show(r.managementZone)} is not one of this router's zones; expected one of ${[...zones].sort().join(", ") || "its zones"}. Add it to ${path}.zones or pick a routed zone.`,
      );
    }
    if (r.wan && r.wan.address !== "dhcp" && !r.wan.gateway) {
      ctx.add(
        `${path}.wan.gateway`,
        `(missing) is required with a static WAN address; expected an IPv4 address. Add your ISP's gateway.`,
      );
    }
    checkDhcpRanges(ctx, path, r, zones);
    checkPortForwards(ctx, path, r);
  }
  // Every inside zone needs a router, or flows cannot be enforced and hosts have no gateway.
  if (!ctx.inv.routers || ctx.incomplete("homelab:routers")) return;
  for (const [zone, z] of Object.entries(ctx.inv.zones ?? {})) {
    if (z.trust !== "wan" && !routedBy.has(zone)) {
      ctx.add(
        `homelab:zones.${zone}`,
        `zone ${zone} is routed by no router; expected every inside zone in some router's zones. Add it to a router's zones list.`,
      );
    }
  }
  // Routers' own addresses are the zone gateways, claimed in checkZones.
}

/** The router's zones: declared, inside, listed once, routed by no other router. */
function checkRoutedZones(
  ctx: Context,
  path: string,
  name: string,
  r: RouterSpec,
  routedBy: Map<string, string>,
): Set<string> {
  const zones = new Set<string>();
  r.zones.forEach((zone, i) => {
    const zpath = `${path}.zones[${i}]`;
    if (!ctx.zoneRef(zpath, zone)) return;
    if (ctx.inv.zones![zone]!.trust === "wan") {
      ctx.add(
        zpath,
        `${show(zone)} is the wan zone; expected an inside zone. Describe the uplink under ${path}.wan instead.`,
      );
      return;
    }
    if (zones.has(zone)) {
      ctx.add(
        zpath,
        `${show(zone)} is listed twice; expected each zone once. Remove the duplicate.`,
      );
      return;
    }
    zones.add(zone);
    const prior = routedBy.get(zone);
    if (prior) {
      ctx.add(
        zpath,
        `${show(zone)} is already routed by router ${prior}, which holds its gateway address; expected one router per zone. Remove it from one router.`,
      );
    } else routedBy.set(zone, name);
  });
  for (const zone of zones) {
    const vlan = ctx.inv.zones![zone]!.vlan;
    if (vlan !== undefined && `${r.trunk}.${vlan}`.length > 15) {
      ctx.add(
        `${path}.trunk`,
        `${show(r.trunk)} makes the VLAN interface ${r.trunk}.${vlan} longer than 15 characters; expected a shorter trunk name. Rename the NIC (e.g. with a systemd .link file) or use a shorter one.`,
      );
      break;
    }
  }
  return zones;
}

function checkDhcpRanges(ctx: Context, path: string, r: RouterSpec, zones: Set<string>): void {
  (r.dhcp ?? []).forEach((d, i) => {
    const dpath = `${path}.dhcp[${i}]`;
    if (!ctx.zoneRef(`${dpath}.zone`, d.zone)) return;
    if (!zones.has(d.zone)) {
      ctx.add(
        `${dpath}.zone`,
        `${show(d.zone)} is not routed by this router; expected one of ${[...zones].sort().join(", ")}. Serve DHCP from the zone's router.`,
      );
      return;
    }
    ctx.claimRange(dpath, d.zone, d.start, d.end);
  });
}

function checkPortForwards(ctx: Context, path: string, r: RouterSpec): void {
  (r.portForwards ?? []).forEach((pf, i) => {
    const ppath = `${path}.portForwards[${i}]`;
    if (!r.wan) {
      ctx.add(
        ppath,
        `a port-forward on a router without wan settings cannot work; expected ${path}.wan. Add the uplink or remove the port-forward.`,
      );
    }
    const dup = (r.portForwards ?? [])
      .slice(0, i)
      .findIndex((o) => o.publicPort === pf.publicPort && o.protocol === pf.protocol);
    if (dup >= 0) {
      ctx.add(
        `${ppath}.publicPort`,
        `${pf.publicPort}/${pf.protocol} is already forwarded by ${path}.portForwards[${dup}]; expected each public port once. Use another public port.`,
      );
    }
    const svc = ctx.serviceRef(`${ppath}.service`, pf.service);
    if (svc) {
      const target = pf.port ?? pf.publicPort;
      if (!svc.ports.some((p) => p.port === target && p.protocol === pf.protocol)) {
        ctx.add(
          ppath,
          `forwards to ${target}/${pf.protocol}, which service ${pf.service} does not listen on; expected one of ${svc.ports.map((p) => `${p.port}/${p.protocol}`).join(", ")}. Fix port or add it to homelab:services.${pf.service}.ports.`,
        );
      }
      if (svc.runsOn.kubernetes && svc.runsOn.kubernetes.serviceType !== "LoadBalancer") {
        ctx.add(
          `${ppath}.service`,
          `${show(pf.service)} runs on Kubernetes without a LoadBalancer address; expected a service with a fixed address. Give it serviceType LoadBalancer with loadBalancerIP, or forward to a reverse proxy.`,
        );
      }
      // The forward target is an address claim too: it must be in a zone this router routes.
      const zone = ctx.serviceZone(svc);
      if (zone !== undefined && !r.zones.includes(zone) && ctx.zones.has(zone)) {
        ctx.add(
          `${ppath}.service`,
          `${show(pf.service)} is reached in zone ${zone}, which this router does not route; expected a service in one of ${[...r.zones].sort().join(", ")}. Forward from the router of zone ${zone}, or run the service in one of this router's zones.`,
        );
      }
    }
  });
}

/** A router as a machine: its address in each zone is the zone's gateway. */
export function routerMachine(r: Resolver, name: string, spec: RouterSpec): Machine {
  const interfaces = [...spec.zones]
    .sort((a, b) =>
      a === spec.managementZone ? -1 : b === spec.managementZone ? 1 : a.localeCompare(b),
    )
    .map((z) =>
      r.iface(z, r.zone(z).gateway!, `${spec.trunk}.${r.zone(z).vlan}`, undefined, false),
    );
  return {
    name,
    kind: "router",
    os: "debian",
    description: spec.description,
    interfaces,
    ssh: r.ssh(spec.ssh, r.zone(spec.managementZone).gateway!, `homelab:routers.${name}`),
    services: r.servicesOf(name),
  };
}

/** A resolved router: static leases for every MAC in its zones, port-forwards to their targets. */
export function resolveRouter(
  name: string,
  spec: RouterSpec,
  machines: readonly Machine[],
  services: ReadonlyMap<string, Service>,
): Router {
  const machine = machines.find((m) => m.name === name)!;
  const leases: StaticLease[] = [];
  for (const m of machines) {
    for (const i of m.interfaces) {
      if (i.mac && spec.zones.includes(i.zone)) {
        leases.push({ zone: i.zone, mac: i.mac, address: i.address, hostname: m.name });
      }
    }
  }
  leases.sort((a, b) => ipToInt(a.address) - ipToInt(b.address));
  const portForwards: PortForward[] = (spec.portForwards ?? [])
    .map((pf) => {
      const svc = services.get(pf.service)!;
      return {
        protocol: pf.protocol,
        publicPort: pf.publicPort,
        service: pf.service,
        targetAddress: svc.addresses[0]!,
        targetPort: pf.port ?? pf.publicPort,
        targetZone: svc.zone!,
      };
    })
    .sort((a, b) => a.publicPort - b.publicPort || a.protocol.localeCompare(b.protocol));
  return {
    name,
    machine,
    managementZone: spec.managementZone,
    oobInterface: spec.oobInterface,
    trunk: spec.trunk,
    zones: [...spec.zones].sort(),
    wan: spec.wan,
    dhcp: (spec.dhcp ?? []).map((d) => ({ ...d })).sort((a, b) => a.zone.localeCompare(b.zone)),
    staticLeases: leases,
    dnsUpstreams: [...spec.dnsUpstreams],
    portForwards,
  };
}
