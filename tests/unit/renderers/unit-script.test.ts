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
  declaredState,
  MISSING,
  modeKey,
  renderObserveScript,
  renderStageScript,
  renderUnitBody,
  renderUnitCommand,
  sha256,
  UnitSpec,
  unitHash,
} from "../../../renderers/unit-script";
import { run } from "../../support/tools";

/** Runs a unit body for real against targets in a temp dir (as root, like on a host). */
function apply(spec: UnitSpec, stage: string, tamper?: (stage: string) => void) {
  mkdirSync(stage, { recursive: true });
  for (const f of spec.files) writeFileSync(path.join(stage, f.name), f.content);
  tamper?.(stage);
  return run("sh", ["-c", renderUnitBody(spec), "unit", stage]);
}

describe("renderer: provisioning unit script", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-unit-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

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

  it("installs the files with their modes, activates and verifies", () => {
    mkdirSync(`${dir}/etc`);
    writeFileSync(`${dir}/etc/a.conf`, "old a\n");
    const r = apply(spec(dir), `${dir}/stage`);
    assert.equal(r.status, 0, r.output);
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "new a\n");
    assert.equal(readFileSync(`${dir}/etc/sub/b.conf`, "utf8"), "new b\n");
    assert.equal(statSync(`${dir}/etc/sub/b.conf`).mode & 0o777, 0o600);
    assert.equal(readFileSync(`${dir}/activated`, "utf8"), "new a\n");
    assert.match(r.output, /homelab: demo on testhost applied/);
    assert.equal(existsSync(`${dir}/etc/a.conf.homelab-new`), false, "no temp file left");
  });

  it("refuses a staged file that differs from what was rendered, before touching anything", () => {
    mkdirSync(`${dir}/etc`);
    writeFileSync(`${dir}/etc/a.conf`, "old a\n");
    const r = apply(spec(dir), `${dir}/stage`, (s) => writeFileSync(`${s}/b.conf`, "tampered\n"));
    assert.equal(r.status, 1);
    assert.match(
      r.output,
      /homelab: demo on testhost: staged file b\.conf does not match what was rendered/,
    );
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n");
  });

  it("stops at validation, before installing", () => {
    const s = spec(dir, { validate: [`false || fail "validation says no"`] });
    const r = apply(s, `${dir}/stage`);
    assert.equal(r.status, 1);
    assert.match(r.output, /validation says no/);
    assert.equal(existsSync(`${dir}/etc/a.conf`), false);
  });

  it("rolls every file back and re-activates the old ones when verification fails", () => {
    mkdirSync(`${dir}/etc`);
    writeFileSync(`${dir}/etc/a.conf`, "old a\n");
    const s = spec(dir, { verify: [`grep -q "never there" ${dir}/activated`] });
    const r = apply(s, `${dir}/stage`);
    assert.equal(r.status, 1);
    assert.match(r.output, /activation failed; the previous files were restored and reactivated/);
    assert.equal(readFileSync(`${dir}/etc/a.conf`, "utf8"), "old a\n", "restored");
    assert.equal(
      existsSync(`${dir}/etc/sub/b.conf`),
      false,
      "a file that did not exist before is removed",
    );
    assert.equal(readFileSync(`${dir}/activated`, "utf8"), "old a\n", "old files re-activated");
  });

  it("on a failed first apply, removes the new files and does not re-activate anything", () => {
    const s = spec(dir, { verify: [`grep -q "never there" ${dir}/activated`] });
    const r = apply(s, `${dir}/stage`);
    assert.equal(r.status, 1);
    assert.match(
      r.output,
      /activation failed; the new files were removed \(there were none before\)/,
    );
    assert.equal(existsSync(`${dir}/etc/a.conf`), false);
    assert.equal(readFileSync(`${dir}/activated`, "utf8"), "new a\n", "activated once, not again");
  });

  it("stops at the first failing activation line (set -e does not apply inside conditions)", () => {
    const s = spec(dir, { activate: ["false", `touch ${dir}/should-not-exist`] });
    const r = apply(s, `${dir}/stage`);
    assert.equal(r.status, 1);
    assert.equal(existsSync(`${dir}/should-not-exist`), false);
  });

  it("runs through sudo for a non-root admin and re-triggers only when content changes", () => {
    const s = spec("/x");
    assert.equal(
      renderUnitCommand(s, "root"),
      `set -e; cd "$HOME/.homelab/stage/demo"; printf '%s  %s\\n' ${sha256(renderUnitBody(s))} apply.sh | sha256sum -c --status || { echo "homelab: demo on testhost: staged apply.sh does not match what was rendered" >&2; exit 1; }; sh apply.sh "$HOME/.homelab/stage/demo"`,
    );
    assert.match(
      renderUnitCommand(s, "admin"),
      /; sudo -n sh apply\.sh "\$HOME\/\.homelab\/stage\/demo"$/,
    );
    assert.equal(unitHash(s, "root"), unitHash(spec("/x"), "root"));
    const changed = { ...s, files: [{ ...s.files[0]!, content: "newer a\n" }, s.files[1]!] };
    assert.notEqual(unitHash(changed, "root"), unitHash(s, "root"));
  });
});

describe("renderer: live state of a unit (observer, dead-man switch, restage)", function () {
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
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const sh = (script: string, args: string[] = []) => {
    const r = spawnSync("sh", ["-c", script, "unit", ...args], { env, encoding: "utf8" });
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
  const applyGuarded = (s: UnitSpec) => {
    const stage = `${dir}/stage`;
    mkdirSync(stage, { recursive: true });
    for (const f of s.files) writeFileSync(path.join(stage, f.name), f.content);
    writeFileSync(path.join(stage, "apply.sh"), renderUnitBody(s));
    return sh(renderUnitBody(s), [stage]);
  };
  const pending = () =>
    existsSync(`${dir}/state/pending`) ? readdirSync(`${dir}/state/pending`) : [];
  const before = () => {
    mkdirSync(`${dir}/etc`, { recursive: true });
    writeFileSync(`${dir}/etc/rules`, "old rules\n");
    writeFileSync(`${dir}/loaded`, "old rules\n");
  };

  it("observes files, modes and facts as the declared state when the machine holds", () => {
    before();
    const s = guarded(dir, 30);
    assert.equal(applyGuarded(s).status, 0);
    const r = sh(renderObserveScript(s, { confirm: false }));
    assert.equal(r.status, 0, r.output);
    const obs = parseObservation(r.stdout);
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
    let obs = parseObservation(sh(renderObserveScript(s, { confirm: false })).stdout);
    assert.deepEqual(differences(declaredState(s), obs), [modeKey(`${dir}/etc/rules`), "loaded"]);
    assert.equal(obs.loaded, "hand-edited\n");
    assert.equal(obs[modeKey(`${dir}/etc/rules`)], "666 root\n");
    rmSync(`${dir}/etc/rules`);
    obs = parseObservation(sh(renderObserveScript(s, { confirm: false })).stdout);
    assert.equal(obs[`${dir}/etc/rules`], MISSING);
  });

  it("a guarded apply arms the switch; the deployer's confirmation disarms it and nothing reverts", () => {
    before();
    const s = guarded(dir, 1);
    const r = applyGuarded(s);
    assert.equal(r.status, 0, r.output);
    assert.match(
      r.output,
      /homelab: fw on gw applied; it reverts in 1 s unless the deployer confirms/,
    );
    assert.equal(pending().length, 1);
    const c = parseObservation(sh(renderObserveScript(s, { confirm: true })).stdout);
    assert.equal(c["@confirm"], "confirmed");
    assert.deepEqual(pending(), []);
    sh("sleep 2");
    assert.equal(readFileSync(`${dir}/loaded`, "utf8"), "new rules\n", "kept");
    assert.equal(
      existsSync(`${dir}/deadman.log`) ? readFileSync(`${dir}/deadman.log`, "utf8") : "",
      "",
    );
  });

  it("without a confirmation in time the machine restores the files and the runtime state by itself", () => {
    before();
    const s = guarded(dir, 1);
    assert.equal(applyGuarded(s).status, 0);
    assert.equal(readFileSync(`${dir}/loaded`, "utf8"), "new rules\n", "activated");
    sh("sleep 2.5");
    assert.equal(readFileSync(`${dir}/etc/rules`, "utf8"), "old rules\n", "file restored");
    assert.equal(readFileSync(`${dir}/loaded`, "utf8"), "old rules\n", "runtime restored");
    assert.match(
      readFileSync(`${dir}/deadman.log`, "utf8"),
      /homelab: fw on gw: not confirmed within 1 s over a new SSH connection; reverted to the previous configuration/,
    );
    assert.deepEqual(pending(), []);
    const c = parseObservation(sh(renderObserveScript(s, { confirm: true })).stdout);
    assert.equal(c["@confirm"], "none", "nothing left to confirm");
    assert.match(c["@last-revert"]!, /not confirmed within 1 s/);
  });

  it("a new apply (itself proof that SSH works) cancels an older unconfirmed switch", () => {
    before();
    const s = guarded(dir, 1);
    assert.equal(applyGuarded(s).status, 0);
    const first = pending();
    assert.equal(first.length, 1);
    assert.equal(applyGuarded({ ...s, guard: { revertAfterSeconds: 30 } }).status, 0);
    sh("sleep 2");
    assert.equal(
      readFileSync(`${dir}/loaded`, "utf8"),
      "new rules\n",
      "the old timer did not revert",
    );
    assert.equal(pending().length, 1);
    assert.notDeepEqual(pending(), first);
  });

  it("restages the unit from the script alone (a reinstalled host lost its stage)", () => {
    const s = guarded(dir, 30);
    const r = sh(renderStageScript(s));
    assert.equal(r.status, 0, r.output);
    assert.equal(readFileSync(`${dir}/home/.homelab/stage/fw/rules`, "utf8"), "new rules\n");
    assert.equal(readFileSync(`${dir}/home/.homelab/stage/fw/apply.sh`, "utf8"), renderUnitBody(s));
  });
});
