/**
 * The lab's topology diagram from the validated model, twice: Mermaid (for Markdown viewers) and
 * Graphviz DOT (rendered to SVG by `make docs`). Both draw the same facts: zones with their
 * machines, the router joining them over its trunk's VLAN sub-interfaces, the WAN side (the
 * router's WAN interface and address, the internet's view: public names and port-forwards), the
 * allowed flows as arrows between zones labelled with their ports, and each hypervisor → VM
 * placement as an edge. Pure and deterministic (the model is already sorted).
 */
import type { Flow, Lab, Machine } from "../model/lab";
import { formatPorts } from "../model/net";
import { lines } from "./text";

export function flowTarget(f: Flow): string {
  return f.toService ? `service ${f.toService}` : f.toHost ? f.toHost : "any";
}

const id = (prefix: string, name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;

/** Machines shown inside each zone (by primary interface), routers excluded (they join zones). */
function machinesByZone(lab: Lab): Map<string, Machine[]> {
  const out = new Map<string, Machine[]>();
  for (const m of lab.machines) {
    if (m.kind === "router") continue;
    const zone = m.interfaces[0]!.zone;
    out.set(zone, [...(out.get(zone) ?? []), m]);
  }
  return out;
}

export function talosRole(lab: Lab, m: Machine): string | undefined {
  if (!lab.talos) return undefined;
  if (lab.talos.controlPlanes.some((c) => c.name === m.name)) return "control plane";
  if (lab.talos.workers.some((w) => w.name === m.name)) return "worker";
  return undefined;
}

function nodeLabel(lab: Lab, m: Machine, br: string): string {
  const extra = [
    m.os !== "debian" ? m.os : undefined,
    talosRole(lab, m),
    m.kind === "vm" ? `on ${m.hypervisor}` : m.kind === "hypervisor" ? "hypervisor" : undefined,
  ]
    .filter(Boolean)
    .join(", ");
  const services = m.services.length ? `${br}${m.services.join(", ")}` : "";
  return `${m.name}${br}${m.interfaces[0]!.address}${extra ? `${br}(${extra})` : ""}${services}`;
}

const isWan = (lab: Lab, zone: string) => lab.zones.find((z) => z.name === zone)?.trust === "wan";

/** The internet side is drawn when a router has a WAN, something is public, or a flow leaves. */
function hasInternet(lab: Lab): boolean {
  return (
    lab.routers.some((r) => r.wan || r.portForwards.length) ||
    lab.services.some((s) => s.exposure.kind !== "internal") ||
    lab.flows.some((f) => isWan(lab, f.to))
  );
}

const wanText = (w: NonNullable<Lab["routers"][number]["wan"]>, br: string) =>
  `WAN ${w.interface}${br}${w.address}${w.gateway ? ` via ${w.gateway}` : ""}`;

/**
 * The allowed flows between each pair of zones, one arrow per pair: a line per flow, its ports and
 * (when narrowed) its destination.
 */
function flowArrows(lab: Lab): { from: string; to: string; label: string[] }[] {
  const pairs = new Map<string, { from: string; to: string; label: string[] }>();
  for (const f of lab.flows) {
    const key = `${f.from}\n${f.to}`;
    const p = pairs.get(key) ?? { from: f.from, to: f.to, label: [] };
    p.label.push(`${formatPorts(f.ports)}${f.toService || f.toHost ? ` → ${flowTarget(f)}` : ""}`);
    pairs.set(key, p);
  }
  return [...pairs.values()];
}

export function renderMermaid(lab: Lab): string {
  const out: string[] = ["flowchart LR"];
  const byZone = machinesByZone(lab);
  const zone = (z: string) => (isWan(lab, z) ? "internet" : id("z", z));
  if (hasInternet(lab)) out.push('  internet(("Internet"))');
  for (const r of lab.routers)
    out.push(`  ${id("r", r.name)}{{"router ${r.name}<br/>trunk ${r.trunk}"}}`);
  for (const z of lab.zones) {
    if (z.trust === "wan") continue;
    out.push(
      `  subgraph ${id("z", z.name)}["${z.name} · VLAN ${z.vlan} · ${z.cidr} · ${z.trust}"]`,
    );
    for (const m of byZone.get(z.name) ?? [])
      out.push(`    ${id("m", m.name)}["${nodeLabel(lab, m, "<br/>")}"]`);
    out.push("  end");
  }
  for (const r of lab.routers) {
    if (r.wan) out.push(`  internet ---|"${wanText(r.wan, " · ")}"| ${id("r", r.name)}`);
    for (const z of r.zones) out.push(`  ${id("r", r.name)} --- ${id("z", z)}`);
    for (const pf of r.portForwards) {
      const target = lab.services.find((s) => s.name === pf.service)?.host;
      if (target)
        out.push(
          `  internet -- "${pf.protocol}/${pf.publicPort}" --> ${id("r", r.name)} -. "DNAT" .-> ${id("m", target)}`,
        );
    }
  }
  for (const f of flowArrows(lab))
    out.push(`  ${zone(f.from)} -- "${f.label.join("<br/>")}" --> ${zone(f.to)}`);
  for (const h of lab.hypervisors)
    for (const v of h.vms) out.push(`  ${id("m", h.name)} -.-o ${id("m", v.name)}`);
  return lines(out);
}

const TRUST_COLOR: Record<string, string> = {
  dmz: "#fde2e1",
  internal: "#e3f0fb",
  hypervisor: "#e6f4e6",
  management: "#f1e8fb",
  wan: "#eeeeee",
};

const dq = (s: string) => `"${s.replace(/"/g, '\\"')}"`;

/** Zones side by side, by trust: dmz, internal, hypervisor, management. */
function dotZoneOrder(lab: Lab) {
  const order = ["dmz", "internal", "hypervisor", "management"];
  return lab.zones
    .filter((z) => z.trust !== "wan")
    .sort(
      (a, b) => order.indexOf(a.trust) - order.indexOf(b.trust) || a.name.localeCompare(b.name),
    );
}

/** One zone as a cluster: its machines stacked in a column, Talos nodes in their own box. */
function dotZone(lab: Lab, z: Lab["zones"][number], members: readonly Machine[]): string[] {
  const out = [
    `  subgraph cluster_${id("z", z.name)} {`,
    `    label=${dq(`${z.name === z.trust ? z.name : `${z.name} (${z.trust})`}\nVLAN ${z.vlan} · ${z.cidr}`)}; style="rounded,filled"; fillcolor=${dq(TRUST_COLOR[z.trust] ?? "#ffffff")}; color="#888888";`,
    `    ${id("a", z.name)} [shape=point, width=0.01, style=invis];`,
  ];
  const node = (m: Machine, indent: string) => {
    const shape = m.kind === "hypervisor" ? "box3d" : m.os === "talos" ? "component" : "box";
    out.push(`${indent}${id("m", m.name)} [label=${dq(nodeLabel(lab, m, "\n"))}, shape=${shape}];`);
  };
  const t = lab.talos;
  const inCluster = (m: Machine) => t !== undefined && talosRole(lab, m) !== undefined;
  for (const m of members.filter((x) => !inCluster(x))) node(m, "    ");
  if (t && members.some(inCluster)) {
    out.push(
      `    subgraph cluster_talos {`,
      `      label=${dq(`Talos cluster ${t.clusterName}\n${t.endpoint} · Talos ${t.talosVersion} · Kubernetes ${t.kubernetesVersion}`)}; style="rounded,dashed"; color="#555555"; fillcolor="#ffffff";`,
    );
    for (const m of members.filter(inCluster)) node(m, "      ");
    out.push("    }");
  }
  // Talos nodes in two rows (control planes, workers), each in inventory order.
  const rows = t
    ? (["control plane", "worker"] as const)
        .map((role) => members.filter((m) => talosRole(lab, m) === role))
        .filter((row) => row.length > 0)
    : [];
  for (const row of rows.filter((r) => r.length > 1))
    out.push(`    { rank=same; ${row.map((m) => id("m", m.name)).join(" -> ")} [style=invis]; }`);
  const chain = [
    id("a", z.name),
    ...members.filter((x) => !inCluster(x)).map((m) => id("m", m.name)),
    ...rows.map((row) => id("m", row[0]!.name)),
  ];
  if (chain.length > 1) out.push(`    ${chain.join(" -> ")} [style=invis];`);
  out.push("  }");
  return out;
}

/** The router: the WAN side, its trunk's VLAN links into the zones, its port-forwards. */
function dotRouter(lab: Lab, r: Lab["routers"][number], zones: Lab["zones"]): string[] {
  const out: string[] = [];
  if (r.wan)
    out.push(
      `  internet -> ${id("r", r.name)} [label=${dq(wanText(r.wan, "\n"))}, dir=none, style=bold, color="#888888"];`,
    );
  for (const z of zones.filter((x) => r.zones.includes(x.name))) {
    const gw = r.machine.interfaces.find((i) => i.zone === z.name)!;
    out.push(
      `  ${id("r", r.name)} -> ${id("a", z.name)} [lhead=cluster_${id("z", z.name)}, label=${dq(`${gw.name}\n${gw.address}`)}, dir=none, style=bold, color="#b8a000"];`,
    );
  }
  for (const pf of r.portForwards) {
    const target = lab.services.find((s) => s.name === pf.service)?.host;
    if (target)
      out.push(
        `  ${id("r", r.name)} -> ${id("m", target)} [label=${dq(`DNAT ${pf.protocol}/${pf.publicPort}`)}, color="#c0392b", fontcolor="#c0392b", penwidth=1.5, constraint=false];`,
      );
  }
  return out;
}

/**
 * The allowed flows as a map of its own: one node per zone (and the internet for the WAN zone),
 * an arrow per pair of zones labelled with its ports. Drawn among the machines, arrows between
 * zone boxes pile up along the boxes' edges; beside them they stay readable.
 */
function dotFlows(lab: Lab): string[] {
  const node = (z: string) => id("f", z);
  const zones = [...new Set(lab.flows.flatMap((f) => [f.from, f.to]))];
  const out = [
    "  subgraph cluster_flows {",
    `    label=${dq("Allowed flows between zones (everything else is dropped)")}; style="rounded"; color="#2e86c1"; fontcolor="#2e86c1";`,
  ];
  for (const z of lab.zones.filter((x) => zones.includes(x.name)))
    out.push(
      `    ${node(z.name)} [label=${dq(z.trust === "wan" ? `Internet (${z.name})` : z.name)}, shape=box, fillcolor=${dq(TRUST_COLOR[z.trust] ?? "#ffffff")}];`,
    );
  for (const f of flowArrows(lab))
    out.push(
      `    ${node(f.from)} -> ${node(f.to)} [label=${dq(f.label.join("\n"))}, color="#2e86c1", fontcolor="#2e86c1"];`,
    );
  out.push("  }");
  return out;
}

/** Each hypervisor → the VMs it runs. */
function dotPlacement(lab: Lab): string[] {
  return lab.hypervisors.flatMap((h) =>
    h.vms.map(
      (v) =>
        `  ${id("m", h.name)} -> ${id("m", v.name)} [style=dashed, color="#7f8c8d", arrowhead=empty, constraint=false];`,
    ),
  );
}

const LEGEND =
  '  legend [shape=plaintext, style="", label=<<table border="1" cellborder="0" cellspacing="0" cellpadding="3" bgcolor="white" color="#888888"><tr><td align="left"><font color="#7f8c8d">⇢ hypervisor runs VM</font></td></tr><tr><td align="left"><font color="#c0392b">→ port-forward (DNAT)</font></td></tr><tr><td align="left"><b>━</b> router: WAN and trunk VLANs</td></tr></table>>];';

export function renderDot(lab: Lab): string {
  const out: string[] = [
    "digraph lab {",
    '  graph [rankdir=TB, compound=true, newrank=true, fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=0.55, pad=0.3];',
    '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
  ];
  const publicNames = lab.services.flatMap((s) =>
    s.exposure.kind === "internal" ? [] : [s.exposure.hostname],
  );
  if (hasInternet(lab))
    out.push(
      `  internet [label=${dq(["Internet", ...publicNames].join("\n"))}, shape=ellipse, fillcolor="#eeeeee"];`,
    );
  for (const r of lab.routers)
    out.push(
      `  ${id("r", r.name)} [label=${dq(`router ${r.name}\nnftables: default deny\ndnsmasq: DHCP, ${lab.domain}\ntrunk ${r.trunk}`)}, shape=hexagon, fillcolor="#fff5cc"];`,
    );
  const zones = dotZoneOrder(lab);
  const byZone = machinesByZone(lab);
  for (const z of zones) out.push(...dotZone(lab, z, byZone.get(z.name) ?? []));
  out.push(`  { rank=same; ${zones.map((z) => id("a", z.name)).join("; ")}; }`);
  for (const r of lab.routers) out.push(...dotRouter(lab, r, zones));
  out.push(...dotPlacement(lab), ...dotFlows(lab), LEGEND);
  if (lab.routers[0]) out.push(`  { rank=same; ${id("r", lab.routers[0].name)}; legend; }`);
  out.push("}");
  return lines(out);
}
