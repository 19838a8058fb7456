import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as net from "node:net";
import { planProbes, Probe, renderProbeScript } from "../../../renderers/probes";
import { homeLab } from "../../support/labs";

describe("renderer: post-apply reachability probes", function () {
  this.timeout(20000);

  it("plans probes from inside each zone for the home lab (by value)", () => {
    const plans = planProbes(homeLab()).map((p) => ({
      from: `${p.vantage} (${p.zone})`,
      probes: p.probes.map((x) => `${x.expect} ${x.address}:${x.port} ${x.what}`),
    }));
    assert.deepEqual(plans, [
      {
        from: "atlas (hypervisors)",
        probes: [
          "reach 192.168.30.8:22 hypervisors → dmz: edge 192.168.30.8 tcp/22 (ssh) is allowed",
          "reach 192.168.30.8:80 hypervisors → dmz: edge 192.168.30.8 tcp/80 (flow “hypervisors may reach their DMZ guests (seed 003)”)",
          "reach 192.168.30.8:443 hypervisors → dmz: edge 192.168.30.8 tcp/443 (flow “hypervisors may reach their DMZ guests (seed 003)”)",
          "dropped 10.0.20.5:22 hypervisors → internal: infra1 10.0.20.5 tcp/22 (ssh) has no flow",
          "dropped 10.0.10.5:22 hypervisors → mgmt: iris 10.0.10.5 tcp/22 (ssh) has no flow",
          "dropped 10.0.10.1:22 hypervisors → router gw1 10.0.10.1 tcp/22 (ssh only from mgmt)",
        ],
      },
      {
        from: "edge (dmz)",
        probes: [
          "dropped 192.168.40.2:22 dmz → hypervisors: atlas 192.168.40.2 tcp/22 (ssh) has no flow",
          "dropped 10.0.20.5:22 dmz → internal: infra1 10.0.20.5 tcp/22 (ssh) is outside the declared flows",
          "dropped 10.0.10.5:22 dmz → mgmt: iris 10.0.10.5 tcp/22 (ssh) has no flow",
          "dropped 10.0.10.1:22 dmz → router gw1 10.0.10.1 tcp/22 (ssh only from mgmt)",
        ],
      },
      {
        from: "gw1 (router)",
        probes: [
          "answer 192.168.30.8:80 published tcp/80 → proxy at 192.168.30.8:80 answers",
          "answer 192.168.30.8:443 published tcp/443 → proxy at 192.168.30.8:443 answers",
        ],
      },
      {
        from: "infra1 (internal)",
        probes: [
          "dropped 192.168.30.8:22 internal → dmz: edge 192.168.30.8 tcp/22 (ssh) is outside the declared flows",
          "reach 192.168.30.7:53 internal → dmz: hermes 192.168.30.7 tcp/53 (flow “internal clients may query the DMZ resolver”)",
          "dropped 192.168.40.2:22 internal → hypervisors: atlas 192.168.40.2 tcp/22 (ssh) has no flow",
          "dropped 10.0.10.5:22 internal → mgmt: iris 10.0.10.5 tcp/22 (ssh) has no flow",
          "dropped 10.0.10.1:22 internal → router gw1 10.0.10.1 tcp/22 (ssh only from mgmt)",
        ],
      },
      {
        from: "iris (mgmt)",
        probes: [
          "reach 192.168.30.8:22 mgmt → dmz: edge 192.168.30.8 tcp/22 (ssh) is allowed",
          "reach 192.168.30.8:80 mgmt → dmz: edge 192.168.30.8 tcp/80 (flow “administration”)",
          "reach 192.168.30.8:443 mgmt → dmz: edge 192.168.30.8 tcp/443 (flow “administration”)",
          "reach 192.168.40.2:22 mgmt → hypervisors: atlas 192.168.40.2 tcp/22 (ssh) is allowed",
          "reach 10.0.20.5:22 mgmt → internal: infra1 10.0.20.5 tcp/22 (ssh) is allowed",
        ],
      },
    ]);
  });

  it("a DMZ → hypervisor flow turns the DMZ's probe into an expected reach", () => {
    const lab = homeLab([
      { set: "homelab:flows[10]", value: { from: "dmz", to: "hypervisors", ports: ["tcp/22"] } },
    ]);
    const edge = planProbes(lab).find((p) => p.vantage === "edge")!;
    assert.equal(edge.probes[0]!.expect, "reach");
    assert.match(
      edge.probes[0]!.what,
      /dmz → hypervisors: atlas 192\.168\.40\.2 tcp\/22 \(ssh\) is allowed/,
    );
  });

  describe("the script, run for real", () => {
    let server: net.Server;
    let open = 0;
    let closed = 0;
    before(async () => {
      server = net.createServer((s) => s.end());
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      open = (server.address() as net.AddressInfo).port;
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
      closed = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
    });
    after(() => server.close());

    const runProbes = (probes: Probe[]) => {
      const r = spawnSync("bash", ["-c", renderProbeScript({ vantage: "v", zone: "z", probes })], {
        encoding: "utf8",
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it("passes when accepted and refused match the expectations", () => {
      const r = runProbes([
        { what: "open", address: "127.0.0.1", port: open, expect: "answer" },
        { what: "refused counts as reached", address: "127.0.0.1", port: closed, expect: "reach" },
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), [
        "ok    open: accepted",
        "ok    refused counts as reached: refused",
      ]);
    });

    it("tells a dropped packet (no answer) from a refused one, behind a real nftables drop", () => {
      // A private network namespace whose loopback drops tcp/9 silently, like a router's policy drop.
      const script = renderProbeScript({
        vantage: "v",
        zone: "z",
        probes: [
          { what: "dropped by the firewall", address: "127.0.0.1", port: 9, expect: "dropped" },
          { what: "but expected to reach", address: "127.0.0.1", port: 9, expect: "reach" },
        ],
      });
      const r = spawnSync(
        "unshare",
        [
          "--net",
          "sh",
          "-c",
          'ip link set lo up && nft "add table inet t; add chain inet t in { type filter hook input priority 0; policy accept; }; add rule inet t in tcp dport 9 drop" && bash -c "$0"',
          script,
        ],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 1, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), [
        "ok    dropped by the firewall: no answer (dropped)",
        "FAIL  but expected to reach: expected reach, got no answer (dropped)",
      ]);
    });

    it("fails naming the vantage and each failed check", () => {
      const r = runProbes([
        {
          what: "service behind the port-forward",
          address: "127.0.0.1",
          port: closed,
          expect: "answer",
        },
        { what: "DMZ to hypervisor", address: "127.0.0.1", port: open, expect: "dropped" },
        { what: "fine", address: "127.0.0.1", port: open, expect: "reach" },
      ]);
      assert.equal(r.status, 1);
      assert.deepEqual(r.stderr.trim().split("\n"), [
        "homelab: verify from v: service behind the port-forward: expected answer, got refused",
        "homelab: verify from v: DMZ to hypervisor: expected dropped, got accepted",
        "homelab: verify from v: 2 of 3 reachability checks failed",
      ]);
    });
  });
});
