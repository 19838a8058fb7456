/**
 * The rendered talosctl steps run for real against the talosctl stand-in (v1.13.9 contract), in the
 * order the component chains them: a 3+2 cluster is created from maintenance mode, then upgraded,
 * reconfigured and moved to a new Kubernetes version, with gates, failures and re-runs.
 */
import * as assert from "node:assert/strict";
import type { TalosCluster } from "../../../model/lab";
import { talosSecretsProblems } from "../../../model/talos-secrets";
import { talosNodes, talosRolloutIntent, talosStages } from "../../../renderers/talos-rollout";
import {
  renderKubernetesUpgrade,
  renderSecretsCreate,
  renderSecretsKeep,
  renderTalosconfig,
} from "../../../renderers/talos-steps";
import { homeLab } from "../../support/labs";
import { ClusterDrive, ok, withGate } from "../../support/talos-drive";
import { TalosStandIn } from "../../support/talosctl-standin";

const home = homeLab().talos!;
/** 3 control planes + 2 workers, gates of 3 s. */
const base: TalosCluster = withGate({ ...home, workers: home.workers.slice(0, 2) }, 3);
const bumped = (c: TalosCluster, talosVersion: string): TalosCluster => ({ ...c, talosVersion });
const NEXT = "v1.13.10";
const order = (t: TalosStandIn, sub: string) =>
  t.callsOf(sub).map((c) => talosNodes(base).find((n) => n.address === c.node)?.name ?? c.node);

describe("renderer: Talos rollout plan", () => {
  it("control planes one at a time, then workers in batches of workersAtOnce", () => {
    const names = (c: TalosCluster) => talosStages(c).map((s) => s.map((n) => n.name));
    assert.deepEqual(names(home), [
      ["talos-cp1"],
      ["talos-cp2"],
      ["talos-cp3"],
      ["talos-w1"],
      ["talos-w2"],
      ["talos-w3"],
    ]);
    assert.deepEqual(names(withGate(home, 600, 2)), [
      ["talos-cp1"],
      ["talos-cp2"],
      ["talos-cp3"],
      ["talos-w1", "talos-w2"],
      ["talos-w3"],
    ]);
  });

  it("publishes the plan as an intent: upgrade, Kubernetes, machine config, each in stage order", () => {
    const i = talosRolloutIntent("homelab", withGate(home, 600, 2));
    assert.equal(i.kind, "rollout");
    assert.deepEqual(
      i.phases.map((p) => p.name),
      [
        "Talos upgrade to v1.13.9",
        "Kubernetes upgrade to v1.34.1 (talosctl upgrade-k8s)",
        "Machine config (talosctl apply-config, without a reboot where Talos allows)",
      ],
    );
    assert.deepEqual(i.phases[0]!.stages[3], {
      members: ["talos-w1", "talos-w2"],
      resources: ["homelab-talos-w1-upgrade", "homelab-talos-w2-upgrade"],
    });
    assert.deepEqual(i.phases[1]!.stages, [
      { members: ["homelab"], resources: ["homelab-kubernetes"] },
    ]);
    assert.match(i.gate, /at most 600 s per node/);
  });
});

describe("renderer: Talos steps run against the talosctl stand-in", function () {
  this.timeout(900_000);
  let created: TalosStandIn;
  let drive: ClusterDrive;
  let configs: Map<string, string>;
  let t: TalosStandIn;

  before(() => {
    created = new TalosStandIn();
    for (const n of talosNodes(base)) created.addNode(n.address);
    drive = new ClusterDrive(created);
    configs = drive.create(base);
  });
  after(() => created.cleanup());
  beforeEach(() => {
    t = created.clone();
    t.clearCalls();
  });
  afterEach(() => t.cleanup());
  /** The same cluster driven on the cloned state. */
  const on = (s: TalosStandIn) =>
    Object.assign(new ClusterDrive(s, drive.secrets), { talosconfig: drive.talosconfig });

  it("creates the cluster from maintenance mode: installed on the declared version, etcd bootstrapped once", () => {
    for (const n of talosNodes(base)) {
      const s = created.node(n.address);
      assert.equal(s.mode, "running", n.name);
      assert.equal(s.version, "v1.13.9", n.name);
      assert.equal(s.hostname, n.name);
      assert.equal(s.etcd.member, n.role === "controlplane", n.name);
    }
    assert.equal(created.cluster().bootstrapped, true);
    assert.equal(created.callsOf("bootstrap").length, 1);
    // A node in maintenance mode is installed by its apply; the upgrade step leaves it alone.
    assert.equal(created.callsOf("upgrade").length, 0);
    assert.deepEqual(talosSecretsProblems(drive.secrets), []);
  });

  it("upgrades node by node: control planes one at a time, each gated before the next, then the workers", () => {
    t.clientVersion = NEXT;
    const c = bumped(base, NEXT);
    const d = on(t);
    for (const o of d.phase(c, "upgrade")) ok(`upgrade ${o.node}`, o.result);
    assert.deepEqual(order(t, "upgrade"), [
      "talos-cp1",
      "talos-cp2",
      "talos-cp3",
      "talos-w1",
      "talos-w2",
    ]);
    for (const n of talosNodes(base)) assert.equal(t.node(n.address).version, NEXT, n.name);
    // The gate of each control plane ran before the next node's upgrade: etcd membership checked
    // against the node just upgraded, between the two upgrade calls.
    const calls = t.calls();
    const at = (pred: (a: string[]) => boolean) => calls.findIndex(pred);
    const upgradeOf = (ip: string) => at((a) => a.includes("upgrade") && a.includes(ip));
    const etcdOf = (ip: string) => at((a) => a.includes("members") && a.includes(ip));
    for (const [cp, next] of [
      ["10.0.20.11", "10.0.20.12"],
      ["10.0.20.12", "10.0.20.13"],
      ["10.0.20.13", "10.0.20.21"],
    ] as const) {
      assert.ok(
        upgradeOf(cp) < etcdOf(cp) && etcdOf(cp) < upgradeOf(next),
        `${cp} gated before ${next}`,
      );
    }
    const image = t.callsOf("upgrade")[0]!.argv;
    assert.deepEqual(image.slice(image.indexOf("--image"), image.indexOf("--image") + 2), [
      "--image",
      `ghcr.io/siderolabs/installer:${NEXT}`,
    ]);
  });

  it("a failing gate stops the rollout at that node, naming it and what failed; a re-run continues from it", () => {
    t.clientVersion = NEXT;
    const c = bumped(base, NEXT);
    t.updateNode("10.0.20.12", (n) => (n.faults.etcd = "unhealthy"));
    const d = on(t);
    const first = d.phase(c, "upgrade");
    assert.deepEqual(
      first.map((o) => [o.node, o.result.status]),
      [
        ["talos-cp1", 0],
        ["talos-cp2", 1],
      ],
    );
    assert.match(
      first[1]!.result.output,
      /homelab: Talos node talos-cp2 \(10\.0\.20\.12\): etcd is not healthy \(talosctl service etcd\) after 3 s\. The rollout stopped here: the nodes after it were not changed\./,
    );
    assert.deepEqual(
      talosNodes(base).map((n) => [n.name, t.node(n.address).version]),
      [
        ["talos-cp1", NEXT],
        ["talos-cp2", NEXT],
        ["talos-cp3", "v1.13.9"],
        ["talos-w1", "v1.13.9"],
        ["talos-w2", "v1.13.9"],
      ],
      "the remaining nodes stay on the old version",
    );
    // The operator repairs etcd on cp2; the next run re-runs cp2's step (its update failed) and
    // every step after it; cp1's step is done and does not run again.
    t.updateNode("10.0.20.12", (n) => {
      n.faults = {};
      n.etcd.healthy = true;
    });
    t.clearCalls();
    const rerun = d.phase(c, "upgrade", { from: 1 });
    for (const o of rerun) ok(`re-run ${o.node}`, o.result);
    assert.match(rerun[0]!.result.output, /talos-cp2 \(10\.0\.20\.12\) already runs v1\.13\.10/);
    assert.deepEqual(order(t, "upgrade"), ["talos-cp3", "talos-w1", "talos-w2"]);
    for (const n of talosNodes(base)) assert.equal(t.node(n.address).version, NEXT, n.name);
  });

  it("a node that does not come back, or boots the old version again, stops the rollout with the reason", () => {
    t.clientVersion = NEXT;
    const c = bumped(base, NEXT);
    t.updateNode("10.0.20.11", (n) => (n.faults.upgrade = "no-return"));
    let out = on(t).phase(c, "upgrade");
    assert.equal(out.length, 1);
    assert.equal(out[0]!.result.status, 1);
    assert.match(
      out[0]!.result.output,
      /Talos node talos-cp1 \(10\.0\.20\.11\): talosctl upgrade --image ghcr\.io\/siderolabs\/installer:v1\.13\.10 failed\. The rollout stopped here/,
    );
    const u = created.clone();
    try {
      u.clientVersion = NEXT;
      u.updateNode("10.0.20.11", (n) => (n.faults.upgrade = "rollback"));
      out = on(u).phase(c, "upgrade");
      assert.equal(out.length, 1);
      assert.match(
        out[0]!.result.output,
        /Talos node talos-cp1 \(10\.0\.20\.11\): is not back on v1\.13\.10 over mTLS \(it reports: v1\.13\.9\) after 3 s/,
      );
    } finally {
      u.cleanup();
    }
  });

  it("workers go at most workersAtOnce at a time (stages), control planes still one by one", () => {
    t.clientVersion = NEXT;
    const c = withGate(bumped(base, NEXT), 3, 2);
    const out = on(t).phase(c, "upgrade");
    for (const o of out) ok(o.node, o.result);
    assert.deepEqual(
      talosStages(c).map((s) => s.map((n) => n.name)),
      [["talos-cp1"], ["talos-cp2"], ["talos-cp3"], ["talos-w1", "talos-w2"]],
    );
    assert.deepEqual(order(t, "upgrade"), [
      "talos-cp1",
      "talos-cp2",
      "talos-cp3",
      "talos-w1",
      "talos-w2",
    ]);
  });

  it("applies a live change without a reboot (--mode no-reboot), one node at a time, gated", () => {
    const c: TalosCluster = {
      ...base,
      patches: {
        ...base.patches,
        all: [{ apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: ["10.0.20.2"] } }],
      },
    };
    const d = on(t);
    const boots = talosNodes(base).map((n) => t.node(n.address).bootId);
    for (const o of d.phase(c, "apply", { configs: d.configs(c) })) ok(`apply ${o.node}`, o.result);
    const applies = t.callsOf("apply-config").filter((a) => !a.argv.includes("--dry-run"));
    assert.deepEqual(
      applies.map((a) => [a.node, a.argv[a.argv.indexOf("--mode") + 1]]),
      talosNodes(base).map((n) => [n.address, "no-reboot"]),
    );
    assert.deepEqual(
      talosNodes(base).map((n) => t.node(n.address).bootId),
      boots,
      "no node rebooted",
    );
    assert.match(t.node("10.0.20.21").config!, /10\.0\.20\.2/);
  });

  it("applies a change that needs a reboot with --mode reboot and waits for the new boot before the gate", () => {
    const c: TalosCluster = { ...base, installDisk: "/dev/sda" };
    const d = on(t);
    const boots = talosNodes(base).map((n) => t.node(n.address).bootId);
    const out = d.phase(c, "apply", { configs: d.configs(c) });
    for (const o of out) ok(`apply ${o.node}`, o.result);
    assert.match(out[0]!.result.output, /applying the machine config \(--mode reboot\)/);
    talosNodes(base).forEach((n, i) => assert.notEqual(t.node(n.address).bootId, boots[i], n.name));
  });

  it("upgrades Kubernetes with talosctl upgrade-k8s through the first control plane", () => {
    const c: TalosCluster = { ...base, kubernetesVersion: "v1.34.2" };
    const r = ok("upgrade-k8s", t.step(renderKubernetesUpgrade(c), { env: on(t).env() }));
    assert.match(r.output, /upgrading Kubernetes to v1\.34\.2/);
    assert.equal(t.cluster().kubernetesVersion, "1.34.2");
    assert.deepEqual(
      t.callsOf("upgrade-k8s").map((x) => x.node),
      ["10.0.20.11"],
    );
    // The applies that follow find the nodes already on the new images: nothing reboots.
    const d = on(t);
    for (const o of d.phase(c, "apply", { configs: d.configs(c) })) {
      ok(o.node, o.result);
      assert.match(o.result.output, /--mode no-reboot/);
    }
  });

  it("the secrets' update keeps the previous bundle, and refuses to invent one without it", () => {
    const kept = t.step(renderSecretsKeep(), { env: { PULUMI_COMMAND_STDOUT: drive.secrets } });
    assert.equal(ok("keep", kept).stdout, drive.secrets);
    const none = t.step(renderSecretsKeep());
    assert.equal(none.status, 1);
    assert.match(none.output, /refusing to generate a new one \(every node trusts the old CA\)/);
    assert.equal(t.callsOf("gen").length, 0, "no talosctl gen secrets on update");
  });

  it("models the failure the secrets-once rule prevents: a talosconfig from new secrets is refused over mTLS", () => {
    const fresh = ok("gen", t.step(renderSecretsCreate())).stdout;
    const tc = ok("tc", t.step(renderTalosconfig(base), { stdin: fresh })).stdout;
    t.step(`printf '%s' "$TC" > tc`, { env: { TC: tc } });
    const r = t.talosctl([
      "--talosconfig",
      "tc",
      "-n",
      "10.0.20.11",
      "-e",
      "10.0.20.11",
      "version",
    ]);
    assert.equal(r.status, 1);
    assert.match(r.output, /x509: certificate signed by unknown authority/);
    assert.equal(
      on(t).configs(base).get("talos-cp1"),
      configs.get("talos-cp1"),
      "same secrets, same config",
    );
  });
});
