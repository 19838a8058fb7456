/**
 * The router's nftables ruleset: default-deny forwarding with exactly the declared flows, NAT to the
 * WAN, and DNAT only for declared port-forwards. The same function also returns the plain-data rules
 * it rendered, which the router publishes as its intent record (so the policy pack judges exactly
 * what is loaded, not a second interpretation of the inventory).
 */
import type { Flow, Lab, PortRule, Router } from "../model/lab";
import type { RouterIntent } from "../model/intent";
import { generatedHeader, lines } from "./text";

export const NFTABLES_PATH = "/etc/nftables.conf";

interface Rendered {
  readonly text: string;
  readonly flows: RouterIntent["flows"];
  readonly portForwards: RouterIntent["portForwards"];
}

const q = (s: string) => `"${s}"`;
const comment = (s: string) => `comment "${s.replace(/["\\]/g, "'").slice(0, 120)}"`;
const set = (items: readonly (string | number)[]) =>
  items.length === 1 ? String(items[0]) : `{ ${items.join(", ")} }`;

function portRange(p: PortRule): string {
  return p.from === p.to ? String(p.from) : `${p.from}-${p.to}`;
}

/** nft match expressions for a flow's ports: one per protocol (all ports of a protocol in one set). */
export function portMatches(ports: readonly PortRule[]): string[] {
  if (ports.some((p) => p.protocol === "any")) return [""];
  const out: string[] = [];
  for (const proto of ["tcp", "udp"] as const) {
    const ranges = ports.filter((p) => p.protocol === proto).map(portRange);
    if (ranges.length) out.push(`${proto} dport ${set([...new Set(ranges)])}`);
  }
  if (ports.some((p) => p.protocol === "icmp")) out.push("meta l4proto icmp");
  return out;
}

function describe(f: Flow, index: number): string {
  const target = f.toHost ? ` (${f.toHost})` : f.toService ? ` (service ${f.toService})` : "";
  return `flow ${index}: ${f.from} -> ${f.to}${target}${f.description ? `: ${f.description}` : ""}`;
}

export function renderNftables(lab: Lab, router: Router): Rendered {
  const ifaceOf = new Map(router.machine.interfaces.map((i) => [i.zone, i.name]));
  const wanZone = lab.zones.find((z) => z.trust === "wan")?.name;
  if (router.wan && wanZone) ifaceOf.set(wanZone, router.wan.interface);
  // The zones it is the gateway of get DNS, DHCP and ping; its uplink only carries routed traffic.
  const inside = router.machine.interfaces
    .filter((i) => router.zones.includes(i.zone))
    .map((i) => i.name);
  const mgmtIf = ifaceOf.get(router.managementZone)!;

  const input: string[] = [
    "ct state established,related accept",
    "ct state invalid drop",
    'iifname "lo" accept',
    `iifname ${set(inside.map(q))} icmp type echo-request accept ${comment("ping the gateway")}`,
    `iifname ${set(inside.map(q))} udp dport { 53, 67 } accept ${comment("DNS and DHCP for every zone")}`,
    `iifname ${set(inside.map(q))} tcp dport 53 accept ${comment("DNS over TCP")}`,
    `iifname ${q(mgmtIf)} tcp dport ${router.machine.ssh!.port} accept ${comment(`SSH from zone ${router.managementZone}`)}`,
  ];
  if (router.oobInterface) {
    input.push(
      `iifname ${q(router.oobInterface)} tcp dport ${router.machine.ssh!.port} accept ${comment("SSH from the out-of-band management network")}`,
    );
  }

  const forward: string[] = ["ct state established,related accept", "ct state invalid drop"];
  const flows: RouterIntent["flows"][number][] = [];
  const cidrOf = (zone: string) => lab.zones.find((z) => z.name === zone)?.cidr;
  const insideCidrs = lab.zones.filter((z) => z.trust !== "wan" && z.cidr).map((z) => z.cidr!);
  lab.flows.forEach((f, i) => {
    const hops = f.path.filter((h) => h.router === router.name);
    if (hops.length === 0) return; // a flow between zones other routers join
    // Across several routers each hop also names the flow's real source and destination, so the
    // transit zone between them never becomes a blanket permit.
    const multi = f.path.length > 1;
    const source = cidrOf(f.from);
    for (const hop of hops) {
      const saddr = multi && source ? ` ip saddr ${source}` : "";
      let daddr = f.toAddresses.length ? ` ip daddr ${set(f.toAddresses)}` : "";
      if (!daddr && multi) {
        if (f.to !== wanZone) daddr = cidrOf(f.to) ? ` ip daddr ${cidrOf(f.to)}` : "";
        else if (hop.out !== wanZone && insideCidrs.length)
          daddr = ` ip daddr != ${set(insideCidrs)}`;
      }
      const label = multi
        ? `${describe(f, i)} (hop ${f.path.indexOf(hop) + 1}/${f.path.length})`
        : describe(f, i);
      for (const m of portMatches(f.ports)) {
        forward.push(
          `iifname ${q(ifaceOf.get(hop.in)!)} oifname ${q(ifaceOf.get(hop.out)!)}${saddr}${daddr}${m ? ` ${m}` : ""} accept ${comment(label)}`,
        );
      }
    }
    flows.push({
      from: f.from,
      to: f.to,
      ports: f.ports.map((p) => ({ ...p })),
      toAddresses: [...f.toAddresses],
      description: f.description,
      ...(multi ? { path: f.path.map((h) => h.router) } : {}),
    });
  });

  const prerouting: string[] = [];
  const portForwards: RouterIntent["portForwards"][number][] = [];
  if (router.wan) {
    const wan = q(router.wan.interface);
    for (const pf of router.portForwards) {
      const c = comment(`port-forward ${pf.protocol}/${pf.publicPort} -> service ${pf.service}`);
      prerouting.push(
        `iifname ${wan} ${pf.protocol} dport ${pf.publicPort} dnat ip to ${pf.targetAddress}:${pf.targetPort} ${c}`,
      );
      forward.push(
        `iifname ${wan} oifname ${q(ifaceOf.get(pf.targetZone)!)} ip daddr ${pf.targetAddress} ${pf.protocol} dport ${pf.targetPort} ct status dnat accept ${c}`,
      );
      portForwards.push({ ...pf });
    }
  }
  forward.push(`counter drop ${comment("default deny between zones")}`);

  const block = (name: string, hook: string, priority: string, policy: string, rules: string[]) => [
    `  chain ${name} {`,
    `    type ${hook === "prerouting" || hook === "postrouting" ? "nat" : "filter"} hook ${hook} priority ${priority}; policy ${policy};`,
    ...rules.map((r) => `    ${r}`),
    "  }",
  ];

  const text = lines(
    "#!/usr/sbin/nft -f",
    generatedHeader(`router ${router.name} (nftables)`),
    "flush ruleset",
    "",
    "table inet homelab {",
    block("input", "input", "filter", "drop", input),
    "",
    block("forward", "forward", "filter", "drop", forward),
    "",
    block("output", "output", "filter", "accept", []),
    "}",
    router.wan && [
      "",
      "table ip homelab_nat {",
      ...block("prerouting", "prerouting", "dstnat", "accept", prerouting),
      "",
      ...block("postrouting", "postrouting", "srcnat", "accept", [
        `oifname ${q(router.wan.interface)} masquerade ${comment("NAT to the internet")}`,
      ]),
      "}",
    ],
  );
  return { text, flows, portForwards };
}
