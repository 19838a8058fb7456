/**
 * End to end, issue 21: a second simulated lab (lab/multi-router.yaml, lab "multi" next to the main
 * one) with two routers joined by an uplink — seed 004's cascaded firewalls, every zone untagged on
 * a NIC of its own, and an unmanaged NAS. `pulumi up` converges it (the post-apply probes included);
 * then real packets: each declared flow passes through both routers, everything else is dropped, and
 * each router enforces its hop by itself. The lab is removed afterwards.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { REPO } from "../support/stack";
import { transcript } from "./support";

const LAB = {
  HOMELAB_LAB: "multi",
  HOMELAB_LAB_INVENTORY: "lab/multi-router.yaml",
  HOMELAB_LAB_OOB: "172.29.0",
};
const env = { ...process.env, ...LAB };

function run(cmd: string, args: string[], timeoutSec = 900): { status: number; output: string } {
  const r = spawnSync(cmd, args, {
    cwd: REPO,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutSec * 1000,
  });
  if (r.error) throw r.error;
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  transcript.push(`$ ${cmd} ${args.join(" ")}\n${output}`);
  return { status: r.status ?? -1, output };
}

const labctl = (...args: string[]) =>
  run(path.join(REPO, "lab", "labctl"), ["--lab", "multi", ...args]);
const on = (host: string, script: string) => labctl("exec", host, "--", "sh", "-c", script);
const connects = (from: string, address: string, port: number, source?: string) =>
  on(from, `nc -z -w2 ${source ? `-s ${source} ` : ""}${address} ${port}`).status === 0;
const dropCount = (router: string) => {
  const out = on(router, "nft list chain inet homelab forward").output;
  const m = /counter packets (\d+) bytes \d+ drop comment "default deny between zones"/.exec(out);
  if (!m) throw new Error(`no default-deny counter on ${router}:\n${out}`);
  return Number(m[1]);
};

describe("multi-router lab: converge (two routers, untagged zones, a device)", function () {
  let up: { status: number; output: string };
  before(function () {
    this.timeout(1800_000);
    run("bash", ["scripts/lab.sh", "down"]);
    up = run("bash", ["scripts/lab.sh", "up"], 1800);
  });
  after(function () {
    this.timeout(300_000);
    if (process.env.HOMELAB_E2E_KEEP_LAB !== "1") run("bash", ["scripts/lab.sh", "down"]);
  });

  it("pulumi up succeeds with the policy pack, probes included, and never dials the device", () => {
    assert.equal(up.status, 0, up.output.slice(-4000));
    assert.match(up.output, /homelab@v0\.1\.0 \(local: policies\)/);
    assert.doesNotMatch(
      up.output,
      /nas1-(ssh|sshd|network)/,
      "no provisioning step for the device",
    );
  });

  it("renders each hop on its router, narrowed to the flow's source network, with static routes", () => {
    const edge = on("edge", "nft list chain inet homelab forward").output;
    assert.match(
      edge,
      /iifname "eth2" oifname "eth3" ip saddr 10\.61\.0\.0\/24 ip daddr 10\.62\.0\.10 tcp dport 8080 accept/,
    );
    const fw1 = on("fw1", "nft list chain inet homelab forward").output;
    assert.match(
      fw1,
      /iifname "eth3" oifname "eth2" ip saddr 10\.61\.0\.0\/24 ip daddr 10\.62\.0\.10 tcp dport 8080 accept/,
    );
    assert.match(
      on("edge", "ip -4 route show proto static").output,
      /^10\.62\.0\.0\/24 via 10\.69\.0\.2 dev eth3/m,
    );
    assert.match(
      on("fw1", "ip -4 route show default").output,
      /^default via 10\.69\.0\.1 dev eth3/m,
    );
  });

  it("declared flows pass through both routers, both ways", function () {
    this.timeout(120_000);
    assert.ok(connects("px1", "10.62.0.10", 8080), "px1 -> db1:8080 (dmz -> data, toService app)");
    assert.ok(connects("px1", "10.62.0.20", 2049), "px1 -> nas1:2049 (the device, toHost)");
    assert.ok(connects("db1", "10.61.0.10", 443), "db1 -> px1:443 (data -> dmz, toService web)");
  });

  it("everything else is dropped, the transit LAN included", function () {
    this.timeout(120_000);
    assert.equal(connects("px1", "10.62.0.10", 22), false, "px1 -> db1:22 (only 8080 is declared)");
    assert.equal(connects("db1", "10.61.0.10", 22), false, "db1 -> px1:22 (only 443 is declared)");
    assert.equal(connects("px1", "10.69.0.2", 22), false, "px1 -> fw1's uplink address");
    assert.equal(on("px1", "ping -c1 -W1 10.69.0.2").status === 0, false, "ping fw1's uplink");
    assert.equal(connects("px1", "10.62.0.1", 22), false, "px1 -> fw1's SSH in its own zone");
  });

  it("each router enforces its hop by itself: fw1 drops what edge lets out, unless it is the flow", function () {
    this.timeout(120_000);
    // edge's own traffic leaves by its uplink without crossing its forward chain: only fw1 decides.
    const before = dropCount("fw1");
    assert.equal(connects("edge", "10.62.0.10", 8080, "10.69.0.1"), false, "from the transit LAN");
    assert.ok(dropCount("fw1") > before, "fw1's default deny counted the attempt");
    assert.ok(connects("edge", "10.62.0.10", 8080, "10.61.0.1"), "from the flow's source network");
    const edgeBefore = dropCount("edge");
    assert.equal(connects("px1", "10.62.0.10", 9999), false);
    assert.ok(dropCount("edge") > edgeBefore, "edge's default deny counted the undeclared port");
  });
});
