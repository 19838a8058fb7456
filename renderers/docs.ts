/**
 * Lab documentation from the validated model: a topology diagram (Mermaid for Markdown viewers,
 * Graphviz for the SVG) and tables of zones, flows, machines, VMs, services and the cluster. Pure and
 * deterministic (the model is already sorted), and secret-free: the model holds no secrets.
 */
import type { Flow, Lab, Machine, Service } from "../model/lab";
import { formatPorts } from "../model/net";
import { lines } from "./text";

function flowTarget(f: Flow): string {
  return f.toService ? `service ${f.toService}` : f.toHost ? f.toHost : "any";
}

function exposureText(s: Service): string {
  const e = s.exposure;
  if (e.kind === "internal") return "internal";
  const via = e.kind === "proxy" ? `via proxy ${e.entryService}` : e.kind;
  return `public: ${e.hostname} (${via})`;
}

function machineRole(m: Machine): string {
  if (m.kind === "vm") return `VM on ${m.hypervisor}`;
  if (m.kind === "device")
    return m.alwaysOn === false ? "device (unmanaged, often off)" : "device (unmanaged)";
  return m.kind;
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

function talosRole(lab: Lab, m: Machine): string | undefined {
  if (!lab.talos) return undefined;
  if (lab.talos.controlPlanes.some((c) => c.name === m.name)) return "control plane";
  if (lab.talos.workers.some((w) => w.name === m.name)) return "worker";
  return undefined;
}

function nodeLabel(lab: Lab, m: Machine, br: string): string {
  const extra = [
    m.kind === "device" ? "unmanaged" : m.os !== "debian" ? m.os : undefined,
    talosRole(lab, m),
    m.kind === "vm" ? `on ${m.hypervisor}` : m.kind === "hypervisor" ? "hypervisor" : undefined,
  ]
    .filter(Boolean)
    .join(", ");
  const services = m.services.length ? `${br}${m.services.join(", ")}` : "";
  return `${m.name}${br}${m.interfaces[0]!.address}${extra ? `${br}(${extra})` : ""}${services}`;
}

export function renderMermaid(lab: Lab): string {
  const out: string[] = ["flowchart LR"];
  const byZone = machinesByZone(lab);
  const publicEntries = lab.routers.flatMap((r) => r.portForwards);
  if (publicEntries.length || lab.services.some((s) => s.exposure.kind !== "internal"))
    out.push('  internet(("Internet"))');
  for (const r of lab.routers) out.push(`  ${id("r", r.name)}{{"router ${r.name}"}}`);
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
    for (const z of r.zones) out.push(`  ${id("r", r.name)} --- ${id("z", z)}`);
    for (const pf of r.portForwards) {
      const target = lab.services.find((s) => s.name === pf.service)?.host;
      if (target)
        out.push(
          `  internet -- "${pf.protocol}/${pf.publicPort}" --> ${id("r", r.name)} -. "DNAT" .-> ${id("m", target)}`,
        );
    }
  }
  for (const f of lab.flows) {
    if (lab.zones.find((z) => z.name === f.to)?.trust === "wan") continue;
    out.push(
      `  ${id("z", f.from)} -- "${formatPorts(f.ports)}${f.toService || f.toHost ? ` → ${flowTarget(f)}` : ""}" --> ${id("z", f.to)}`,
    );
  }
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

const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderDot(lab: Lab): string {
  const out: string[] = [
    "digraph lab {",
    '  graph [rankdir=TB, compound=true, newrank=true, fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=0.55, pad=0.3];',
    '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
  ];
  const byZone = machinesByZone(lab);
  const publicNames = lab.services.flatMap((s) =>
    s.exposure.kind === "internal" ? [] : [s.exposure.hostname],
  );
  const hasPublic = lab.routers.some((r) => r.portForwards.length) || publicNames.length > 0;
  if (hasPublic) {
    out.push(
      `  internet [label=${dq(["Internet", ...publicNames].join("\n"))}, shape=ellipse, fillcolor="#eeeeee"];`,
    );
  }
  for (const r of lab.routers)
    out.push(
      `  ${id("r", r.name)} [label=${dq(`router ${r.name}\nnftables: default deny\ndnsmasq: DHCP, ${lab.domain}`)}, shape=hexagon, fillcolor="#fff5cc"];`,
    );
  // Zones side by side, by trust: dmz, internal, hypervisor, management.
  const order = ["dmz", "internal", "hypervisor", "management"];
  const zones = lab.zones
    .filter((z) => z.trust !== "wan")
    .sort(
      (a, b) => order.indexOf(a.trust) - order.indexOf(b.trust) || a.name.localeCompare(b.name),
    );
  for (const z of zones) {
    const members = byZone.get(z.name) ?? [];
    out.push(
      `  subgraph cluster_${id("z", z.name)} {`,
      `    label=${dq(`${z.name === z.trust ? z.name : `${z.name} (${z.trust})`}\nVLAN ${z.vlan} · ${z.cidr}`)}; style="rounded,filled"; fillcolor=${dq(TRUST_COLOR[z.trust] ?? "#ffffff")}; color="#888888";`,
      `    ${id("a", z.name)} [shape=point, width=0.01, style=invis];`,
    );
    const node = (m: Machine, indent: string) => {
      const shape = m.kind === "hypervisor" ? "box3d" : m.os === "talos" ? "component" : "box";
      out.push(
        `${indent}${id("m", m.name)} [label=${dq(nodeLabel(lab, m, "\n"))}, shape=${shape}];`,
      );
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
    // Stack the zone's machines in a column; Talos nodes in two rows (control planes, workers).
    const rows = t
      ? (["control plane", "worker"] as const)
          .map((role) => members.filter((m) => talosRole(lab, m) === role))
          .filter((row) => row.length > 0)
      : [];
    for (const row of rows.filter((r) => r.length > 1)) {
      // The invisible chain keeps the row in inventory order, left to right.
      const ids = row.map((m) => id("m", m.name));
      out.push(`    { rank=same; ${ids.join(" -> ")} [style=invis]; }`);
    }
    const chain = [
      id("a", z.name),
      ...members.filter((x) => !inCluster(x)).map((m) => id("m", m.name)),
      ...rows.map((row) => id("m", row[0]!.name)),
    ];
    if (chain.length > 1) out.push(`    ${chain.join(" -> ")} [style=invis];`);
    out.push("  }");
  }
  out.push(`  { rank=same; ${zones.map((z) => id("a", z.name)).join("; ")}; }`);
  for (const r of lab.routers) {
    if (hasPublic && r.wan)
      out.push(
        `  internet -> ${id("r", r.name)} [label=${dq(`WAN ${r.wan.interface}`)}, dir=none, style=bold, color="#888888"];`,
      );
    for (const z of zones.filter((x) => r.zones.includes(x.name))) {
      const gw = r.machine.interfaces.find((i) => i.zone === z.name)!;
      out.push(
        `  ${id("r", r.name)} -> ${id("a", z.name)} [lhead=cluster_${id("z", z.name)}, label=${dq(`${gw.name}\n${gw.address}`)}, dir=none, style=bold, color="#b8a000"];`,
      );
    }
    for (const pf of r.portForwards) {
      const target = lab.services.find((s) => s.name === pf.service)?.host;
      if (!target) continue;
      out.push(
        `  ${id("r", r.name)} -> ${id("m", target)} [label=${dq(`DNAT ${pf.protocol}/${pf.publicPort}`)}, color="#c0392b", fontcolor="#c0392b", penwidth=1.5, constraint=false];`,
      );
    }
  }
  const rows = lab.flows.map(
    (f) =>
      `<tr><td align="left">${html(f.from)} → ${html(f.to)}   </td><td align="left">${html(formatPorts(f.ports))}   </td><td align="left">${html(f.toAddresses.length ? flowTarget(f) : "any address")}</td></tr>`,
  );
  out.push(
    `  flows [shape=plaintext, style="", label=<<table border="1" cellborder="0" cellspacing="0" cellpadding="3" bgcolor="white" color="#2e86c1"><tr><td colspan="3"><b>Allowed flows</b> (everything else is dropped)</td></tr>${rows.join("")}</table>>];`,
  );
  if (lab.routers[0]) out.push(`  { rank=same; ${id("r", lab.routers[0].name)}; flows; }`);
  out.push("}");
  return lines(out);
}

const cell = (s: string | number | undefined) =>
  s === undefined || s === "" ? "—" : String(s).replace(/\|/g, "\\|");
const table = (head: string[], rows: (string | number | undefined)[][]) => [
  `| ${head.join(" | ")} |`,
  `| ${head.map(() => "---").join(" | ")} |`,
  ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
];

export function renderLabDoc(lab: Lab, stack: string, svgFile: string): string {
  const out: string[] = [
    `<!-- Generated by \`make docs\` from Pulumi.${stack}.yaml. Do not edit by hand. -->`,
    `# Lab \`${stack}\``,
    "",
    `Internal domain \`${lab.domain}\`; admin user \`${lab.adminUser}\` (key-only SSH, host keys pinned).`,
    "",
    "## Topology",
    "",
    `![topology](${svgFile})`,
    "",
    "```mermaid",
    renderMermaid(lab).trimEnd(),
    "```",
    "",
    "## Zones",
    "",
    ...table(
      ["Zone", "Trust", "VLAN", "Network", "Gateway", "Router", "Description"],
      lab.zones.map((z) => [z.name, z.trust, z.vlan, z.cidr, z.gateway, z.router, z.description]),
    ),
    "",
    "## Allowed flows",
    "",
    "Everything else between zones is dropped by the router (default deny).",
    "",
    ...table(
      ["From", "To", "Ports", "Destination", "Why"],
      lab.flows.map((f) => [
        f.from,
        f.to,
        formatPorts(f.ports),
        f.toAddresses.length ? `${flowTarget(f)} (${f.toAddresses.join(", ")})` : "any address",
        f.description,
      ]),
    ),
    "",
  ];
  const forwards = lab.routers.flatMap((r) => r.portForwards.map((pf) => ({ r, pf })));
  if (forwards.length) {
    out.push(
      "## Published ports",
      "",
      ...table(
        ["Router", "Public", "Service", "Target", "Zone"],
        forwards.map(({ r, pf }) => [
          r.name,
          `${pf.protocol}/${pf.publicPort}`,
          pf.service,
          `${pf.targetAddress}:${pf.targetPort}`,
          pf.targetZone,
        ]),
      ),
      "",
    );
  }
  out.push(
    "## Machines and addresses",
    "",
    ...table(
      ["Machine", "Role", "OS", "Zone", "Address", "Interface", "MAC", "SSH"],
      lab.machines.flatMap((m) =>
        m.interfaces.map((i, idx) => [
          idx === 0 ? m.name : "",
          idx === 0 ? machineRole(m) : "",
          idx === 0 ? (m.kind === "device" ? "—" : m.os) : "",
          i.zone,
          i.cidrAddress,
          i.name,
          i.mac,
          idx === 0
            ? m.ssh
              ? `${m.ssh.user}@${m.ssh.host}:${m.ssh.port}`
              : m.kind === "device"
                ? "none (never provisioned)"
                : "none (Talos API)"
            : "",
        ]),
      ),
    ),
    "",
  );
  if (lab.hypervisors.length) {
    out.push(
      "## VMs per hypervisor",
      "",
      ...table(
        ["Hypervisor", "Bridges", "VM", "OS", "vCPU", "Memory", "Disk", "NICs"],
        lab.hypervisors.flatMap((h) => {
          const bridges = h.bridges
            .map((b) => `${b.name} (${b.zone}, ${b.vlanInterface})`)
            .join(", ");
          return h.vms.length
            ? h.vms.map((v, idx) => [
                idx === 0 ? h.name : "",
                idx === 0 ? bridges : "",
                v.name,
                v.machine.os,
                v.vcpus,
                `${v.memoryMiB} MiB`,
                `${v.diskGiB} GiB`,
                v.nics.map((n) => `${n.address} on ${n.bridge}`).join(", "),
              ])
            : [[h.name, bridges, "", "", "", "", "", ""]];
        }),
      ),
      "",
    );
  }
  out.push(
    "## Services",
    "",
    ...table(
      ["Service", "Runs on", "Ports", "Internal names", "Exposure"],
      lab.services.map((s) => [
        s.name,
        s.host ??
          `Kubernetes (${s.kubernetes!.serviceType}${s.kubernetes!.loadBalancerIP ? ` ${s.kubernetes!.loadBalancerIP}` : ""})`,
        s.ports.map((p) => `${p.protocol}/${p.port}`).join(", "),
        s.dns.map((d) => `${d}.${lab.domain}`).join(", "),
        exposureText(s),
      ]),
    ),
    "",
  );
  if (lab.talos) {
    const t = lab.talos;
    out.push(
      "## Kubernetes cluster",
      "",
      ...table(
        ["Cluster", "Endpoint", "Talos", "Kubernetes", "Control planes", "Workers"],
        [
          [
            t.clusterName,
            t.endpoint,
            t.talosVersion,
            t.kubernetesVersion,
            t.controlPlanes.map((m) => m.name).join(", "),
            t.workers.map((m) => m.name).join(", "),
          ],
        ],
      ),
      "",
    );
  }
  return lines(out);
}
