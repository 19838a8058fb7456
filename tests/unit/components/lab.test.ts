import * as assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { RESOURCE_TYPES } from "../../../model/tokens";
import { INTENT_TYPE } from "../../../model/intent";
import { FIXTURES } from "../../support/corpus";
import { waveIntent } from "../../../renderers/waves";
import { byName, isSecret, reveal } from "../../support/inputs";
import { homeLab } from "../../support/labs";
import { dependencyNames, duplicateUrns, RunResult } from "../../support/mocks";
import { homeConfig, runProgram, TEST_DEPLOY_KEY, validConfig } from "../../support/program";

function countByType(r: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of r.resources) out[x.type] = (out[x.type] ?? 0) + 1;
  return out;
}

describe("the home stack under mocks (index.ts)", function () {
  this.timeout(60000);
  let home: RunResult;
  before(async () => {
    home = await runProgram(homeConfig());
  });

  it("runs without error and produces the full resource graph", () => {
    assert.equal(home.error, undefined);
    assert.deepEqual(countByType(home), {
      "pulumi:pulumi:Stack": 1,
      "homelab:index:Lab": 1,
      "homelab:net:Router": 1,
      "homelab:compute:Hypervisor": 3,
      "homelab:compute:Vm": 9,
      "homelab:linux:Host": 3, // hermes, edge, iris
      "homelab:nixos:Host": 1, // infra1
      "homelab:talos:Cluster": 1,
      "homelab:k8s:Workloads": 1,
      "homelab:dns:Public": 1,
      "homelab:ssh:ConfigUnit": 29, // router 4 + hypervisors 3×3 + VMs 9 + Debian guests 3×2 + NixOS 1
      "homelab:intent:Record": 25, // + the Talos rollout plan and the hypervisors wave
      "command:remote:Command": 53, // 29 applies (files on stdin) + 1 MariaDB users + 5 probe runs + 9 VM restarts + 9 VM removals
      "pulumi-nodejs:dynamic/homelab:LiveState": 29, // one per unit
      "pulumi-nodejs:dynamic/homelab:SshPort": 8, // one per SSH host
      "homelab:verify:Probes": 1,
      "command:local:Command": 23, // Talos: secrets, talosconfig, 6×(config+upgrade+apply), kubernetes, bootstrap, kubeconfig
      "random:index/randomPassword:RandomPassword": 2,
      "pulumi:providers:kubernetes": 1,
      "kubernetes:apps/v1:Deployment": 1,
      "kubernetes:core/v1:Service": 1,
      "homelab:k8s:LoadBalancer": 1, // kube-vip: account, role, binding, DaemonSet
      "kubernetes:core/v1:ServiceAccount": 1,
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 1,
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 1,
      "kubernetes:apps/v1:DaemonSet": 1,
      "cloudflare:index/dnsRecord:DnsRecord": 2,
    });
  });

  it("a rollout wave chains its members: each hypervisor waits for the whole one before it, the rest stays parallel", () => {
    const lab = homeLab();
    const deps = (n: string) =>
      dependencyNames(
        byName(home.resources, "pulumi-nodejs:dynamic/homelab:SshPort", `${n}-ssh-port`),
      );
    /** A VM's own resources on its hypervisor: its domain's units, its restart and its removal. */
    const ofVm = (v: string, n: string) =>
      n.startsWith(`${v}-domain-`) || n === `${v}-restart` || n === `${v}-removal`;
    /** Every custom resource of a hypervisor's component: its units and its VMs' domains, restarts
     * and removals. */
    const hypervisor = (h: string) => {
      const vms = lab.hypervisors.find((x) => x.name === h)!.vms.map((v) => v.name);
      return (
        home.resources
          .filter((r) => r.custom)
          .map((r) => r.name)
          // (the machine's probe run belongs to the lab's Verification, which runs after everything)
          .filter((n) => !/-probes(\.sh)?$/.test(n))
          .filter((n) => n.startsWith(`${h}-`) || vms.some((v) => ofVm(v, n)))
      );
    };
    const router = deps("atlas");
    assert.ok(
      router.length > 0 && router.every((n) => n.startsWith("gw1-")),
      "atlas: only the router",
    );
    assert.deepEqual(deps("jefke"), [...new Set([...router, ...hypervisor("atlas")])].sort());
    assert.deepEqual(deps("lewis"), [...new Set([...router, ...hypervisor("jefke")])].sort());
    // Guests are in no wave: each waits for its own VM only, not for one another.
    assert.ok(
      deps("hermes").every((n) => ofVm("hermes", n)),
      deps("hermes").join(", "),
    );
    assert.ok(
      deps("edge").every((n) => ofVm("edge", n)),
      deps("edge").join(", "),
    );
    assert.deepEqual(
      byName(home.resources, INTENT_TYPE, "test-wave-hypervisors").inputs.intent,
      JSON.parse(JSON.stringify(waveIntent(lab.waves[0]!))),
    );
  });

  it("registers every URN once (child names are unique across all instances)", () => {
    assert.equal(home.urns.length, home.resources.length);
    assert.deepEqual(duplicateUrns(home.urns), []);
  });

  it("connects to every SSH host key-only, with its pinned host key, as a secret connection", () => {
    const remote = home.resources.filter(
      (r) =>
        r.type.startsWith("command:remote:") ||
        r.type === RESOURCE_TYPES.liveState ||
        r.type === "pulumi-nodejs:dynamic/homelab:SshPort",
    );
    const hosts = new Set<string>();
    for (const r of remote) {
      assert.ok(isSecret(r.inputs.connection), r.name);
      const c = reveal<Record<string, unknown>>(r.inputs.connection);
      assert.equal(c.privateKey, TEST_DEPLOY_KEY, r.name);
      assert.match(String(c.hostKey), /^ssh-ed25519 AAAA[0-9A-Za-z+/]+=*$/, r.name);
      assert.equal("password" in c && c.password !== undefined, false, r.name);
      hosts.add(String(c.host));
    }
    assert.deepEqual([...hosts].sort(), [
      "10.0.10.1", // gw1
      "10.0.10.5", // iris
      "10.0.20.5", // infra1
      "192.168.30.7", // hermes
      "192.168.30.8", // edge
      "192.168.40.2", // atlas
      "192.168.40.3", // lewis
      "192.168.40.4", // jefke
    ]);
  });

  it("never puts the deploy key anywhere but connections", () => {
    for (const r of home.resources) {
      const rest: Record<string, unknown> = { ...r.inputs };
      delete rest.connection;
      assert.doesNotMatch(JSON.stringify(rest), /OPENSSH PRIVATE KEY/, `${r.type} ${r.name}`);
    }
  });

  it("publishes one machine intent per machine, plus router, hypervisor, zones, versions, Talos and exposures", () => {
    const intents = home.resources
      .filter((r) => r.type === INTENT_TYPE)
      .map((r) => (r.inputs.intent as { kind: string }).kind);
    const count = (k: string) => intents.filter((x) => x === k).length;
    assert.equal(count("machine"), 14);
    assert.equal(count("router"), 1);
    assert.equal(count("hypervisor"), 3);
    assert.equal(count("zones"), 1);
    assert.equal(count("versions"), 1);
    assert.equal(count("talos"), 1);
    assert.equal(count("exposure"), 2);
  });
});

describe("valid variants build under mocks", function () {
  this.timeout(60000);
  for (const f of readdirSync(path.join(FIXTURES, "valid")).sort()) {
    it(f, async () => {
      const r = await runProgram(validConfig(f));
      assert.equal(r.error, undefined, r.error?.message);
      assert.deepEqual(duplicateUrns(r.urns), []);
      assert.ok(r.resources.some((x) => x.type === "homelab:net:Router"));
    });
  }
});

describe("devices and several routers under mocks (seeds 001-004)", function () {
  this.timeout(60000);

  it("publishes a device's intent record and opens no connection to it", async () => {
    const r = await runProgram(validConfig("flat-home-lan.yaml"));
    assert.equal(r.error, undefined, r.error?.message);
    const device = r.resources.find((x) => x.type === INTENT_TYPE && x.name === "nas-intent")!;
    assert.deepEqual(device.inputs.intent, {
      kind: "machine",
      name: "nas",
      role: "device",
      path: "homelab:devices.nas",
      os: "none",
      addresses: [{ zone: "home", address: "10.0.0.20", interface: "eth0" }],
      openPorts: [{ protocol: "tcp", from: 2049, to: 2049 }],
      services: ["files"],
    });
    const devices = ["10.0.0.20", "10.0.0.50", "10.0.1.30", "192.168.1.1"];
    for (const x of r.resources.filter((y) => y.type.startsWith("command:remote:"))) {
      const host = String((x.inputs.connection as Record<string, unknown>).host);
      assert.ok(!devices.includes(host), `${x.name} connects to a device (${host})`);
    }
    assert.equal(
      r.resources.filter((x) => /^(nas|printer|banana|house-router)-/.test(x.name)).length,
      4,
    );
  });

  it("gives each router of seed 004 its own components and records, the paths in them", async () => {
    const r = await runProgram(validConfig("cascaded-firewalls.yaml"));
    assert.equal(r.error, undefined, r.error?.message);
    const routers = r.resources.filter((x) => x.type === "homelab:net:Router").map((x) => x.name);
    assert.deepEqual(routers.sort(), ["edge", "fw-data", "fw-games"]);
    const record = r.resources.find((x) => x.name === "fw-data-router-intent")!;
    const flows = (
      record.inputs.intent as { flows: { from: string; to: string; path?: string[] }[] }
    ).flows;
    assert.deepEqual(
      flows.map((f) => `${f.from}->${f.to} ${f.path?.join(">")}`),
      ["dmz->data edge>fw-data", "data->wan fw-data>edge", "data->dmz fw-data>edge"],
    );
  });
});
