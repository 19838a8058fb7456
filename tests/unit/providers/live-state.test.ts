import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  converge,
  describeDifferences,
  differences,
  LiveStateInputs,
  needsUpdate,
  OBSERVE_ONLY,
  observerInput,
  parseObservation,
  record,
  stateOf,
} from "../../../providers/live-state";
import { closeMasters, sshArgs, sshRun } from "../../../providers/ssh";
import { renderUnitBundle, UNIT_COMMAND } from "../../../renderers/unit-bundle";
import { sudoPasswordMessage } from "../../../renderers/sudo";
import {
  declaredState,
  MISSING,
  observeCommand,
  renderObserveScript,
} from "../../../renderers/unit-live";
import type { UnitSpec } from "../../../renderers/unit-script";
import { killTimers, sshCommand, startSshd, TestSshd } from "../../support/sshd";
import { installSudoStandin } from "../../support/sudo-standin";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

const inputs = (over: Partial<LiveStateInputs> = {}): LiveStateInputs => ({
  connection: {
    host: "10.0.10.1",
    port: 22,
    user: "root",
    privateKey: "KEY",
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ",
  },
  machine: "gw1",
  unit: "firewall",
  token: "t1",
  applyId: "gw1-firewall-apply1234",
  revertAfterSeconds: 120,
  state: { "/etc/nftables.conf": "table inet homelab {}\n", "ruleset (loaded)": "matches\n" },
  observeScript: "",
  observeCommand: "sh -s",
  applyCommand: "sh -s",
  applyScript: "",
  ...over,
});

describe("live state: observation and diff", () => {
  it("parses the observer's key<TAB>base64 lines, empty values and metadata included", () => {
    const out = `/etc/a\t${b64("line 1\nline 2\n")}\n@confirm\t${b64("confirmed")}\n@last-revert\t\nnoise without a tab\n`;
    assert.deepEqual(parseObservation(out), {
      "/etc/a": "line 1\nline 2\n",
      "@confirm": "confirmed",
      "@last-revert": "",
    });
  });

  it("compares only declared keys, in declaration order, and marks unreported ones", () => {
    const declared = { a: "1\n", b: "2\n", c: "3\n" };
    const observed = { c: "x\n", a: "1\n", "@confirm": "none" };
    assert.deepEqual(differences(declared, observed), ["b", "c"]);
    assert.deepEqual(stateOf(declared, observed), { a: "1\n", b: "(not reported)\n", c: "x\n" });
  });

  it("describes a difference with the declared and the found text", () => {
    assert.equal(
      describeDifferences(
        { "sshd -T": "passwordauthentication no\n" },
        { "sshd -T": "passwordauthentication yes\n" },
      ),
      "  sshd -T:\n    declared: passwordauthentication no\n    found:    passwordauthentication yes",
    );
  });

  it("updates after a re-apply, a new target, or drift; not otherwise", () => {
    const old = inputs();
    assert.equal(needsUpdate(old, inputs()), false);
    assert.equal(needsUpdate(old, inputs({ applyId: "gw1-firewall-apply9999" })), true);
    assert.equal(needsUpdate(old, inputs({ token: "t2" })), true);
    assert.equal(
      needsUpdate(old, inputs({ connection: { ...old.connection, host: "10.0.10.2" } })),
      true,
    );
    assert.equal(
      needsUpdate(old, inputs({ connection: { ...old.connection, privateKey: "ROTATED" } })),
      false,
      "a rotated deploy key alone does not re-observe",
    );
    assert.equal(needsUpdate(old, inputs({ applyOutput: "other" })), false, "output is not input");
    const drifted = inputs({ state: { ...old.state, "ruleset (loaded)": "differs\n" } });
    assert.equal(needsUpdate(drifted, inputs()), true, "refresh found drift");
    // A machine being adopted holds what it holds: not drift, nothing to write.
    const watched = { observeOnly: true, applyId: OBSERVE_ONLY };
    assert.equal(needsUpdate({ ...drifted, ...watched }, inputs(watched)), false);
    assert.equal(needsUpdate(inputs(watched), inputs({ ...watched, token: "t2" })), true);
    assert.equal(needsUpdate({ ...drifted, ...watched }, inputs()), true, "the first apply");
  });

  it("confirms the switch the apply armed, or any of the unit's when the id is unusable", () => {
    assert.equal(observerInput("S"), "S");
    assert.equal(observerInput("S", "firewall.Ab12Cd"), "CONFIRM=firewall.Ab12Cd\nS");
    assert.equal(observerInput("S", "x; rm -rf /"), "CONFIRM=any\nS");
  });

  it("runs ssh key-only with the pinned host key and nothing from the user's config", () => {
    const args = sshArgs(inputs().connection, "/tmp/d", "sh -s");
    const opts = new Map<string, string>();
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "-o") {
        const [k, v] = args[i + 1]!.split("=");
        opts.set(k!, v!);
      }
    }
    assert.deepEqual(args.slice(0, 4), ["-F", "/dev/null", "-i", "/tmp/d/key"]);
    assert.deepEqual(Object.fromEntries(opts), {
      UserKnownHostsFile: "/tmp/d/known_hosts",
      GlobalKnownHostsFile: "/dev/null",
      StrictHostKeyChecking: "yes",
      HostKeyAlias: "homelab-target",
      HostKeyAlgorithms: "ssh-ed25519",
      IdentitiesOnly: "yes",
      IdentityAgent: "none",
      PasswordAuthentication: "no",
      KbdInteractiveAuthentication: "no",
      PubkeyAuthentication: "yes",
      BatchMode: "yes",
      ConnectTimeout: "8",
      ServerAliveInterval: "5",
      ServerAliveCountMax: "3",
      LogLevel: "ERROR",
    });
    assert.deepEqual(args.slice(-6), ["-p", "22", "-l", "root", "10.0.10.1", "sh -s"]);
    const rsa = sshArgs({ ...inputs().connection, hostKey: "ssh-rsa AAAAB3" }, "/tmp/d", "true");
    assert.ok(rsa.includes("HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256"));
  });
});

describe("live state against a real sshd on 127.0.0.1 (connections counted by sshd)", function () {
  this.timeout(60000);
  let sshd: TestSshd;
  let etc: string;
  before(async () => {
    sshd = await startSshd();
    etc = `${sshd.dir}/etc`;
  });
  after(() => {
    closeMasters();
    killTimers(sshd.dir);
    sshd.stop();
  });
  beforeEach(() => {
    closeMasters();
    killTimers(sshd.dir);
    rmSync(etc, { recursive: true, force: true });
    mkdirSync(etc);
    writeFileSync(`${etc}/loaded`, "old\n");
  });

  const unit = (over: Partial<UnitSpec> = {}): UnitSpec => ({
    machine: "box",
    unit: "demo",
    files: [{ name: "conf", target: `${etc}/conf`, mode: "0644", content: "new\n" }],
    activate: [`cp ${etc}/conf ${etc}/loaded`],
    facts: [{ key: "loaded", script: `cat ${etc}/loaded`, expect: "new" }],
    ...over,
  });
  const guarded = (seconds: number) =>
    unit({
      unit: "guarded",
      guard: { revertAfterSeconds: seconds },
      snapshot: {
        save: `cp ${etc}/loaded "$BK/runtime"`,
        restore: `cp "$BK/runtime" ${etc}/loaded`,
      },
    });
  const live = (spec: UnitSpec, applyOutput: string): LiveStateInputs => ({
    connection: {
      host: "127.0.0.1",
      port: sshd.port,
      user: "root",
      privateKey: sshd.privateKey,
      hostKey: sshd.hostKey,
    },
    machine: spec.machine,
    unit: spec.unit,
    token: "t",
    applyId: "a",
    applyOutput,
    revertAfterSeconds: spec.guard?.revertAfterSeconds ?? 0,
    state: declaredState(spec),
    observeScript: renderObserveScript(spec),
    observeCommand: observeCommand(spec, "root"),
    applyCommand: UNIT_COMMAND,
    applyScript: renderUnitBundle(spec, "root"),
  });
  /** The unit's remote command, as the command provider runs it: one new connection. */
  const applyOver = (spec: UnitSpec) => {
    const r = sshCommand(sshd, UNIT_COMMAND, renderUnitBundle(spec, "root"));
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const pending = () =>
    existsSync(`${sshd.state}/pending`) ? readdirSync(`${sshd.state}/pending`) : [];

  it("an unguarded unit is verified from its apply's own output: no connection of its own", async () => {
    const s = unit();
    const out = applyOver(s);
    const before = sshd.connections();
    const state = await converge(live(s, out), true);
    assert.deepEqual(state, declaredState(s));
    assert.equal(sshd.connections() - before, 0);
  });

  it("a guarded unit is confirmed over exactly one new connection, which then serves the machine", async () => {
    const s = guarded(30);
    const out = applyOver(s);
    assert.equal(pending().length, 1);
    const before = sshd.connections();
    assert.deepEqual(await converge(live(s, out), true), declaredState(s));
    assert.equal(sshd.connections() - before, 1, "one new connection");
    assert.deepEqual(pending(), [], "confirmed");
    // Later work on the machine in the same run reuses that connection.
    for (let i = 0; i < 3; i++) {
      const r = await sshRun(live(s, out).connection, "sh -s", "echo reused");
      assert.equal(r.stdout, "reused\n");
    }
    await converge(live(s, out), false);
    assert.equal(sshd.connections() - before, 1, "no further connection");
  });

  it("sessions that start together share one master; a fresh session is a new connection", async () => {
    const c = live(unit(), "").connection;
    const before = sshd.connections();
    const rs = await Promise.all([1, 2, 3, 4].map((n) => sshRun(c, "sh -s", `echo ${n}`)));
    assert.deepEqual(
      rs.map((r) => r.stdout),
      ["1\n", "2\n", "3\n", "4\n"],
    );
    assert.equal(sshd.connections() - before, 1);
    await sshRun(c, "sh -s", "true", { fresh: true });
    assert.equal(sshd.connections() - before, 2);
    // The deploy key was on disk only while each connection was being established.
    const mine = readdirSync(tmpdir()).filter((d) => d.startsWith(`homelab-ssh-${process.pid}-`));
    assert.equal(mine.length, 1, "one private directory per provider process");
    const keys = spawnSync("find", [`${tmpdir()}/${mine[0]}`, "-name", "key"], {
      encoding: "utf8",
    });
    assert.equal(keys.stdout, "");
  });

  it("a machine being adopted is only observed: its state is recorded, nothing is written", async () => {
    const s = unit();
    closeMasters();
    // Everything a unit writes: its targets, its state directory (backups, records), its stage.
    const files = () =>
      spawnSync(
        "sh",
        [
          "-c",
          `find "$@" -printf '%p %s %T@\\n' 2>/dev/null; true`,
          "x",
          etc,
          sshd.state,
          sshd.home,
        ],
        {
          encoding: "utf8",
        },
      );
    const i = { ...live(s, ""), applyId: OBSERVE_ONLY, observeOnly: true };
    const before = files().stdout;
    assert.ok(before.includes(`${etc}/loaded `), before);
    const state = await record(i);
    assert.equal(state.loaded, "old\n");
    assert.equal(state[`${etc}/conf`], MISSING);
    assert.deepEqual(Object.keys(state), Object.keys(declaredState(s)));
    assert.equal(readFileSync(`${etc}/loaded`, "utf8"), "old\n");
    assert.equal(existsSync(`${etc}/conf`), false);
    assert.equal(files().stdout, before, "no file was created or changed");
  });

  it("repairs drift once over the machine's connection and verifies the result", async () => {
    const s = unit();
    const out = applyOver(s);
    writeFileSync(`${etc}/loaded`, "hand edit\n");
    const before = sshd.connections();
    assert.deepEqual(await converge(live(s, out), false), declaredState(s));
    assert.equal(readFileSync(`${etc}/loaded`, "utf8"), "new\n");
    assert.equal(sshd.connections() - before, 1, "observe and re-apply share one connection");
  });

  it("a persisting difference fails naming the unit, the machine and what differs", async () => {
    const s = unit({ facts: [{ key: "loaded", script: "echo never", expect: "new" }] });
    await assert.rejects(converge(live(s, applyOver(s)), true), (e: Error) => {
      assert.match(e.message, /^homelab: demo on box: post-apply verification failed/);
      assert.match(e.message, /loaded:\n {4}declared: new\n {4}found: {4}never/);
      return true;
    });
  });

  it("an apply whose confirmation never came (interrupted run) is found reverted and re-applied", async () => {
    const s = guarded(8);
    const out = applyOver(s);
    await new Promise((res) => setTimeout(res, 9500));
    assert.equal(readFileSync(`${etc}/loaded`, "utf8"), "old\n", "the machine reverted by itself");
    // The next run's LiveState: the apply's recorded output names the switch, which reverted.
    const state = await converge(live(s, out), true);
    assert.deepEqual(state, { ...declaredState(s) });
    assert.equal(readFileSync(`${etc}/loaded`, "utf8"), "new\n");
    assert.equal(pending().length, 0, "the re-apply was confirmed too");
  });

  it("a refresh where sudo wants a password fails with the observer's own message, once", async () => {
    // The admin user's sudo (a stand-in first on the remote command's PATH) needs a password.
    const bin = `${sshd.dir}/sudo-bin`;
    mkdirSync(bin, { recursive: true });
    installSudoStandin(bin, { password: true });
    const s = unit();
    const i = { ...live(s, ""), observeCommand: `PATH=${bin}:$PATH ${observeCommand(s, "admin")}` };
    const before = sshd.connections();
    await assert.rejects(converge(i, false), (e: Error) => {
      assert.equal(e.message, sudoPasswordMessage("demo on box", "admin"));
      return true;
    });
    assert.equal(readFileSync(`${bin}/sudo.log`, "utf8"), "-n sh -c :\n", "not retried");
    assert.equal(sshd.connections() - before, 1);
  });

  it("when the new connection fails after a guarded apply, the error says the machine reverts by itself", async () => {
    const s = guarded(30);
    const out = applyOver(s);
    const bad = { ...live(s, out), connection: { ...live(s, out).connection, port: 1 } };
    await assert.rejects(converge({ ...bad, revertAfterSeconds: 4 }, true), (e: Error) => {
      assert.match(
        e.message,
        /^homelab: guarded on box: the change was applied, but the deployer could not open a new SSH session to root@127\.0\.0\.1:1 afterwards \(.*Connection refused.*\)\. The change would lock the deployer out, so box restores its previous configuration by itself within 4 s/,
      );
      return true;
    });
  });
});
