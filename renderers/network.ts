/**
 * Network configuration of Linux machines. One plan per machine (links, addresses, default route) is
 * rendered twice: as ifupdown stanzas (what the machine boots with; seed 003's hypervisor layout) and
 * as an idempotent `ip` script that converges the running machine to the same state without a
 * restart. Links not in the plan (e.g. an out-of-band management NIC) are never touched.
 */
import type { Hypervisor, Lab, Machine, Router } from "../model/lab";
import { labRouting } from "../model/routing";
import { generatedHeader, lines, shq } from "./text";

export interface NetLink {
  readonly name: string;
  readonly kind: "ether" | "vlan" | "bridge";
  /** VLAN raw device. */
  readonly parent?: string;
  readonly vlanId?: number;
  /** Bridge this link is a port of. */
  readonly master?: string;
  /** IPv4 addresses with prefix; the converge script removes any other IPv4 address. */
  readonly addresses: readonly string[];
  readonly dhcp: boolean;
  /** Guest-facing links get no IPv6 either (no SLAAC address on the hypervisor). */
  readonly disableIpv6: boolean;
  readonly comment: string;
}

export interface NetRoute {
  /** Destination network in CIDR form. */
  readonly to: string;
  readonly via: string;
  readonly dev: string;
}

export interface NetPlan {
  readonly machine: string;
  readonly links: readonly NetLink[];
  readonly defaultRoute?: { readonly via: string; readonly dev: string };
  /** Static routes (`proto static`): the converge script removes any other static route. */
  readonly routes?: readonly NetRoute[];
}

/**
 * A router: the trunk (VLANs; with an address when an untagged zone is its native LAN), a VLAN
 * interface per tagged zone and the NIC of each untagged zone, each holding the gateway address (or
 * the uplink address), the WAN, and static routes to the zones behind other routers.
 */
export function routerNetPlan(lab: Lab, router: Router): NetPlan {
  const links: NetLink[] = [];
  const role = (zone: string) =>
    zone === router.uplink?.zone ? `uplink (next hop ${router.uplink.gateway})` : "gateway";
  const native = router.machine.interfaces.find((i) => i.name === router.trunk);
  if (router.trunk) {
    links.push({
      name: router.trunk,
      kind: "ether",
      addresses: native ? [native.cidrAddress] : [],
      dhcp: false,
      disableIpv6: true,
      comment: native
        ? `trunk: carries the zone VLANs; zone ${native.zone} untagged (its native LAN): ${role(native.zone)}`
        : "trunk: carries the zone VLANs, no address of its own",
    });
  }
  for (const i of router.machine.interfaces) {
    if (i.name === router.trunk) continue;
    const zone = lab.zones.find((z) => z.name === i.zone)!;
    const tagged = zone.vlan !== undefined;
    links.push({
      name: i.name,
      kind: tagged ? "vlan" : "ether",
      parent: tagged ? router.trunk : undefined,
      vlanId: zone.vlan,
      addresses: [i.cidrAddress],
      dhcp: false,
      disableIpv6: true,
      comment: `zone ${zone.name} (${tagged ? `VLAN ${zone.vlan}` : "untagged"}, ${zone.trust}): ${role(zone.name)}`,
    });
  }
  let defaultRoute: NetPlan["defaultRoute"];
  if (router.wan) {
    const dhcp = router.wan.address === "dhcp";
    links.push({
      name: router.wan.interface,
      kind: "ether",
      addresses: dhcp ? [] : [router.wan.address],
      dhcp,
      disableIpv6: true,
      comment: "wan uplink",
    });
    if (!dhcp && router.wan.gateway)
      defaultRoute = { via: router.wan.gateway, dev: router.wan.interface };
  } else if (router.uplink) {
    defaultRoute = { via: router.uplink.gateway, dev: router.uplink.interface };
  }
  const ifaceOf = new Map(router.machine.interfaces.map((i) => [i.zone, i.name]));
  const routes = labRouting(lab)
    .routes(
      router.name,
      lab.zones.filter((z) => z.cidr && z.trust !== "wan").map((z) => z.name),
    )
    .map((r) => ({
      to: lab.zones.find((z) => z.name === r.zone)!.cidr!,
      via: r.via,
      dev: ifaceOf.get(r.viaZone)!,
    }));
  return {
    machine: router.name,
    links,
    defaultRoute,
    ...(routes.length ? { routes } : {}),
  };
}

/**
 * A hypervisor: the trunk with the management address (untagged), and per guest zone a bridge with
 * no address whose port is the zone's VLAN sub-interface or its own NIC (seed 003). When the
 * management zone is bridged too, the trunk is that bridge's port and the management address sits
 * on the bridge, so the hypervisor and its guests in that zone share one untagged LAN.
 */
export function hypervisorNetPlan(h: Hypervisor): NetPlan {
  const mgmt = h.machine.interfaces[0]!;
  const mgmtBridge = h.bridges.find((b) => b.management);
  const links: NetLink[] = [
    mgmtBridge
      ? {
          name: h.trunk,
          kind: "ether",
          master: mgmtBridge.name,
          addresses: [],
          dhcp: false,
          disableIpv6: true,
          comment: `trunk; its untagged traffic (management zone ${h.zone}) is a port of ${mgmtBridge.name}`,
        }
      : {
          name: h.trunk,
          kind: "ether",
          addresses: [mgmt.cidrAddress],
          dhcp: false,
          disableIpv6: false,
          comment: `trunk; management address in zone ${h.zone} (untagged)`,
        },
  ];
  for (const b of h.bridges) {
    if (b.management) {
      links.push({
        name: b.name,
        kind: "bridge",
        addresses: [mgmt.cidrAddress],
        dhcp: false,
        disableIpv6: false,
        comment: `zone ${b.zone}: guest bridge holding the hypervisor's management address (port: the trunk's untagged traffic)`,
      });
      continue;
    }
    const bridgeAddress = h.machine.interfaces.find((i) => i.name === b.name);
    links.push(
      b.vlan !== undefined
        ? {
            name: b.vlanInterface,
            kind: "vlan",
            parent: h.trunk,
            vlanId: b.vlan,
            master: b.name,
            addresses: [],
            dhcp: false,
            disableIpv6: true,
            comment: `zone ${b.zone} (VLAN ${b.vlan}): bridge port, no address`,
          }
        : {
            name: b.vlanInterface,
            kind: "ether",
            master: b.name,
            addresses: [],
            dhcp: false,
            disableIpv6: true,
            comment: `zone ${b.zone} (untagged, its own NIC): bridge port, no address`,
          },
    );
    links.push({
      name: b.name,
      kind: "bridge",
      addresses: bridgeAddress ? [bridgeAddress.cidrAddress] : [],
      dhcp: false,
      disableIpv6: !bridgeAddress,
      comment: bridgeAddress
        ? `zone ${b.zone}: guest bridge WITH a hypervisor address (declared)`
        : `zone ${b.zone}: guest bridge, the hypervisor has no address here`,
    });
  }
  return {
    machine: h.name,
    links,
    defaultRoute: mgmt.gateway ? { via: mgmt.gateway, dev: mgmt.name } : undefined,
  };
}

export function guestNetPlan(m: Machine): NetPlan {
  const links: NetLink[] = m.interfaces.map((i) => ({
    name: i.name,
    kind: "ether",
    addresses: [i.cidrAddress],
    dhcp: false,
    disableIpv6: false,
    comment: `zone ${i.zone}`,
  }));
  const primary = m.interfaces[0]!;
  return {
    machine: m.name,
    links,
    defaultRoute: primary.gateway ? { via: primary.gateway, dev: primary.name } : undefined,
  };
}

const sysctlName = (link: string) => `net/ipv6/conf/${link}/disable_ipv6`;

/** /etc/network/interfaces.d/homelab */
export function renderIfupdown(plan: NetPlan): string {
  const out: string[] = [generatedHeader(`${plan.machine} (network)`)];
  for (const l of plan.links) {
    out.push("", `# ${l.comment}`, `auto ${l.name}`);
    const method = l.dhcp ? "dhcp" : l.addresses.length > 0 ? "static" : "manual";
    out.push(`iface ${l.name} inet ${method}`);
    l.addresses.forEach((a, i) =>
      out.push(i === 0 ? `    address ${a}` : `    up ip addr add ${a} dev ${l.name}`),
    );
    if (plan.defaultRoute?.dev === l.name) out.push(`    gateway ${plan.defaultRoute.via}`);
    for (const r of (plan.routes ?? []).filter((x) => x.dev === l.name)) {
      out.push(`    up ip route replace ${r.to} via ${r.via} dev ${r.dev} proto static`);
    }
    if (l.kind === "vlan") out.push(`    vlan-raw-device ${l.parent}`);
    if (l.kind === "bridge") {
      const ports = plan.links.filter((p) => p.master === l.name).map((p) => p.name);
      out.push(
        `    bridge_ports ${ports.length ? ports.join(" ") : "none"}`,
        "    bridge_stp off",
        "    bridge_fd 0",
      );
    }
    if (l.disableIpv6) out.push(`    post-up sysctl -q -w ${sysctlName(l.name)}=1`);
  }
  return lines(out);
}

/**
 * Idempotent live apply: creates missing VLANs and bridges, enslaves ports, sets links up, makes each
 * link's IPv4 addresses exactly the planned ones, and replaces the default route.
 */
export function renderNetConverge(plan: NetPlan): string {
  const out: string[] = [
    "#!/bin/sh",
    generatedHeader(`${plan.machine} (network converge)`),
    "set -eu",
    'have() { ip link show dev "$1" >/dev/null 2>&1; }',
    "# exact_v4 DEV [ADDR/PREFIX...]: the device ends up with exactly these IPv4 addresses",
    "exact_v4() {",
    "  dev=$1; shift",
    "  for a in $(ip -4 -o addr show dev \"$dev\" | awk '{print $4}'); do",
    '    keep=no; for w in "$@"; do [ "$a" = "$w" ] && keep=yes; done',
    '    [ $keep = yes ] || ip addr del "$a" dev "$dev"',
    "  done",
    '  for w in "$@"; do ip addr replace "$w" dev "$dev"; done',
    "}",
  ];
  for (const l of plan.links) {
    if (l.kind === "ether") {
      out.push(
        `have ${l.name} || { echo ${shq(`missing NIC ${l.name} on ${plan.machine}`)} >&2; exit 1; }`,
      );
    } else if (l.kind === "vlan") {
      out.push(
        `have ${l.name} || ip link add link ${l.parent} name ${l.name} type vlan id ${l.vlanId}`,
      );
    } else {
      out.push(
        `have ${l.name} || ip link add name ${l.name} type bridge stp_state 0 forward_delay 0`,
      );
    }
  }
  for (const l of plan.links) {
    if (l.master) out.push(`ip link set dev ${l.name} master ${l.master}`);
  }
  for (const l of plan.links) {
    if (l.disableIpv6) out.push(`sysctl -q -w ${sysctlName(l.name)}=1`);
    out.push(`ip link set dev ${l.name} up`);
  }
  for (const l of plan.links) {
    if (l.dhcp) {
      out.push(
        `[ -n "$(ip -4 -o addr show dev ${l.name})" ] || ifup ${l.name} || { echo ${shq(`DHCP on ${l.name} failed`)} >&2; exit 1; }`,
      );
    } else {
      out.push(`exact_v4 ${[l.name, ...l.addresses].join(" ")}`);
    }
  }
  if (plan.defaultRoute) {
    out.push(`ip route replace default via ${plan.defaultRoute.via} dev ${plan.defaultRoute.dev}`);
  }
  if (plan.routes?.length) {
    out.push("# static routes to the zones behind other routers: exactly these");
    for (const r of plan.routes) {
      out.push(`ip route replace ${r.to} via ${r.via} dev ${r.dev} proto static`);
    }
    const keep = plan.routes.map((r) => r.to).join(" ");
    out.push(
      "for r in $(ip -4 route show proto static | awk '{print $1}'); do",
      `  case " ${keep} " in *" $r "*) ;; *) ip route del "$r" proto static ;; esac`,
      "done",
    );
  }
  return lines(out);
}
