import * as assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  renderUnitBody,
  renderUnitCommand,
  sha256,
  UnitSpec,
  unitHash,
} from "../../../renderers/unit";
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
