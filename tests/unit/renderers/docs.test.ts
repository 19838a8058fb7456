import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { formatPorts } from "../../../model/net";
import { renderDot, renderLabDoc, renderMermaid } from "../../../renderers/docs";
import { documentedStacks, drawSvg, renderStackDocs, svgStamp } from "../../../scripts/gen-docs";
import { homeLab, validLab } from "../../support/labs";
import { REPO } from "../../support/stack";
import { run } from "../../support/tools";

describe("renderer: lab documentation", () => {
  it("draws zones, the router, the WAN side, machines, flows and placement as Mermaid (small lab, by value)", () => {
    assert.equal(
      renderMermaid(validLab("no-talos.yaml")),
      [
        "flowchart LR",
        '  internet(("Internet"))',
        '  r_rt{{"router rt<br/>trunk eth1"}}',
        '  subgraph z_dmz["dmz · VLAN 30 · 10.30.0.0/24 · dmz"]',
        '    m_web["web<br/>10.30.0.10<br/>(on hv)<br/>web"]',
        "  end",
        '  subgraph z_hyp["hyp · VLAN 40 · 10.40.0.0/24 · hypervisor"]',
        '    m_hv["hv<br/>10.40.0.2<br/>(hypervisor)"]',
        "  end",
        '  subgraph z_lan["lan · VLAN 20 · 10.20.0.0/24 · internal"]',
        '    m_files["files<br/>10.20.0.5<br/>(nixos, on hv)<br/>share"]',
        "  end",
        '  internet ---|"WAN eth0 · 203.0.113.10/24 via 203.0.113.1"| r_rt',
        "  r_rt --- z_dmz",
        "  r_rt --- z_hyp",
        "  r_rt --- z_lan",
        '  internet -- "tcp/443" --> r_rt -. "DNAT" .-> m_web',
        '  z_lan -- "tcp/22" --> z_hyp',
        '  z_lan -- "tcp/22, tcp/443" --> z_dmz',
        '  z_hyp -- "tcp/22" --> z_dmz',
        '  z_dmz -- "tcp/2049 → files" --> z_lan',
        '  z_lan -- "any" --> internet',
        "  m_hv -.-o m_files",
        "  m_hv -.-o m_web",
        "",
      ].join("\n"),
    );
  });

  it("draws the WAN side, the trunk, hypervisor → VM placement and the flows between zones as DOT (by value)", () => {
    const dot = renderDot(validLab("no-talos.yaml")).split("\n");
    const at = (line: string) => {
      const i = dot.indexOf(line);
      assert.ok(i >= 0, `missing: ${line}`);
      return i;
    };
    assert.equal(
      dot[at('  r_rt [label="router rt') + 3],
      'trunk eth1", shape=hexagon, fillcolor="#fff5cc"];',
    );
    at('  internet -> r_rt [label="WAN eth0');
    at('203.0.113.10/24 via 203.0.113.1", dir=none, style=bold, color="#888888"];');
    at('  r_rt -> a_dmz [lhead=cluster_z_dmz, label="eth1.30');
    at(
      '  r_rt -> m_web [label="DNAT tcp/443", color="#c0392b", fontcolor="#c0392b", penwidth=1.5, constraint=false];',
    );
    for (const vm of ["files", "web"])
      at(`  m_hv -> m_${vm} [style=dashed, color="#7f8c8d", arrowhead=empty, constraint=false];`);
    const flows = at("  subgraph cluster_flows {");
    const arrows = dot.slice(flows).filter((l) => /^ {4}f_\w+ -> f_\w+ /.test(l));
    assert.deepEqual(arrows, [
      '    f_lan -> f_hyp [label="tcp/22", color="#2e86c1", fontcolor="#2e86c1"];',
      '    f_lan -> f_dmz [label="tcp/22, tcp/443", color="#2e86c1", fontcolor="#2e86c1"];',
      '    f_hyp -> f_dmz [label="tcp/22", color="#2e86c1", fontcolor="#2e86c1"];',
      '    f_dmz -> f_lan [label="tcp/2049 → files", color="#2e86c1", fontcolor="#2e86c1"];',
      '    f_lan -> f_wan [label="any", color="#2e86c1", fontcolor="#2e86c1"];',
    ]);
    at('    f_wan [label="Internet (wan)", shape=box, fillcolor="#eeeeee"];');
  });

  it("puts two flows between the same zones on one arrow, a line each", () => {
    const home = renderDot(homeLab());
    assert.ok(home.includes('    f_mgmt -> f_wan [label="any"'), home);
    const lab = validLab("no-talos.yaml");
    const twice = {
      ...lab,
      flows: [
        ...lab.flows,
        { ...lab.flows[0]!, ports: [{ protocol: "udp" as const, from: 53, to: 53 }] },
      ],
    };
    assert.ok(renderDot(twice).includes('    f_lan -> f_hyp [label="tcp/22\nudp/53"'));
  });

  it("lists zones, flows, machines, VMs, services and the cluster in tables", () => {
    const md = renderLabDoc(homeLab(), "home", "home.svg");
    assert.ok(
      md.includes(
        "| dmz | internal | tcp/80 | service website (10.0.20.50) | reverse proxy to the website's load balancer |",
      ),
    );
    assert.ok(md.includes("| gw1 | tcp/443 | proxy | 192.168.30.8:443 | dmz |"));
    assert.ok(
      md.includes(
        "| website | Kubernetes (LoadBalancer 10.0.20.50) | tcp/80 | www.home.arpa | public: www.example.com (via proxy proxy) |",
      ),
    );
    assert.ok(
      md.includes(
        "| atlas | br-internal (internal, enp3s0.20), br-dmz (dmz, enp3s0.30) | edge | debian | 2 | 2048 MiB | 10 GiB | 192.168.30.8 on br-dmz |",
      ),
    );
    assert.ok(
      md.includes(
        "| homelab | https://10.0.20.10:6443 | v1.13.9 | v1.34.1 | talos-cp1, talos-cp2, talos-cp3 | talos-w1, talos-w2, talos-w3 |",
      ),
    );
    assert.ok(md.includes("| talos-cp1 | VM on atlas | talos | internal | 10.0.20.11/24 | eth0 |"));
  });

  it("contains no secrets and never prints undefined", () => {
    const md = renderLabDoc(homeLab(), "home", "home.svg") + renderDot(homeLab());
    assert.doesNotMatch(md, /PRIVATE KEY|secure:|password|undefined|\[object Object\]/i);
  });

  it("is deterministic", () => {
    assert.equal(
      renderLabDoc(homeLab(), "home", "x.svg"),
      renderLabDoc(homeLab(), "home", "x.svg"),
    );
    assert.equal(renderDot(homeLab()), renderDot(homeLab()));
  });

  it("produces a graph Graphviz accepts for every valid variant", () => {
    for (const f of ["no-talos.yaml", "no-public.yaml", "single-node.yaml"] as const) {
      const r = run("dot", ["-Tsvg"], renderDot(validLab(f)));
      assert.equal(r.status, 0, `${f}: ${r.output.slice(0, 500)}`);
      assert.match(r.output, /<svg /);
    }
  });

  it("formats ports compactly", () => {
    assert.equal(
      formatPorts([
        { protocol: "tcp", from: 80, to: 80 },
        { protocol: "udp", from: 60000, to: 61000 },
        { protocol: "icmp" },
      ]),
      "tcp/80, udp/60000-61000, icmp",
    );
  });

  it("the committed docs of every stack are up to date (run `make docs`): Markdown, Mermaid and DOT by value", () => {
    assert.deepEqual(documentedStacks(), ["home"]);
    for (const stack of documentedStacks()) {
      const { markdown, dot } = renderStackDocs(stack);
      const committed = (ext: string) =>
        readFileSync(path.join(REPO, "docs", "lab", `${stack}.${ext}`), "utf8");
      assert.equal(committed("md"), markdown, `docs/lab/${stack}.md`);
      assert.equal(committed("dot"), dot, `docs/lab/${stack}.dot`);
      // The SVG's bytes depend on the Graphviz version: it only has to be drawn from this DOT.
      const svg = committed("svg");
      assert.ok(
        svg.includes(svgStamp(dot)),
        `docs/lab/${stack}.svg is not drawn from the current DOT`,
      );
      assert.match(svg, /<svg /);
    }
  });

  it("stamps the SVG with its DOT source, after the XML declaration", () => {
    const dot = renderDot(validLab("no-talos.yaml"));
    const svg = drawSvg(dot);
    assert.match(
      svg,
      /^<\?xml[^\n]*\n<!-- homelab-docs: drawn from DOT source sha256 [0-9a-f]{64} -->\n/,
    );
    assert.ok(svg.includes(svgStamp(dot)));
    assert.ok(!svg.includes(svgStamp(`${dot} `)), "another source has another stamp");
  });
});
