/**
 * The unit mechanism, run for real (as root, like on a host) against targets in temp dirs: the
 * bundle stages and applies in one `sh -s`; every failure point leaves the machine as it was.
 * Read-only and full filesystems are made in a private mount namespace (unshare -m), so nothing
 * outside the test's temp dir is ever mounted over.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { differences, parseObservation, stateOf } from "../../../providers/live-state";
import {
  renderUnitBundle,
  stagedFiles,
  UNIT_COMMAND,
  unitHash,
} from "../../../renderers/unit-bundle";
import { declaredState, MISSING, modeKey } from "../../../renderers/unit-live";
import { renderUnitBody, UnitSpec } from "../../../renderers/unit-script";
import { killTimers } from "../../support/sshd";

interface Ran {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe("renderer: provisioning unit (all or nothing, one session)", function () {
  this.timeout(20000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-unit-"));
    env = {
      ...process.env,
      HOME: `${dir}/home`,
      HOMELAB_STATE_DIR: `${dir}/state`,
      HOMELAB_DEADMAN_LOG: `${dir}/deadman.log`,
    };
    mkdirSync(`${dir}/home`);
  });
  afterEach(() => {
    killTimers(dir);
    spawnSync("chattr", ["-R", "-i", dir], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  });

  const sh = (args: string[], input?: string): Ran => {
    const r = spawnSync("sh", args, { env, input, encoding: "utf8" });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  /** The unit's remote command with its bundle on stdin; `prelude` runs first (e.g. mounts). */
  const apply = (spec: UnitSpec, prelude = "") =>
    prelude
      ? (() => {
          const r = spawnSync(
            "unshare",
            [
              "-m",
              "sh",
              "-c",
              `${prelude}\n${UNIT_COMMAND} < "$1"; rc=$?; ${inspect}; exit $rc`,
              "x",
              bundleFile(spec),
            ],
            { env, encoding: "utf8" },
          );
          return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
        })()
      : sh(["-s"], renderUnitBundle(spec, "root"));
  // Inside the namespace: what a mount hides from the test afterwards is listed on stdout.
  const inspect = `echo "@ls $(cd "$DIR" && find . -name '*.homelab-new' | tr '\\n' ' ')"`;
  const bundleFile = (spec: UnitSpec) => {
    const f = `${dir}/bundle.sh`;
    writeFileSync(f, renderUnitBundle(spec, "root"));
    env.DIR = dir;
    return f;
  };

  const spec = (d: string, over: Partial<UnitSpec> = {}): UnitSpec => ({
    machine: "testhost",
    unit: "demo",
    files: [
      { name: "a.conf", target: `${d}/etc/a.conf`, mode: "0644", content: "new a\n" },
      { name: "b.conf", target: `${d}/etc/sub/b.conf`, mode: "0600", content: "new b\n" },
    ],
    validate: [`grep -q new "$STAGE/a.conf" || fail "a.conf is not new"`],
    activate: [`cat ${d}/etc/a.conf > ${d}/activated`],
    verify: [`grep -q "new a" ${d}/activated`],
    ...over,
  });
  const oldA = () => {
    mkdirSync(`${dir}/etc`, { recursive: true });
    writeFileSync(`${dir}/etc/a.conf`, "old a\n");
  };
  /** Nothing of the apply is left behind: no temp file, no backup, no pending switch. */
  const clean = () => {
    const leftovers = spawnSync("find", [dir, "-name", "*.homelab-new"], { encoding: "utf8" });
    assert.equal(leftovers.stdout, "", "no .homelab-new left");
    const backups = existsSync(`${dir}/state/backup`) ? readdirSync(`${dir}/state/backup`) : [];
    assert.deepEqual(backups, [], "no backup directory left");
    const pending = existsSync(`${dir}/state/pending`) ? readdirSync(`${dir}/state/pending`) : [];
    assert.deepEqual(pending, [], "no pending switch left");
  };
  /** Every line of stderr is the unit's own, named `homelab: demo on testhost: …`. */
  const named = (r: Ran, cause: RegExp) => {
    const ours = r.stderr.split("\n").filter((l) => l.startsWith("homelab: demo on testhost: "));
    assert.ok(
      ours.some((l) => cause.test(l)),
      `expected a line "homelab: demo on testhost: …${String(cause)}", got:\n${r.stderr}`,
    );
  };

  it("stages the files and scripts, installs with their modes, activates, verifies, reports the observation", () => {
    oldA();
    const s = spec(dir);
    const r = apply(s);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "new a\n");
    assert.equal(readFileSync(`${dir}/etc/sub/b.conf`, "utf8"), "new b\n");
    assert.equal(statSync(`${dir}/etc/sub/b.conf`).mode & 0o777, 0o600);
    assert.equal(readFileSync(`${dir}/activated`, "utf8"), "new a\n");
    assert.match(r.stderr, /homelab: demo on testhost applied/);
    for (const f of stagedFiles(s)) {
      assert.equal(readFileSync(`${dir}/home/.homelab/stage/demo/${f.name}`, "utf8"), f.content);
    }
    assert.equal(statSync(`${dir}/home/.homelab/stage/demo`).mode & 0o777, 0o700, "private stage");
    // stdout is only the post-apply observation: exactly the declared state.
    const obs = parseObservation(r.stdout);
    assert.deepEqual(differences(declaredState(s), obs), []);
    assert.equal(r.stdout.split("\n").filter(Boolean).length, Object.keys(declaredState(s)).length);
    clean();
  });

  it("refuses a staged file that differs from what was rendered, before touching anything", () => {
    oldA();
    const s = spec(dir);
    const stage = `${dir}/stage`;
    mkdirSync(stage);
    for (const f of s.files) writeFileSync(path.join(stage, f.name), f.content);
    writeFileSync(`${stage}/b.conf`, "tampered\n");
    const r = sh(["-c", renderUnitBody(s), "apply.sh", stage]);
    assert.equal(r.status, 1);
    named(r, /staged file b\.conf does not match what was rendered; nothing was changed$/);
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
    clean();
  });

  it("stops at validation, before installing", () => {
    const r = apply(spec(dir, { validate: [`false || fail "validation says no"`] }));
    assert.equal(r.status, 1);
    named(r, /validation says no; nothing was changed$/);
    assert.equal(existsSync(`${dir}/etc`), false, "not even a directory was created");
    clean();
  });

  it("a read-only target: nothing is installed, no half-applied unit, the error names the unit", () => {
    oldA();
    mkdirSync(`${dir}/ro`);
    writeFileSync(`${dir}/ro/b.conf`, "old b\n");
    const s = spec(dir, {
      files: [spec(dir).files[0]!, { ...spec(dir).files[1]!, target: `${dir}/ro/b.conf` }],
    });
    const r = apply(s, `mount --bind "$DIR/ro" "$DIR/ro" && mount -o remount,bind,ro "$DIR/ro"`);
    assert.equal(r.status, 1, r.stderr);
    named(
      r,
      /cannot write .*\/ro\/b\.conf\.homelab-new: .*Read-only file system; nothing was changed$/,
    );
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n", "the first file untouched");
    assert.equal(readFileSync(`${dir}/ro/b.conf`, "utf8"), "old b\n");
    assert.equal(existsSync(`${dir}/activated`), false, "nothing activated");
    assert.match(r.stdout, /^@ls $/m);
    clean();
  });

  it("a full filesystem: no empty .homelab-new is left, the previous files stay", () => {
    oldA();
    const s = spec(dir, {
      files: [spec(dir).files[0]!, { ...spec(dir).files[1]!, target: `${dir}/full/b.conf` }],
    });
    mkdirSync(`${dir}/full`);
    const r = apply(
      s,
      `mount -t tmpfs -o size=16k tmpfs "$DIR/full" && echo "old b" > "$DIR/full/b.conf" && { dd if=/dev/zero of="$DIR/full/fill" bs=4k 2>/dev/null || :; }`,
    );
    assert.equal(r.status, 1, r.stderr);
    named(
      r,
      /cannot write .*\/full\/b\.conf\.homelab-new: .*No space left on device; nothing was changed$/,
    );
    assert.match(r.stdout, /^@ls $/m, "no .homelab-new on the full filesystem");
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
    clean();
  });

  it("no room for the backup: stops before installing", () => {
    oldA();
    mkdirSync(`${dir}/state`);
    const r = apply(
      spec(dir),
      `mount -t tmpfs -o size=16k tmpfs "$HOMELAB_STATE_DIR" && { dd if=/dev/zero of="$HOMELAB_STATE_DIR/fill" bs=4k 2>/dev/null || :; }`,
    );
    assert.equal(r.status, 1, r.stderr);
    named(
      r,
      /(cannot create .*state\/backup|cannot create .*etc\/sub|cannot back up .*a\.conf).*; nothing was changed$/,
    );
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
    assert.equal(existsSync(`${dir}/etc/sub`), false, "the directory it created is gone");
    clean();
  });

  it("a target that cannot be replaced: the files already installed are put back", () => {
    oldA();
    mkdirSync(`${dir}/etc/sub`);
    writeFileSync(`${dir}/etc/sub/b.conf`, "old b\n");
    spawnSync("chattr", ["+i", `${dir}/etc/sub/b.conf`]);
    const r = apply(spec(dir));
    assert.equal(r.status, 1, r.stderr);
    named(r, /cannot install .*\/etc\/sub\/b\.conf: .*; the previous files were restored$/);
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n", "a.conf was put back");
    assert.equal(existsSync(`${dir}/activated`), false);
    clean();
  });

  it("verification fails: every file is restored and the old ones are re-activated", () => {
    oldA();
    const r = apply(spec(dir, { verify: [`grep -q "never there" ${dir}/activated`] }));
    assert.equal(r.status, 1);
    named(
      r,
      /verification failed after activating; the previous files were restored and reactivated$/,
    );
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n", "restored");
    assert.equal(
      existsSync(`${dir}/etc/sub`),
      false,
      "a file and a directory new to the host are removed",
    );
    assert.equal(readFileSync(`${dir}/activated`, "utf8"), "old a\n", "old files re-activated");
    clean();
  });

  it("a failed first apply removes the new files and re-activates nothing", () => {
    const r = apply(spec(dir, { verify: [`grep -q "never there" ${dir}/activated`] }));
    assert.equal(r.status, 1);
    named(
      r,
      /verification failed after activating; the new files were removed \(there were none before\)$/,
    );
    assert.equal(existsSync(`${dir}/etc`), false);
    assert.equal(readFileSync(`${dir}/activated`, "utf8"), "new a\n", "activated once, not again");
    clean();
  });

  it("activation fails: stops at the failing line, restores the files and the runtime snapshot", () => {
    oldA();
    writeFileSync(`${dir}/loaded`, "old runtime\n");
    const s = spec(dir, {
      activate: [`echo new runtime > ${dir}/loaded`, "false", `touch ${dir}/should-not-exist`],
      snapshot: {
        save: `cp ${dir}/loaded "$BK/runtime"`,
        restore: `cp "$BK/runtime" ${dir}/loaded`,
      },
    });
    const r = apply(s);
    assert.equal(r.status, 1);
    named(r, /activation step failed: false$/);
    named(r, /activation failed; the previous files and runtime state were restored$/);
    assert.equal(existsSync(`${dir}/should-not-exist`), false);
    assert.equal(readFileSync(`${dir}/loaded`, "utf8"), "old runtime\n", "runtime restored");
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
    clean();
  });

  it("a guarded unit that cannot arm its dead-man switch is rolled back", () => {
    oldA();
    mkdirSync(`${dir}/state`);
    writeFileSync(`${dir}/state/pending`, "not a directory\n");
    const r = apply(spec(dir, { guard: { revertAfterSeconds: 30 } }));
    assert.equal(r.status, 1);
    named(
      r,
      /cannot arm the dead-man switch: .*; the previous files were restored and reactivated$/,
    );
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
    assert.deepEqual(readdirSync(`${dir}/state/backup`), []);
  });

  it("an unstageable bundle (home not writable) changes nothing and names the unit", () => {
    oldA();
    const r = apply(spec(dir), `mount --bind "$HOME" "$HOME" && mount -o remount,bind,ro "$HOME"`);
    assert.equal(r.status, 1);
    named(r, /cannot create the stage directory .*Read-only file system; nothing was changed$/);
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
  });

  it("keeps the files the machine had before its first apply; restore.sh puts them back and reloads", () => {
    oldA();
    chmodSync(`${dir}/etc/a.conf`, 0o640);
    assert.equal(apply(spec(dir)).status, 0);
    // A later apply (new content) keeps the first records: they are the machine before adoption.
    const later = spec(dir);
    const v2 = {
      ...later,
      files: [{ ...later.files[0]!, content: "new a, v2\n" }, later.files[1]!],
    };
    assert.equal(apply(v2).status, 0, "second apply");
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "new a, v2\n");
    const adopted = `${dir}/state/adopted`;
    assert.equal(statSync(adopted).mode & 0o777, 0o700, "the records are root-only");
    const files = readdirSync(`${adopted}/files`).sort();
    const keyOf = (target: string) =>
      files
        .find(
          (f) =>
            f.endsWith(".path") && readFileSync(`${adopted}/files/${f}`, "utf8") === `${target}\n`,
        )!
        .replace(/\.path$/, "");
    const a = keyOf(`${dir}/etc/a.conf`);
    const b = keyOf(`${dir}/etc/sub/b.conf`);
    assert.deepEqual(files, [a, `${a}.path`, `${b}.absent`, `${b}.path`].sort());
    assert.equal(readFileSync(`${adopted}/files/${a}`, "utf8"), "old a\n");
    assert.equal(statSync(`${adopted}/files/${a}`).mode & 0o777, 0o640, "the original's mode");
    assert.deepEqual(readdirSync(`${adopted}/units`), ["demo.activate"]);
    clean();

    const r = sh([`${adopted}/restore.sh`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
    assert.equal(statSync(`${dir}/etc/a.conf`).mode & 0o777, 0o640);
    assert.equal(existsSync(`${dir}/etc/sub/b.conf`), false, "homelab's own file is removed");
    assert.equal(readFileSync(`${dir}/activated`, "utf8"), "old a\n", "reloaded from the old file");
    assert.match(r.stdout, new RegExp(`restored ${dir}/etc/a.conf\n`));
    assert.match(r.stdout, /reloaded demo\n/);
    assert.equal(existsSync(adopted), false, "the records moved aside");
    assert.equal(
      readdirSync(`${dir}/state`).filter((d) => d.startsWith("adopted.restored-")).length,
      1,
    );
  });

  it("restore.sh reloads nothing for a unit that only added files, and keeps the records when it fails", () => {
    assert.equal(apply(spec(dir, { reload: ["false"] })).status, 0);
    assert.equal(existsSync(`${dir}/state/adopted/units/demo.activate`), false);
    let r = sh([`${dir}/state/adopted/restore.sh`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(`${dir}/etc/a.conf`), false);
    assert.doesNotMatch(r.stdout, /reloaded/);

    // A unit that replaced a file keeps its `reload`; a failing reload keeps the records.
    oldA();
    assert.equal(apply(spec(dir, { reload: [`echo reloading >&2`, "false"] })).status, 0);
    r = sh([`${dir}/state/adopted/restore.sh`]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /reloading\nreloading demo failed/);
    assert.match(r.stderr, /not everything was restored; the records stay in /);
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
    assert.ok(existsSync(`${dir}/state/adopted/units/demo.activate`));
  });

  it("runs apply.sh through sudo for a non-root admin; re-triggers only when content changes", () => {
    const s = spec("/x");
    assert.match(
      renderUnitBundle(s, "root"),
      /\nsh "\$D\/apply\.sh" "\$D" <\/dev\/null >&2\ncat "\$D\/records"\n$/,
    );
    assert.match(
      renderUnitBundle(s, "admin"),
      /\nsudo -n sh "\$D\/apply\.sh" "\$D" <\/dev\/null >&2\n/,
    );
    assert.equal(unitHash(s, "root"), unitHash(spec("/x"), "root"));
    assert.notEqual(unitHash(s, "root"), unitHash(s, "admin"));
    const changed = { ...s, files: [{ ...s.files[0]!, content: "newer a\n" }, s.files[1]!] };
    assert.notEqual(unitHash(changed, "root"), unitHash(s, "root"));
  });
});

describe("renderer: live state of a unit (observer, dead-man switch)", function () {
  this.timeout(20000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-live-"));
    env = {
      ...process.env,
      HOMELAB_STATE_DIR: `${dir}/state`,
      HOMELAB_DEADMAN_LOG: `${dir}/deadman.log`,
      HOME: `${dir}/home`,
    };
    mkdirSync(`${dir}/home`);
  });
  afterEach(() => {
    killTimers(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const sh = (script: string, input?: string) => {
    const r = spawnSync("sh", ["-c", script], { env, input, encoding: "utf8" });
    return { status: r.status ?? -1, stdout: r.stdout, output: `${r.stdout}${r.stderr}` };
  };
  const guarded = (d: string, seconds: number): UnitSpec => ({
    machine: "gw",
    unit: "fw",
    files: [{ name: "rules", target: `${d}/etc/rules`, mode: "0644", content: "new rules\n" }],
    activate: [`cp ${d}/etc/rules ${d}/loaded`],
    facts: [{ key: "loaded", script: `cat ${d}/loaded`, expect: "new rules" }],
    guard: { revertAfterSeconds: seconds },
    snapshot: { save: `cp ${d}/loaded "$BK/runtime"`, restore: `cp "$BK/runtime" ${d}/loaded` },
  });
  const applyGuarded = (s: UnitSpec) => sh("sh -s", renderUnitBundle(s, "root"));
  const observer = (s: UnitSpec) => stagedFiles(s).find((f) => f.name === "observe.sh")!.content;
  const observe = (s: UnitSpec, confirm?: string) =>
    parseObservation(sh("sh -s", `${confirm ? `CONFIRM=${confirm}\n` : ""}${observer(s)}`).stdout);
  const pending = () =>
    existsSync(`${dir}/state/pending`) ? readdirSync(`${dir}/state/pending`) : [];
  const armed = (stdout: string) => parseObservation(stdout)["@armed"]!;
  const before = () => {
    mkdirSync(`${dir}/etc`, { recursive: true });
    writeFileSync(`${dir}/etc/rules`, "old rules\n");
    writeFileSync(`${dir}/loaded`, "old rules\n");
  };

  it("observes files, modes and facts as the declared state when the machine holds", () => {
    before();
    const s = guarded(dir, 30);
    assert.equal(applyGuarded(s).status, 0);
    const obs = observe(s);
    assert.deepEqual(differences(declaredState(s), obs), []);
    assert.deepEqual(stateOf(declaredState(s), obs), {
      [`${dir}/etc/rules`]: "new rules\n",
      [modeKey(`${dir}/etc/rules`)]: "644 root\n",
      loaded: "new rules\n",
    });
    assert.equal(obs["@last-revert"], "", "no revert logged");
    assert.equal(obs["@confirm"], undefined, "observing alone confirms nothing");
    assert.equal(pending().length, 1, "still pending");
  });

  it("reports drift: an edited file, a changed mode, a missing file, a changed fact", () => {
    before();
    const s = guarded(dir, 30);
    assert.equal(applyGuarded(s).status, 0);
    writeFileSync(`${dir}/loaded`, "hand-edited\n");
    chmodSync(`${dir}/etc/rules`, 0o666);
    let obs = observe(s);
    assert.deepEqual(differences(declaredState(s), obs), [modeKey(`${dir}/etc/rules`), "loaded"]);
    assert.equal(obs.loaded, "hand-edited\n");
    assert.equal(obs[modeKey(`${dir}/etc/rules`)], "666 root\n");
    rmSync(`${dir}/etc/rules`);
    obs = observe(s);
    assert.equal(obs[`${dir}/etc/rules`], MISSING);
  });

  it("a guarded apply arms the switch and names it; confirming that id disarms it", () => {
    before();
    const s = guarded(dir, 1);
    const r = applyGuarded(s);
    assert.equal(r.status, 0, r.output);
    assert.match(
      r.output,
      /homelab: fw on gw applied; it reverts in 1 s unless the deployer confirms/,
    );
    const id = armed(r.stdout);
    assert.deepEqual(pending(), [id]);
    assert.equal(observe(s, id)["@confirm"], "confirmed");
    assert.deepEqual(pending(), []);
    sh("sleep 2");
    assert.equal(readFileSync(`${dir}/loaded`, "utf8"), "new rules\n", "kept");
    assert.equal(
      existsSync(`${dir}/deadman.log`) ? readFileSync(`${dir}/deadman.log`, "utf8") : "",
      "",
    );
    assert.equal(observe(s, id)["@confirm"], "none", "confirmed once");
  });

  it("without a confirmation in time the machine restores the files and the runtime state by itself", () => {
    before();
    const s = guarded(dir, 1);
    const r = applyGuarded(s);
    assert.equal(r.status, 0);
    const id = armed(r.stdout);
    assert.equal(readFileSync(`${dir}/loaded`, "utf8"), "new rules\n", "activated");
    sh("sleep 2.5");
    assert.equal(readFileSync(`${dir}/etc/rules`, "utf8"), "old rules\n", "file restored");
    assert.equal(readFileSync(`${dir}/loaded`, "utf8"), "old rules\n", "runtime restored");
    assert.match(
      readFileSync(`${dir}/deadman.log`, "utf8"),
      new RegExp(
        `homelab: fw on gw: not confirmed within 1 s over a new SSH connection; reverted to the previous configuration \\(runtime state restored\\) \\[${id.replace(".", "\\.")}\\]`,
      ),
    );
    assert.deepEqual(pending(), []);
    assert.equal(readdirSync(`${dir}/state/backup`).length, 0);
    const c = observe(s, id);
    assert.equal(c["@confirm"], "reverted", "a late confirmation learns that this apply reverted");
    assert.match(c["@last-revert"]!, /not confirmed within 1 s/);
  });

  it("a new apply (itself proof that SSH works) cancels an older unconfirmed switch", () => {
    before();
    const s = guarded(dir, 1);
    const first = armed(applyGuarded(s).stdout);
    const second = armed(applyGuarded({ ...s, guard: { revertAfterSeconds: 30 } }).stdout);
    sh("sleep 2");
    assert.equal(
      readFileSync(`${dir}/loaded`, "utf8"),
      "new rules\n",
      "the old timer did not revert",
    );
    assert.deepEqual(pending(), [second]);
    assert.notEqual(first, second);
    assert.equal(observe(s, first)["@confirm"], "none", "superseded, not reverted");
    assert.equal(observe(s, "any")["@confirm"], "confirmed");
  });
});
