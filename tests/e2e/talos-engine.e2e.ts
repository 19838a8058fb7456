/**
 * The Talos cluster through the real engine (toolchain/: Pulumi CLI, language host, our command
 * provider with upstream's diff rules) and the talosctl stand-in on PATH: a 3+2 cluster
 * (tests/engine/talos) is created, previewed under version, endpoint, patch and node changes (the
 * secrets never change), then upgraded with an unhealthy etcd member in the way, and finished by a
 * re-run. Every pulumi command runs in an empty network namespace (loopback only). Needs no lab.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { STANDIN_BIN, TalosStandIn } from "../support/talosctl-standin";
import { TEST_DEPLOY_KEY } from "../support/program";
import { REPO } from "../support/stack";

const PROGRAM = path.join(REPO, "tests", "engine", "talos");
const STACK = `talos-e2e-${process.pid}`;
const STACK_FILE = path.join(PROGRAM, `Pulumi.${STACK}.yaml`);
const NODES = {
  cp1: "192.168.1.11",
  cp2: "192.168.1.12",
  cp3: "192.168.1.13",
  w1: "192.168.1.21",
  w2: "192.168.1.22",
};
const DEPLOY_KEY = "homelab:deployPrivateKey";
const ipName = new Map(Object.entries(NODES).map(([n, ip]) => [ip, n]));

/** The toolchain's environment (pulumi, the language host, PULUMI_HOME with the command plugin). */
function toolchainEnv(): NodeJS.ProcessEnv {
  const r = spawnSync("bash", ["-c", ". toolchain/env.sh >/dev/null && env -0"], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`toolchain/env.sh failed: ${r.stderr}`);
  return Object.fromEntries(
    r.stdout
      .split("\0")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("engine: a Talos cluster through the real engine and the talosctl stand-in", function () {
  this.timeout(3_600_000);
  let t: TalosStandIn;
  let backend: string;
  let env: NodeJS.ProcessEnv;
  const inventory = parse(readFileSync(path.join(PROGRAM, "inventory.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const talos = () => inventory.config["homelab:talos"] as Record<string, unknown>;

  /** pulumi in an empty network namespace (loopback up: the engine talks to its plugins there). */
  const pulumi = (args: string[]) => {
    const r = spawnSync(
      "unshare",
      ["--net", "sh", "-c", 'ip link set lo up && exec pulumi "$@"', "pulumi", ...args],
      {
        cwd: PROGRAM,
        env,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        timeout: 1_800_000,
      },
    );
    if (r.error) throw r.error;
    return { status: r.status ?? -1, stdout: r.stdout, output: `${r.stdout}${r.stderr}` };
  };
  /** Rewrites the stack's config, keeping the deploy key (a secret the program requires). */
  const writeConfig = (config: Record<string, unknown>) => {
    const file = parse(readFileSync(STACK_FILE, "utf8")) as { config?: Record<string, unknown> };
    const key = file.config?.[DEPLOY_KEY];
    writeFileSync(
      STACK_FILE,
      stringify({ ...file, config: { ...config, ...(key ? { [DEPLOY_KEY]: key } : {}) } }),
    );
  };
  const withTalos = (change: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...inventory.config,
    ...extra,
    "homelab:talos": { ...talos(), ...change },
  });
  /** `pulumi preview --json`: the changed resources as "op name". */
  const preview = () => {
    const r = pulumi(["preview", "--json", "--non-interactive", "--stack", STACK]);
    assert.equal(r.status, 0, r.output.slice(-4000));
    const digest = JSON.parse(r.stdout) as { steps?: { op: string; urn: string }[] };
    return (digest.steps ?? [])
      .filter((s) => !["same", "read", "refresh"].includes(s.op))
      .map((s) => `${s.op} ${s.urn.split("::").pop()!}`)
      .sort();
  };
  const up = () => pulumi(["up", "--yes", "--non-interactive", "--skip-preview", "--stack", STACK]);
  const upgraded = () => t.callsOf("upgrade").map((c) => ipName.get(c.node!) ?? c.node);

  before(() => {
    t = new TalosStandIn();
    for (const ip of Object.values(NODES)) t.addNode(ip);
    backend = mkdtempSync(path.join(tmpdir(), "homelab-talos-engine-"));
    env = {
      ...toolchainEnv(),
      PATH: `${STANDIN_BIN}:${toolchainEnv().PATH}`,
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: "talos-engine-test",
      TALOSCTL_STANDIN_STATE: t.dir,
      TALOSCTL_STANDIN_CLIENT_VERSION: "v1.13.9",
      HOMELAB_TALOS_POLL_SEC: "0.2",
    };
    const init = pulumi(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
    assert.equal(init.status, 0, init.output);
    writeConfig(inventory.config);
    // The program requires the deploy key as a secret even though no SSH host is provisioned here.
    const key = pulumi([
      "config",
      "set",
      "--secret",
      "--stack",
      STACK,
      "--",
      DEPLOY_KEY,
      TEST_DEPLOY_KEY,
    ]);
    assert.equal(key.status, 0, key.output);
  });
  after(() => {
    rmSync(STACK_FILE, { force: true });
    rmSync(backend, { recursive: true, force: true });
    t.cleanup();
  });

  it("pulumi up creates the cluster from maintenance mode, generating the secrets once", () => {
    const r = up();
    assert.equal(r.status, 0, r.output.slice(-6000));
    for (const [name, ip] of Object.entries(NODES)) {
      assert.equal(t.node(ip).mode, "running", name);
      assert.equal(t.node(ip).version, "v1.13.9", name);
    }
    assert.equal(t.cluster().bootstrapped, true);
    assert.equal(t.callsOf("secrets").length, 1);
    assert.deepEqual(preview(), [], "converged: nothing to do");
  });

  it("preview: a Talos and Kubernetes version change re-runs the rollout steps, never the secrets", () => {
    writeConfig(withTalos({ talosVersion: "v1.13.10", kubernetesVersion: "v1.34.2" }));
    const changes = preview();
    for (const n of Object.keys(NODES)) {
      assert.ok(
        changes.includes(`update engine-${n}-upgrade`),
        `${n} upgrade: ${changes.join(", ")}`,
      );
      assert.ok(changes.includes(`update engine-${n}-apply`), n);
    }
    assert.ok(changes.includes("update engine-kubernetes"));
    assert.equal(changes.filter((c) => / engine-secrets$/.test(c)).length, 0, changes.join(", "));
    assert.equal(
      changes.filter((c) => / engine-talosconfig$/.test(c)).length,
      0,
      "versions do not reach the talosconfig",
    );
  });

  it("preview: endpoint, patch and node-list changes leave the secrets untouched", () => {
    const hosts = { ...(inventory.config["homelab:hosts"] as Record<string, unknown>) };
    delete hosts.w2;
    writeConfig(
      withTalos(
        {
          vip: "192.168.1.9",
          workers: ["w1"],
          patches: { all: [{ machine: { sysctls: { "vm.max_map_count": "262144" } } }] },
        },
        { "homelab:hosts": hosts },
      ),
    );
    const changes = preview();
    assert.ok(changes.includes("update engine-talosconfig"), changes.join(", "));
    assert.ok(changes.includes("delete engine-w2-apply"), changes.join(", "));
    assert.ok(changes.includes("update engine-cp1-config"));
    assert.equal(changes.filter((c) => / engine-secrets$/.test(c)).length, 0, changes.join(", "));
  });

  it("up: the upgrade stops at the node whose etcd is unhealthy; a re-run continues from it", () => {
    writeConfig(withTalos({ talosVersion: "v1.13.10" }));
    env.TALOSCTL_STANDIN_CLIENT_VERSION = "v1.13.10";
    t.updateNode(NODES.cp2, (n) => (n.faults.etcd = "unhealthy"));
    t.clearCalls();
    const failed = up();
    assert.notEqual(failed.status, 0);
    assert.match(
      failed.output,
      /homelab: Talos node cp2 \(192\.168\.1\.12\): etcd is not healthy \(talosctl service etcd\) after 30 s\. The rollout stopped here/,
    );
    assert.deepEqual(upgraded(), ["cp1", "cp2"]);
    assert.deepEqual(
      Object.values(NODES).map((ip) => t.node(ip).version),
      ["v1.13.10", "v1.13.10", "v1.13.9", "v1.13.9", "v1.13.9"],
    );

    t.updateNode(NODES.cp2, (n) => {
      n.faults = {};
      n.etcd.healthy = true;
    });
    t.clearCalls();
    const rerun = up();
    assert.equal(rerun.status, 0, rerun.output.slice(-6000));
    assert.deepEqual(upgraded(), ["cp3", "w1", "w2"], "cp1 is done; cp2 was already on v1.13.10");
    for (const ip of Object.values(NODES)) assert.equal(t.node(ip).version, "v1.13.10");
    assert.equal(t.callsOf("secrets").length, 0, "no new secrets on any run after the first");
  });
});
