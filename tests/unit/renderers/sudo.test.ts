/**
 * Every remote command homelab runs as root for a non-root admin user, run for real under sh (as
 * sshd runs a remote command: `sh -c <command>`, stdin attached) with a sudo stand-in first on PATH
 * (tests/support/sudo-standin.ts): when sudo needs a password, each one fails with the same
 * message naming the unit, the machine and the user, and changes nothing.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { renderCloudflaredInstall } from "../../../renderers/cloudflared";
import { asRoot, asRootFromStdin, sudoPasswordMessage } from "../../../renderers/sudo";
import { renderUnitBundle, UNIT_COMMAND } from "../../../renderers/unit-bundle";
import { observeCommand, renderObserveScript } from "../../../renderers/unit-live";
import type { UnitSpec } from "../../../renderers/unit-script";
import { installSudoStandin } from "../../support/sudo-standin";

describe("renderer: root through sudo -n for a non-root admin user", function () {
  this.timeout(20000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-sudo-"));
    mkdirSync(`${dir}/bin`);
    mkdirSync(`${dir}/home`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The remote command as sshd runs it, with the stand-in first on PATH. */
  const remote = (command: string, input = "", PATH = `${dir}/bin:/usr/bin:/bin`) => {
    const r = spawnSync("/bin/sh", ["-c", command], {
      input,
      encoding: "utf8",
      env: {
        PATH,
        HOME: `${dir}/home`,
        HOMELAB_STATE_DIR: `${dir}/state`,
        HOMELAB_DEADMAN_LOG: `${dir}/deadman.log`,
      },
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const spec = (): UnitSpec => ({
    machine: "nas1",
    unit: "sshd",
    files: [{ name: "a.conf", target: `${dir}/etc/a.conf`, mode: "0644", content: "new a\n" }],
    activate: [`cp ${dir}/etc/a.conf ${dir}/activated`],
  });
  const message = (who: string) => sudoPasswordMessage(who, "admin");

  it("says what is wrong and how to fix it, naming the unit, the machine and the user", () => {
    assert.equal(
      message("sshd on nas1"),
      'homelab: sshd on nas1: the admin user admin needs a password for sudo; homelab runs sudo -n only (non-interactive). Give admin passwordless sudo for the commands homelab runs (e.g. /etc/sudoers.d/homelab: "admin ALL=(root) NOPASSWD: ALL") or use adminUser: root.',
    );
  });

  it("root runs every command itself, without sudo", () => {
    assert.equal(asRoot("echo hi", "root", "x on y"), "echo hi");
    assert.equal(asRootFromStdin("root", "x on y"), "sh -s");
    assert.doesNotMatch(renderUnitBundle(spec(), "root"), /sudo/);
  });

  it("a unit's bundle stops before staging anything: the message, exit 1, nothing changed", () => {
    installSudoStandin(`${dir}/bin`, { password: true });
    const r = remote(UNIT_COMMAND, renderUnitBundle(spec(), "admin"));
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `${message("sshd on nas1")}\n`);
    assert.equal(r.stdout, "");
    assert.equal(existsSync(`${dir}/etc/a.conf`), false, "nothing installed");
    assert.equal(existsSync(`${dir}/home/.homelab`), false, "nothing staged");
    // The check asked sudo once, non-interactively, for sh: what homelab runs.
    assert.equal(readFileSync(`${dir}/bin/sudo.log`, "utf8"), "-n sh -c :\n");
  });

  it("with passwordless sudo the same bundle applies through sudo -n", () => {
    installSudoStandin(`${dir}/bin`, { password: false });
    const r = remote(UNIT_COMMAND, renderUnitBundle(spec(), "admin"));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(`${dir}/activated`, "utf8"), "new a\n");
    const calls = readFileSync(`${dir}/bin/sudo.log`, "utf8").split("\n");
    assert.equal(calls[0], "-n sh -c :");
    assert.match(calls[1]!, /^-n sh .*\/apply\.sh /);
  });

  it("the observer (drift, verification, dead-man confirmation) fails the same way, its script unread", () => {
    installSudoStandin(`${dir}/bin`, { password: true });
    const r = remote(observeCommand(spec(), "admin"), renderObserveScript(spec()));
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `${message("sshd on nas1")}\n`);
    installSudoStandin(`${dir}/bin`, { password: false });
    const ok = remote(observeCommand(spec(), "admin"), "echo observed-as-root\n");
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, "observed-as-root\n", "stdin reaches sh -s through sudo");
  });

  it("the cloudflared install fails the same way and never reads the token", () => {
    installSudoStandin(`${dir}/bin`, { password: true });
    writeFileSync(`${dir}/bin/cloudflared`, `#!/bin/sh\necho "$*" >> "${dir}/calls"\n`, {
      mode: 0o755,
    });
    const r = remote(renderCloudflaredInstall("admin", "edge1"), "TOKEN\n");
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `${message("cloudflared on edge1")}\n`);
    assert.equal(existsSync(`${dir}/calls`), false);
  });

  it("any other sudo failure is named too, with its own words and the fix; nothing runs", () => {
    const cmd = asRoot(`touch ${dir}/ran`, "admin", "vm-web-restart on hv1");
    const says = (cause: string) =>
      `homelab: vm-web-restart on hv1: the admin user admin cannot run sudo -n sh (homelab runs every change as root through sudo -n): ${cause}. Install sudo and give admin passwordless sudo (e.g. /etc/sudoers.d/homelab: "admin ALL=(root) NOPASSWD: ALL") or use adminUser: root.\n`;
    // No sudo installed: a PATH with sh and nothing else.
    mkdirSync(`${dir}/sys`);
    symlinkSync("/bin/sh", `${dir}/sys/sh`);
    const missing = remote(cmd, "", `${dir}/bin:${dir}/sys`);
    assert.equal(missing.status, 1);
    // The shell's own "sudo: not found" (its wording differs between shells) is the cause.
    const [head, tail] = says("@").split("@") as [string, string];
    assert.ok(missing.stderr.startsWith(head), missing.stderr);
    assert.ok(missing.stderr.endsWith(`sudo: not found${tail}`), missing.stderr);
    writeFileSync(
      `${dir}/bin/sudo`,
      "#!/bin/sh\necho 'sudo: unable to resolve host hv1' >&2; exit 1\n",
      {
        mode: 0o755,
      },
    );
    const other = remote(cmd);
    assert.equal(other.status, 1);
    assert.equal(other.stderr, says("sudo: unable to resolve host hv1"));
    assert.equal(existsSync(`${dir}/ran`), false);
  });
});
