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
  const inside = router.machine.interfaces.map((i) => i.name);
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
  lab.flows.forEach((f, i) => {
    const from = ifaceOf.get(f.from);
    const to = ifaceOf.get(f.to);
    if (!from || !to) return; // a flow between zones another router joins
    const daddr = f.toAddresses.length ? ` ip daddr ${set(f.toAddresses)}` : "";
    for (const m of portMatches(f.ports)) {
      forward.push(
        `iifname ${q(from)} oifname ${q(to)}${daddr}${m ? ` ${m}` : ""} accept ${comment(describe(f, i))}`,
      );
    }
    flows.push({
      from: f.from,
      to: f.to,
      ports: f.ports.map((p) => ({ ...p })),
      toAddresses: [...f.toAddresses],
      description: f.description,
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
